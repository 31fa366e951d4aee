import type { ApiMethod, ApiParsedRequest, ApiResponse } from '../shared/api/index.ts';

/** What the transport knows about a call besides its request: the session token of a signed-in rater. */
export interface CallContext {
  session?: string;
}

/** Implementations of some contract methods; each domain module returns its own slice. */
export type Handlers<M extends ApiMethod> = {
  [K in M]: (request: ApiParsedRequest<K>, call?: CallContext) => Promise<ApiResponse<K>>;
};

export type AllHandlers = Handlers<ApiMethod>;
