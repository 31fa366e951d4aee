/**
 * The faithfulness report runs its model work on the app's worker pool, batched, and its numbers are those of
 * the in-process engine running one window per run, bit for bit. How free the thread that answers API calls stays meanwhile is a speed figure, measured
 * by bench/app-responsiveness.bench.ts rather than asserted here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAppPools, createAppContext, createHandlers, dispatch, type AppContext } from '../../src/app/index.ts';
import type { Report } from '../../src/core/report/build.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { ONE_RUN_PER_WINDOW } from '../../src/core/inference/perturbation.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { openStore } from '../../src/core/store/index.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../renderer/viewerDb.ts';
import { repoPath } from '../helpers/sharedData.ts';

const MODELS_DIR = repoPath('resources', 'models');
const RECORDS = [1, 2, 3, 4];

let dir: string;
let ctx: AppContext;
let handlers: ReturnType<typeof createHandlers>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-report-responsive-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildDb(dbPath, ludbRecordFiles(RECORDS), RECORDS.length, join(MODELS_DIR, 'ecg-imn-ptbxl-superdiag-100hz'));
  ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: MODELS_DIR }, repoPath());
  handlers = createHandlers(ctx);
}, 120_000);

afterAll(async () => {
  await closeAppPools(ctx);
  rmSync(dir, { recursive: true, force: true });
});

const settings = { study: VIEWER_STUDY, pdf: false, bootstrapResamples: 20, faithfulnessMaxRecords: 0 } as const;

describe('faithfulness report through the app handlers', () => {
  let viaApp: Report;

  it('runs through the API on the app pool and evaluates every record', async () => {
    const result = await dispatch(handlers, 'reports.generate', settings);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    const { outDir, summary } = result.value as { outDir: string; summary: { faithfulness: { recordsEvaluated: number } } };
    expect(summary.faithfulness.recordsEvaluated).toBe(RECORDS.length);
    viaApp = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
  }, 120_000);

  it('gives the faithfulness numbers of the in-process engine running one window per run, exactly', async () => {
    expect(viaApp).toBeDefined();
    const db = openStore(ctx.dbPath, { readonly: true });
    const engine = await InferenceEngine.open(join(MODELS_DIR, 'ecg-imn-ptbxl-superdiag-100hz'), { providers: ['cpu'] });
    try {
      const result = await generateReport(db, {
        outDir: join(dir, 'in-process'),
        study: VIEWER_STUDY,
        runner: async () => engine,
        perturbation: ONE_RUN_PER_WINDOW,
        settings: { bootstrapResamples: settings.bootstrapResamples, faithfulnessMaxRecords: settings.faithfulnessMaxRecords },
        pdf: null,
      });
      const inProcess = JSON.parse(JSON.stringify(result.report)) as Report;
      const timeless = (r: Report) => ({ ...r.faithfulness, deletionInsertionMsPerRecord: null });
      expect(timeless(viaApp)).toEqual(timeless(inProcess));
    } finally {
      await engine.close();
      db.close();
    }
  }, 120_000);
});
