/**
 * Databases for the viewer's tests: real ECG records through the real batch import and a real model (the tiny
 * test model by default), and an app context whose models folder holds that model (what-if and raw W re-run it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createAppContext, createHandlers, dispatch, type AppContext, warmModelPools } from '../../src/app/index.ts';
import { startImport } from '../../src/core/import/index.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { InferencePool } from '../../src/core/inference/pool.ts';
import { openStore } from '../../src/core/store/index.ts';
import { type BrowserServer, startBrowserServer } from '../../src/server/browserServer.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';

export const VIEWER_STUDY = 'viewer-test';

/** Every file of the LUDB records with these numbers (header, signal, per-lead annotations). */
export function ludbRecordFiles(numbers: readonly number[]): string[] {
  const dir = join(sharedDataDir(), 'ludb', 'data');
  return readdirSync(dir)
    .filter((f) => numbers.includes(Number(/^(\d+)\./.exec(f)?.[1])))
    .map((f) => join(dir, f));
}

/** Header and signal of PTB-XL records (500 Hz versions) by ecg_id. */
export function ptbxlRecordFiles(ids: readonly number[]): string[] {
  const dir = join(sharedDataDir(), 'ptbxl', 'records500', '00000');
  return ids.flatMap((id) => ['hea', 'dat'].map((ext) => join(dir, `${String(id).padStart(5, '0')}_hr.${ext}`)));
}

/** Imports `inputs` into a new database through the batch import, every record run through the model in `modelDir`. */
export async function buildDb(dbPath: string, inputs: string[], expected: number, modelDir = TINY_MODEL_DIR): Promise<void> {
  const pool = await InferencePool.open(modelDir, { providers: ['cpu'] });
  const db = openStore(dbPath);
  try {
    const model = { manifest: loadModelFolder(modelDir).manifest, predictBatch: pool.predictBatch.bind(pool) };
    const summary = await startImport(db, { inputs, study: VIEWER_STUDY, model }).done;
    if (summary.imported !== expected) throw new Error(`viewer fixture: imported ${summary.imported} of ${expected} records`);
  } finally {
    db.close();
    await pool.close();
  }
}

export function buildViewerDb(dbPath: string, numbers: readonly number[]): Promise<void> {
  return buildDb(dbPath, ludbRecordFiles(numbers), numbers.length);
}

export function viewerContext(dbPath: string, modelsDir = dirname(TINY_MODEL_DIR)): AppContext {
  return createAppContext({ mode: 'browser', dbPath, modelsDir }, repoPath());
}

/** The browser-mode server (real HTTP server, real handlers) over a viewer database, serving the built renderer. */
export async function startViewerServer(dbPath: string, modelsDir?: string): Promise<BrowserServer> {
  const rendererDir = repoPath('out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`${rendererDir}/index.html missing: run npm run build`);
  const ctx = viewerContext(dbPath, modelsDir);
  const handlers = createHandlers(ctx);
  warmModelPools(ctx);
  return startBrowserServer({ rendererDir, dispatch: (method, request, call) => dispatch(handlers, method, request, call) });
}
