/**
 * How the app answers while a faithfulness report runs as a job (reports.start, model work on the app's worker
 * pool, batched), on LUDB records imported with the bundled model and labelled by 3 seeded raters:
 * - opening a record (records.get + records.run + labels.current, what the viewer asks for) during the report
 *   against the same calls with nothing running, and against the same report on a pool whose batch workers run
 *   at the app's own priority (the pool's default lowers them, pool.ts BATCH_NICE);
 * - the longest wait of a system.info call that falls due every 10 ms (counted from when it was due, as an IPC
 *   call's would be) on the pool against the report's model runs in process on the same thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAppPools, createAppContext, createHandlers, dispatch } from '../src/app/index.ts';
import { InferenceEngine } from '../src/core/inference/engine.ts';
import { BATCH_NICE, InferencePool } from '../src/core/inference/pool.ts';
import { generateReport } from '../src/core/report/generate.ts';
import { findStudy, listRaters, openStore } from '../src/core/store/index.ts';
import type { ReportTaskDto } from '../src/shared/api/reports.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../tests/renderer/viewerDb.ts';
import { synthesizeLabels } from '../tests/helpers/syntheticLabels.ts';
import { type BenchResult, median, percentile, repoRoot, withRatio } from './harness.ts';

const MODELS_DIR = join(repoRoot, 'resources', 'models');
const MODEL = 'ecg-imn-ptbxl-superdiag-100hz';
const RECORDS = Array.from({ length: 24 }, (_, i) => i + 1);
const SETTINGS = { bootstrapResamples: 1000, faithfulnessMaxRecords: 0 };

type Handlers = ReturnType<typeof createHandlers>;

async function ok(handlers: Handlers, method: Parameters<typeof dispatch>[1], request: unknown): Promise<unknown> {
  const reply = await dispatch(handlers, method, request);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`);
  return reply.value;
}

/** Wall time of the three calls the viewer makes to open a record, issued together as the renderer does. */
async function openRecord(handlers: Handlers, recordId: number, raterId: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all([
    ok(handlers, 'records.get', { recordId }),
    ok(handlers, 'records.run', { recordId }),
    ok(handlers, 'labels.current', { recordId, raterId }),
  ]);
  return performance.now() - t0;
}

async function slowestWait(handlers: Handlers, work: () => Promise<unknown>): Promise<number> {
  let finished = false;
  let slowest = 0;
  const running = work().finally(() => (finished = true));
  for (let due = performance.now(); !finished; due += 10) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    await dispatch(handlers, 'system.info', {});
    slowest = Math.max(slowest, performance.now() - due);
    due = Math.max(due, performance.now() - 10);
  }
  await running;
  return slowest;
}

/** Starts a report job and waits for it by polling, as the Reports screen does. */
async function reportJob(handlers: Handlers): Promise<void> {
  const started = (await ok(handlers, 'reports.start', { study: VIEWER_STUDY, pdf: false, ...SETTINGS })) as ReportTaskDto;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t = (await ok(handlers, 'reports.status', { jobId: started.jobId })) as ReportTaskDto;
    if (t.error) throw new Error(t.error);
    if (!t.running) return;
  }
}

