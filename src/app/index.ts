import type { AppContext } from './context.ts';
import type { AllHandlers } from './handlers.ts';
import { importHandlers } from './import.ts';
import { labelsHandlers } from './labels.ts';
import { recordsHandlers } from './records.ts';
import { systemHandlers } from './system.ts';
import { packagesHandlers } from './packages.ts';
import { reportsHandlers } from './reports.ts';

export { createAppContext, type AppContext } from './context.ts';
export { dispatch } from './dispatch.ts';
export { closeAppPools } from './inference.ts';

/** Every contract method's implementation, assembled from the domain modules. */
export function createHandlers(ctx: AppContext): AllHandlers {
  return {
    ...systemHandlers(ctx),
    ...packagesHandlers(ctx),
    ...recordsHandlers(ctx),
    ...labelsHandlers(ctx),
    ...importHandlers(ctx),
    ...reportsHandlers(ctx),
  };
}
