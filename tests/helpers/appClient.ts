import { createAppContext, createHandlers, dispatch } from '../../src/app/index.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { repoPath } from './sharedData.ts';

/**
 * One installation of the app, called through the same dispatch both transports use; after `useSession`, every
 * call carries that session (a rater signed in, or who just protected their name).
 */
export function appClient(dbPath: string, modelsDir?: string) {
  const ctx = createAppContext({ mode: 'browser', dbPath, modelsDir }, repoPath());
  const handlers = createHandlers(ctx);
  let session: string | undefined;
  return {
    useSession(token: string): void {
      session = token;
    },
    async call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
      const reply = await dispatch(handlers, method, request, { session });
      if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
      return reply.value as ApiResponse<M>;
    },
    async error(method: ApiMethod, request: unknown): Promise<{ code: string; message: string }> {
      const reply = await dispatch(handlers, method, request, { session });
      if (reply.ok) throw new Error(`${method} succeeded`);
      return reply.error;
    },
  };
}
