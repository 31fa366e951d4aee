import { z } from 'zod';

/** One call the renderer can make: its request and response, validated at run time on the main side. */
export interface Endpoint<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
}

export function endpoint<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): Endpoint<Req, Res> {
  return { request, response };
}

export const apiErrorCodes = ['bad-request', 'not-found', 'conflict', 'unauthorized', 'internal'] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

/** The error shape that crosses IPC and HTTP; `message` is written for the user. */
export const apiErrorSchema = z.object({
  code: z.enum(apiErrorCodes),
  message: z.string(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** Every reply, over IPC and HTTP alike, is wrapped so that errors keep their code and message. */
export type ApiEnvelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
