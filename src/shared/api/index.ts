import type { z } from 'zod';
import { importApi } from './import.ts';
import { labelsApi } from './labels.ts';
import { measurementsApi } from './measurements.ts';
import { recordsApi } from './records.ts';
import { systemApi } from './system.ts';
import { packagesApi } from './packages.ts';
import { reportsApi } from './reports.ts';

/** The single contract between renderer and main, served by Electron IPC and by browser mode alike. */
export const apiContract = {
  ...systemApi,
  ...packagesApi,
  ...recordsApi,
  ...measurementsApi,
  ...labelsApi,
  ...importApi,
  ...reportsApi,
};

export type ApiContract = typeof apiContract;
export type ApiMethod = keyof ApiContract;
export type ApiRequest<M extends ApiMethod> = z.input<ApiContract[M]['request']>;
/** A request after validation (defaults applied), as handlers receive it. */
export type ApiParsedRequest<M extends ApiMethod> = z.output<ApiContract[M]['request']>;
export type ApiResponse<M extends ApiMethod> = z.output<ApiContract[M]['response']>;

/** What the renderer sees, whichever transport carries it. */
export interface EcgAuditApi {
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>>;
}

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiContract, name);
}

export * from './contract.ts';