export default async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-bench-responsive-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildDb(dbPath, ludbRecordFiles(RECORDS), RECORDS.length, join(MODELS_DIR, MODEL));
  const setup = openStore(dbPath);
  const ids = setup.prepare('SELECT id FROM records ORDER BY id').all() as { id: number }[];
  synthesizeLabels(setup, { studyId: findStudy(setup, VIEWER_STUDY)!.id, raterNames: ['A', 'B', 'C'], seed: 5 });
  const raterId = listRaters(setup)[0]!.id;
  setup.close();

  const ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: MODELS_DIR }, repoRoot);
  const handlers = createHandlers(ctx);
  try {
    const idle: number[] = [];
    for (let i = 0; i < 40; i++) idle.push(await openRecord(handlers, ids[i % ids.length]!.id, raterId));

    // opening records one after another (a rater paging through) for as long as the report runs
    const during: number[] = [];
    let reportDone = false;
    const reportStarted = performance.now();
    let reportS = 0;
    const report = reportJob(handlers).finally(() => {
      reportDone = true;
      reportS = (performance.now() - reportStarted) / 1000;
    });
    for (let i = 0; !reportDone; i++) {
      during.push(await openRecord(handlers, ids[i % ids.length]!.id, raterId));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await report;

    // the same report on a pool whose batch workers keep the app's priority, opening records the same way
    const samePriority: number[] = [];
    let samePriorityS = 0;
    {
      const db = openStore(dbPath, { readonly: true });
      const pool = await InferencePool.open(join(MODELS_DIR, MODEL), { batchNice: 0 });
      let done = false;
      const started = performance.now();
      const running = generateReport(db, {
        outDir: join(dir, 'same-priority'),
        study: VIEWER_STUDY,
        runner: async () => pool,
        settings: SETTINGS,
        pdf: null,
      }).finally(() => {
        done = true;
        samePriorityS = (performance.now() - started) / 1000;
      });
      try {
        for (let i = 0; !done; i++) {
          samePriority.push(await openRecord(handlers, ids[i % ids.length]!.id, raterId));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await running;
      } finally {
        await pool.close();
        db.close();
      }
    }

    const onPool = await slowestWait(handlers, () => reportJob(handlers));
    const db = openStore(dbPath, { readonly: true });
    const engine = await InferenceEngine.open(join(MODELS_DIR, MODEL));
    let inProcess: number;
    try {
      inProcess = await slowestWait(handlers, () =>
        generateReport(db, {
          outDir: join(dir, 'in-process'),
          study: VIEWER_STUDY,
          runner: async () => engine,
          settings: SETTINGS,
          pdf: null,
        }),
      );
    } finally {
      await engine.close();
      db.close();
    }
    return {
      name: 'app-responsiveness',
      description: `the app's API while a faithfulness report on ${RECORDS.length} LUDB records runs (bundled model, 3 raters, 1,000 resamples)`,
      figures: [
        withRatio({
          metric: 'open a record (3 API calls) while a report runs, median',
          value: median(during),
          unit: 'ms',
          baseline: { name: 'same calls, nothing running', value: median(idle) },
          goal: '< 150 ms',
        }),
        withRatio({
          metric: `open a record while a report runs, p95 (${during.length} opens)`,
          value: percentile(during, 95),
          unit: 'ms',
          baseline: { name: 'same calls, nothing running, p95', value: percentile(idle, 95) },
          goal: '< 150 ms',
        }),
        withRatio({
          metric: `open a record while a report runs, p95: batch workers at lower priority (${BATCH_NICE ? `nice ${BATCH_NICE}` : 'not on this platform'})`,
          value: percentile(during, 95),
          unit: 'ms',
          baseline: {
            name: `batch workers at the app's priority, p95 (${samePriority.length} opens)`,
            value: percentile(samePriority, 95),
          },
          goal: '< 150 ms',
        }),
        withRatio({
          metric: 'longest API call wait during a faithfulness report (app: worker pool)',
          value: onPool,
          unit: 'ms',
          baseline: { name: 'model run in-process on the same thread', value: inProcess },
        }),
      ],
      notes: [
        `slowest open during the report: ${Math.max(...during).toFixed(1)} ms (batch workers at the app's priority: ${Math.max(...samePriority).toFixed(1)} ms)`,
        `median open with batch workers at the app's priority: ${median(samePriority).toFixed(1)} ms`,
        `the report took ${reportS.toFixed(1)} s with the batch workers at lower priority, ${samePriorityS.toFixed(1)} s at the app's priority (other processes on the machine take more from lower-priority workers)`,
        `load average when the bench ended: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(', ')} (${availableParallelism()} cores)`,
      ],
    };
  } finally {
    await closeAppPools(ctx);
    rmSync(dir, { recursive: true, force: true });
  }
}
