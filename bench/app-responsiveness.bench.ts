/**
 * How long an API call waits for the app's main thread while a faithfulness report runs: model work on the app's
 * worker pool (what the app does) against the in-process engine (the baseline), on the same database in one run.
 * A system.info call falls due every 10 ms and its wait counts from when it was due, as an IPC call's would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAppPools, createAppContext, createHandlers, dispatch } from '../src/app/index.ts';
import { generateReport } from '../src/core/report/generate.ts';
import { openStore } from '../src/core/store/index.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../tests/renderer/viewerDb.ts';
import { type BenchResult, repoRoot, withRatio } from './harness.ts';

const MODELS_DIR = join(repoRoot, 'resources', 'models');
const RECORDS = [1, 2, 3, 4, 5, 6, 7, 8];
const SETTINGS = { bootstrapResamples: 20, faithfulnessMaxRecords: 0 };

async function slowestWait(handlers: ReturnType<typeof createHandlers>, work: () => Promise<unknown>): Promise<number> {
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

export default async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-bench-responsive-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildDb(dbPath, ludbRecordFiles(RECORDS), RECORDS.length, join(MODELS_DIR, 'ecg-imn-ptbxl-superdiag-100hz'));
  const ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: MODELS_DIR }, repoRoot);
  const handlers = createHandlers(ctx);
  try {
    const onPool = await slowestWait(handlers, () =>
      dispatch(handlers, 'reports.generate', { study: VIEWER_STUDY, pdf: false, ...SETTINGS }).then((r) => {
        if (!r.ok) throw new Error(r.error.message);
      }),
    );
    const db = openStore(dbPath, { readonly: true });
    let inProcess: number;
    try {
      inProcess = await slowestWait(handlers, () =>
        generateReport(db, { outDir: join(dir, 'in-process'), study: VIEWER_STUDY, modelsDir: MODELS_DIR, settings: SETTINGS, pdf: null }),
      );
    } finally {
      db.close();
    }
    return {
      name: 'app-responsiveness',
      description: `longest API wait during a faithfulness report on ${RECORDS.length} LUDB records, bundled model`,
      figures: [
        withRatio({
          metric: 'longest API call wait during a faithfulness report (app: worker pool)',
          value: onPool,
          unit: 'ms',
          baseline: { name: 'model run in-process on the same thread', value: inProcess },
        }),
      ],
    };
  } finally {
    await closeAppPools(ctx);
    rmSync(dir, { recursive: true, force: true });
  }
}
