import { z } from 'zod';
import { ApiError, type ApiEnvelope, apiContract, isApiMethod } from '../shared/api/index.ts';
import type { AllHandlers, CallContext } from './handlers.ts';

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}

/**
 * The one entry point both transports use: checks the method name, validates the request against the
 * contract, runs the handler (with the transport's session token, `call`), and checks the reply too, so a
 * handler cannot drift from the contract unseen.
 */
export async function dispatch(
  handlers: AllHandlers,
  method: unknown,
  rawRequest: unknown,
  call: CallContext = {},
): Promise<ApiEnvelope<unknown>> {
  try {
    if (!isApiMethod(method)) {
      throw new ApiError('bad-request', `unknown API method ${JSON.stringify(method)}`);
    }
    const endpoint = apiContract[method];
    const parsed = endpoint.request.safeParse(rawRequest);
    if (!parsed.success) {
      throw new ApiError('bad-request', `invalid request for ${method}: ${describeIssues(parsed.error)}`);
    }
    const handler = handlers[method] as (request: unknown, call: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, call);
    const checked = endpoint.response.safeParse(value);
    if (!checked.success) {
      throw new ApiError('internal', `reply of ${method} breaks the contract: ${describeIssues(checked.error)}`);
    }
    return { ok: true, value: checked.data };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'internal', message } };
  }
}
