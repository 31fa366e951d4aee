import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { createAppContext, createHandlers, dispatch } from '../../src/app/index.ts';
import { appPool } from '../../src/app/inference.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../renderer/viewerDb.ts';
import { repoPath } from '../helpers/sharedData.ts';
const MODELS_DIR = repoPath('resources', 'models');
it('debug', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dbg-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildDb(dbPath, ludbRecordFiles([1,2,3,4]), 4, join(MODELS_DIR, 'ecg-imn-ptbxl-superdiag-100hz'));
  const ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: MODELS_DIR }, repoPath());
  const handlers = createHandlers(ctx);
  const t0 = performance.now();
  let last = t0;
  const iv = setInterval(() => { const n = performance.now(); if (n - last > 30) console.log('stall', (n-last).toFixed(0), 'at', (last - t0).toFixed(0)); last = n; }, 5);
  for (const pre of [true, false]) {
    if (pre) { const p = await appPool(ctx, 'ecg-imn-ptbxl-superdiag-100hz'); console.log('pool open', (performance.now()-t0).toFixed(0)); }
    const s = performance.now();
    const r = await dispatch(handlers, 'reports.generate', { study: VIEWER_STUDY, pdf: false, bootstrapResamples: 20, faithfulnessMaxRecords: 0 });
    console.log('report', r.ok, (performance.now()-s).toFixed(0), 'end at', (performance.now()-t0).toFixed(0));
  }
  clearInterval(iv);
}, 120000);
