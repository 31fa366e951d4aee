import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listModels } from '../core/store/index.ts';
import type { AppContext } from './context.ts';
import type { ApiMethod } from '../shared/api/index.ts';
import type { AllHandlers, CallContext } from './handlers.ts';
import { importHandlers } from './import.ts';
import { labelsHandlers } from './labels.ts';
import { measurementsHandlers } from './measurements.ts';
import { recordsHandlers } from './records.ts';
import { systemHandlers } from './system.ts';
import { packagesHandlers } from './packages.ts';
import { reportsHandlers } from './reports.ts';
import { appPool, closeAppPools } from './inference.ts';
import { appStore, asApiErrors, closeAppStore } from './records.ts';
import { authorizeLabelAccess } from './labelAccess.ts';
import { authorizeCaller } from './sessions.ts';

export { createAppContext, type AppContext } from './context.ts';
export { dispatch } from './dispatch.ts';
export { closeAppPools } from './inference.ts';

/**
 * What every adapter does when the app quits: the database is closed, so a WAL database leaves no `-wal`
 * beside it and a package opened as the database is the single file the rater sends; then the model pools.
 */
/**
 * Starts the worker pools of the installed models the database's runs use, in the background: a record's maps
 * are recomputed on the pool, and starting its workers takes about 0.6 s, which would otherwise fall on the
 * first record a rater opens. A model that cannot be opened says so when it is first used.
 */
export function warmModelPools(ctx: AppContext): void {
  for (const { id } of listModels(appStore(ctx))) {
    if (existsSync(join(ctx.modelsDir, id, 'model.json'))) void appPool(ctx, id).catch(() => undefined);
  }
}

export async function closeApp(ctx: AppContext): Promise<void> {
  closeAppStore(ctx);
  await closeAppPools(ctx);
}

/**
 * Every contract method's implementation, assembled from the domain modules, each behind the caller check: a
 * request naming a protected rater runs only in that rater's session (sessions.ts), and one touching a blinded
 * study's labels only under a protected name (labelAccess.ts).
 */
export function createHandlers(ctx: AppContext): AllHandlers {
  const handlers: AllHandlers = {
    ...systemHandlers(ctx),
    ...packagesHandlers(ctx),
    ...recordsHandlers(ctx),
    ...measurementsHandlers(ctx),
    ...labelsHandlers(ctx),
    ...importHandlers(ctx),
    ...reportsHandlers(ctx),
  };
  const guarded: Record<string, (request: unknown, call?: CallContext) => Promise<unknown>> = {};
  for (const [method, handler] of Object.entries(handlers) as [ApiMethod, (request: unknown, call?: CallContext) => Promise<unknown>][]) {
    guarded[method] = (request, call) =>
      asApiErrors(() => {
        authorizeCaller(ctx, method, request, call?.session);
        authorizeLabelAccess(ctx, method, request);
      }).then(() => handler(request, call));
  }
  return guarded as AllHandlers;
}
