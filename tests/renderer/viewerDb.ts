/**
 * A database for the viewer's tests: real LUDB records through the real batch import and the tiny model,
 * and an app context whose models folder holds that model (what-if and raw W re-run it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createAppContext, createHandlers, dispatch, type AppContext } from '../../src/app/index.ts';
import { startImport } from '../../src/core/import/index.ts';
import { openStore } from '../../src/core/store/index.ts';
import { type BrowserServer, startBrowserServer } from '../../src/server/browserServer.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { TINY_MODEL_DIR, tinyModel } from '../import/helpers.ts';

export const VIEWER_STUDY = 'viewer-test';

/** Every file of the LUDB records with these numbers (header, signal, per-lead annotations). */
export function ludbRecordFiles(numbers: readonly number[]): string[] {
  const dir = join(sharedDataDir(), 'ludb', 'data');
  return readdirSync(dir)
    .filter((f) => numbers.includes(Number(/^(\d+)\./.exec(f)?.[1])))
    .map((f) => join(dir, f));
}

export async function buildViewerDb(dbPath: string, numbers: readonly number[]): Promise<void> {
  const tiny = await tinyModel();
  const db = openStore(dbPath);
  try {
    const summary = await startImport(db, { inputs: ludbRecordFiles(numbers), study: VIEWER_STUDY, model: tiny.model }).done;
    if (summary.imported !== numbers.length) throw new Error(`viewer fixture: imported ${summary.imported} of ${numbers.length} records`);
  } finally {
    db.close();
    await tiny.close();
  }
}

export function viewerContext(dbPath: string): AppContext {
  return createAppContext({ mode: 'browser', dbPath, modelsDir: dirname(TINY_MODEL_DIR) }, repoPath());
}

/** The browser-mode server (real HTTP server, real handlers) over a viewer database, serving the built renderer. */
export async function startViewerServer(dbPath: string): Promise<BrowserServer> {
  const rendererDir = repoPath('out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`${rendererDir}/index.html missing: run npm run build`);
  const handlers = createHandlers(viewerContext(dbPath));
  return startBrowserServer({ rendererDir, dispatch: (method, request) => dispatch(handlers, method, request) });
}
