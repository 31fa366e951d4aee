/**
 * The faithfulness report runs its model work on the app's worker pool, batched, and its numbers are those of
 * the in-process engine running one window per run, bit for bit. How free the thread that answers API calls stays meanwhile is a speed figure, measured
 * by bench/app-responsiveness.bench.ts rather than asserted here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
import { cancelReport, pollReport, startReportJob } from '../helpers/reportJob.ts';
import { repoPath } from '../helpers/sharedData.ts';

const MODELS_DIR = repoPath('resources', 'models');
const RECORDS = [1, 2, 3, 4, 5, 6];

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

  it('runs as a job on the app pool, counting records as they are done, and evaluates every record', async () => {
    const started = await startReportJob(handlers, settings);
    const seen = new Set<number>();
    const finished = await pollReport(handlers, started.jobId, (t) => {
      seen.add(t.progress.recordsDone);
      return !t.running;
    });
    expect(finished.error).toBeNull();
    expect(finished.progress).toMatchObject({ phase: 'completed', recordsDone: RECORDS.length, recordsTotal: RECORDS.length });
    // progress moved through intermediate counts, not straight from nothing to everything
    expect([...seen].some((n) => n > 0 && n < RECORDS.length)).toBe(true);
    const { outDir, summary } = finished.result!;
    expect(summary.faithfulness!.recordsEvaluated).toBe(RECORDS.length);
    viaApp = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
  }, 240_000);

  it('a report cancelled during faithfulness stops and writes nothing; a second start waits for the first', async () => {
    const started = await startReportJob(handlers, settings);
    expect(await dispatch(handlers, 'reports.start', settings)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await pollReport(handlers, started.jobId, (t) => t.progress.phase === 'faithfulness');
    const cancelled = await cancelReport(handlers, started.jobId);
    expect(cancelled.progress.cancellable).toBe(false);
    const ended = await pollReport(handlers, started.jobId);
    expect(ended.progress.phase).toBe('cancelled');
    expect(ended.progress.recordsDone).toBeLessThan(RECORDS.length);
    expect(ended.result).toBeNull();
    expect(ended.error).toBeNull();
    const reports = readdirSync(join(dir, 'reports'));
    // only the first test's report folder exists
    expect(reports).toHaveLength(1);
  }, 240_000);

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
