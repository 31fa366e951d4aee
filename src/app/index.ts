import type { AppContext } from './context.ts';
import type { AllHandlers } from './handlers.ts';
import { labelsHandlers } from './labels.ts';
import { recordsHandlers } from './records.ts';
import { systemHandlers } from './system.ts';

export { createAppContext, type AppContext } from './context.ts';
export { dispatch } from './dispatch.ts';

/** Every contract method's implementation, assembled from the domain modules. */
export function createHandlers(ctx: AppContext): AllHandlers {
  return {
    ...systemHandlers(ctx),
    ...recordsHandlers(ctx),
    ...labelsHandlers(ctx),
  };
}
