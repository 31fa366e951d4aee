import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeApp, createAppContext, createHandlers, dispatch, warmModelPools } from '../app/index.ts';
import { type DemoStart, startDemoStudyIfEmpty } from '../app/demoStudy.ts';
import { type BrowserServer, startBrowserServer } from './browserServer.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LaunchOptions {
  dbPath?: string;
  port?: number;
  token?: string;
  rendererDir?: string;
  /** Import the demo study when the database is empty (the app's first start). */
  demo?: boolean;
  /** Folder of installed models (default: resources/models). */
  modelsDir?: string;
}

/** Browser mode: the app's own API and UI on 127.0.0.1, for machines without the Electron binary. */
export async function launchBrowserMode(options: LaunchOptions = {}): Promise<BrowserServer & { demo: DemoStart | null }> {
  const rendererDir = options.rendererDir ?? join(repoRoot, 'out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (${rendererDir}/index.html missing): run npm run build`);
  }
  const ctx = createAppContext({ mode: 'browser', dbPath: options.dbPath, modelsDir: options.modelsDir }, repoRoot);
  const handlers = createHandlers(ctx);
  const server = await startBrowserServer({
    rendererDir,
    port: options.port,
    token: options.token,
    dispatch: (method, request, call) => dispatch(handlers, method, request, call),
  });
  const demo = options.demo ? await startDemoStudyIfEmpty(ctx, handlers, repoRoot) : null;
  warmModelPools(ctx);
  return {
    ...server,
    demo,
    close: async () => {
      await server.close();
      await closeApp(ctx);
    },
  };
}

/** Quits cleanly on Ctrl-C or a service stop: the database is closed (no `-wal` left behind) before exiting. */
export function closeOnSignals(server: Pick<BrowserServer, 'close'>): void {
  const stop = (): void => {
    void server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('closing failed:', err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
