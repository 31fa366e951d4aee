import { appVersion } from '../shared/version.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';

export function systemHandlers(ctx: AppContext): Handlers<'system.info'> {
  return {
    'system.info': async () => ({
      appVersion,
      mode: ctx.mode,
      dbPath: ctx.dbPath,
      modelsDir: ctx.modelsDir,
    }),
  };
}
