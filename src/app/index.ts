import type { AppContext } from './context.ts';
import type { AllHandlers } from './handlers.ts';
import { importHandlers } from './import.ts';
import { labelsHandlers } from './labels.ts';
import { measurementsHandlers } from './measurements.ts';
import { recordsHandlers } from './records.ts';
import { systemHandlers } from './system.ts';
import { packagesHandlers } from './packages.ts';
import { reportsHandlers } from './reports.ts';
import { closeAppPools } from './inference.ts';
import { closeAppStore } from './records.ts';

export { createAppContext, type AppContext } from './context.ts';
export { dispatch } from './dispatch.ts';
export { closeAppPools } from './inference.ts';

/**
 * What every adapter does when the app quits: the database is closed, so a WAL database leaves no `-wal`
 * beside it and a package opened as the database is the single file the rater sends; then the model pools.
 */
export async function closeApp(ctx: AppContext): Promise<void> {
  closeAppStore(ctx);
  await closeAppPools(ctx);
}

/** Every contract method's implementation, assembled from the domain modules. */
export function createHandlers(ctx: AppContext): AllHandlers {
  return {
    ...systemHandlers(ctx),
    ...packagesHandlers(ctx),
    ...recordsHandlers(ctx),
    ...measurementsHandlers(ctx),
    ...labelsHandlers(ctx),
    ...importHandlers(ctx),
    ...reportsHandlers(ctx),
  };
}
