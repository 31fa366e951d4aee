import type { ApiMethod, ApiParsedRequest, ApiResponse } from '../shared/api/index.ts';

/** Implementations of some contract methods; each domain module returns its own slice. */
export type Handlers<M extends ApiMethod> = {
  [K in M]: (request: ApiParsedRequest<K>) => Promise<ApiResponse<K>>;
};

export type AllHandlers = Handlers<ApiMethod>;
