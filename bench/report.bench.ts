/**
 * Report speed. Setup (untimed): the 500 PTB-XL records at 100 Hz, the same 500 at 500 Hz (993 distinct signals:
 * PTB-XL has a few byte-identical records) and 7 LUDB records imported into one study (1,000 records) with the
 * tiny test model, and seeded labels from 3 raters.
 * Timed: the whole report without faithfulness (agreement with 1,000 bootstrap resamples per statistic, JSON,
 * CSV, HTML with SSR plots) against reading the study from the store alone; the faithfulness pass per record
 * (deletion + insertion in every order) three ways in the same run, for the tiny model and, when installed,
 * the real one: batched on a worker pool (the default), one model run per window in process (the reference
 * path the batched one must equal), and the previous path (in process, 2 intra-op threads, runs of 64 windows,
 * nothing reused). The three give identical figures (tests/inference/perturbation.test.ts); checked here too.
 * Also the batched pass's CPU time against the model's own cost: the distinct windows it runs times one
 * window's run on one thread, the floor no batching or reuse of equal windows can go under.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImport } from '../src/core/import/index.ts';
import { InferenceEngine } from '../src/core/inference/engine.ts';
import { DEFAULT_MODEL_ID, defaultModelDir, loadModelFolder } from '../src/core/inference/modelFolder.ts';
import { BATCHED_PLAN, ONE_RUN_PER_WINDOW, type PerturbationPlan } from '../src/core/inference/perturbation.ts';
import { InferencePool } from '../src/core/inference/pool.ts';
import type { WindowRunner } from '../src/core/inference/runner.ts';
import { DEFAULT_SETTINGS } from '../src/core/report/build.ts';
import { faithfulnessSection } from '../src/core/report/faithfulness.ts';
import { loadStudyData } from '../src/core/report/data.ts';
import { generateReport } from '../src/core/report/generate.ts';
import { type Db, openStore } from '../src/core/store/index.ts';
import { sharedDataDir } from '../tests/helpers/sharedData.ts';
import { synthesizeLabels } from '../tests/helpers/syntheticLabels.ts';
import { type BenchFigure, type BenchResult, median, repoRoot, withRatio } from './harness.ts';

const RATERS = ['Rater A', 'Rater B', 'Rater C'];
const FAITHFULNESS_RECORDS = 20;

function headers(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(dir, f));
}

async function importStudy(db: Db, study: string, modelDir: string, inputs: string[]): Promise<number> {
  const pool = await InferencePool.open(modelDir);
  try {
    const model = {
      manifest: loadModelFolder(modelDir).manifest,
      predictBatch: (r: Parameters<InferencePool['predictBatch']>[0]) => pool.predictBatch(r),
    };
    const summary = await startImport(db, { inputs, study, model }).done;
    if (summary.failed.length) throw new Error(`bench import failed: ${summary.failed[0]!.file}: ${summary.failed[0]!.error}`);
    synthesizeLabels(db, { studyId: summary.studyId, raterNames: RATERS, seed: 7 });
    return summary.imported;
  } finally {
    await pool.close();
  }
}

/**
 * The faithfulness pass on `runner` with `plan`: wall time and CPU time (every thread of this process, so the
 * pool's workers too) per record, and the section for the equality check. CPU time shows the work saved
 * whatever else the machine runs; wall time adds what the workers run in parallel.
 */
async function faithfulnessPass(
  db: Db,
  study: string,
  runner: WindowRunner,
  plan: PerturbationPlan,
): Promise<{ msPerRecord: number; cpuMsPerRecord: number; windowsPerRecord: number; section: string }> {
  const data = loadStudyData(db, { study });
  const settings = {
    steps: DEFAULT_SETTINGS.deletionSteps,
    seed: DEFAULT_SETTINGS.seed,
    maxRecords: FAITHFULNESS_RECORDS,
    topFraction: 0.01,
  };
  // counts the perturbed windows the model actually runs (after reuse)
  let windows = 0;
  const counted: WindowRunner = {
    model: runner.model,
    parallelism: runner.parallelism,
    preprocess: (record) => runner.preprocess(record),
    runWindows: (inputs) => runner.runWindows(inputs),
    runLogits: (batch, n) => {
      windows += n;
      return runner.runLogits(batch, n);
    },
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const section = await faithfulnessSection(counted, db, data, settings, { plan });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = section.recordsEvaluated;
  return {
    msPerRecord: wall / n,
    cpuMsPerRecord: (cpu.user + cpu.system) / 1000 / n,
    windowsPerRecord: windows / n,
    section: JSON.stringify({ ...section, deletionInsertionMsPerRecord: null }),
  };
}

/**
 * CPU time of one window's logits on one thread (median of 41 runs after a warm-up): the model's own cost, the
 * floor under the faithfulness pass's CPU time per window.
 */
async function oneWindowMs(engine: InferenceEngine): Promise<number> {
  const m = engine.model.manifest;
  const x = new Float32Array(m.leadOrder.length * m.inputLength).map((_, i) => Math.sin(i * 0.37));
  const times: number[] = [];
  for (let i = 0; i < 45; i++) {
    const c0 = process.cpuUsage();
    await engine.runLogits(x, 1);
    const c = process.cpuUsage(c0);
    if (i >= 4) times.push((c.user + c.system) / 1000);
  }
  return median(times);
}

/** Runs of 64 windows with no reuse: the path before the batched perturbation runner. */
const PREVIOUS_PLAN: PerturbationPlan = { windowsPerRun: 64, reuseIdentical: false };

async function faithfulnessFigures(db: Db, study: string, modelDir: string, label: string): Promise<BenchFigure[]> {
  // every path at the same scheduling priority, so the machine's other load weighs on all of them alike (the
  // app's pool lowers its batch workers' priority for responsiveness: bench/app-responsiveness.bench.ts)
  const pool = await InferencePool.open(modelDir, { providers: ['cpu'], batchNice: 0 });
  const single = await InferenceEngine.open(modelDir, { providers: ['cpu'], intraOpThreads: 1 });
  const twoThreads = await InferenceEngine.open(modelDir, { providers: ['cpu'] });
  try {
    const batched = await faithfulnessPass(db, study, pool, BATCHED_PLAN);
    const perWindow = await oneWindowMs(single);
    const reference = await faithfulnessPass(db, study, single, ONE_RUN_PER_WINDOW);
    const previous = await faithfulnessPass(db, study, twoThreads, PREVIOUS_PLAN);
    for (const other of [reference, previous]) {
      if (other.section !== batched.section) throw new Error(`${label}: faithfulness differs between paths`);
    }
    const what = `faithfulness pass per record, ${label} (deletion + insertion: 3 sample orders x 2 curves x 21 steps, and 3 region orders x 2 curves x (regions + 1) on records with region judgements)`;
    return [
      withRatio({
        metric: `${what}: batched on the pool (${pool.parallelism} workers)`,
        value: batched.msPerRecord,
        unit: 'ms',
        baseline: { name: 'one model run per window, in process, 1 thread', value: reference.msPerRecord },
        goal: '<= 100 ms; identical figures',
      }),
      withRatio({
        metric: `${what}: batched on the pool vs the previous path`,
        value: batched.msPerRecord,
        unit: 'ms',
        baseline: { name: 'runs of 64 windows, no reuse, in process, 2 threads', value: previous.msPerRecord },
        goal: 'ratio <= 0.125 (8x)',
      }),
      withRatio({
        metric: `${what}: CPU time (all threads), batched`,
        value: batched.cpuMsPerRecord,
        unit: 'ms',
        baseline: { name: 'one model run per window', value: reference.cpuMsPerRecord },
      }),
      withRatio({
        metric: `${what}: CPU time (all threads), batched, against onnxruntime alone`,
        value: batched.cpuMsPerRecord,
        unit: 'ms',
        baseline: {
          name: `${batched.windowsPerRecord.toFixed(1)} distinct windows per record x one window's run (${perWindow.toFixed(2)} ms, 1 thread)`,
          value: batched.windowsPerRecord * perWindow,
        },
      }),
    ];
  } finally {
    await pool.close();
    await single.close();
    await twoThreads.close();
  }
}

export default async function (): Promise<BenchResult> {
  const work = mkdtempSync(join(tmpdir(), 'ecg-report-bench-'));
  const db = openStore(join(work, 'bench.sqlite'));
  const tiny = join(repoRoot, 'tests', 'fixtures', 'models', 'tiny-imn');
  const ptbxl = join(sharedDataDir(), 'ptbxl');
  const notes: string[] = [];
  try {
    const imported = await importStudy(db, 'bench 1000', tiny, [
      ...headers(join(ptbxl, 'records100', '00000')),
      ...headers(join(ptbxl, 'records500', '00000')),
      ...headers(join(sharedDataDir(), 'ludb', 'data')).slice(0, 7),
    ]);
    notes.push(`${imported} records imported (PTB-XL 1-500 at 100 Hz and at 500 Hz, 7 LUDB) with tiny-imn; labels from 3 seeded raters`);

    const t0 = performance.now();
    const data = loadStudyData(db, { study: 'bench 1000' });
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    const { report } = await generateReport(db, {
      outDir: join(work, 'report'),
      study: 'bench 1000',
      settings: { faithfulness: false },
      pdf: null,
    });
    const reportMs = performance.now() - t1;
    notes.push(
      `${data.records.length} records, ${report.counts.labels} labels, ${report.counts.regionJudgements} current region judgements, 1,000 bootstrap resamples per statistic`,
    );

    const figures: BenchFigure[] = [
      withRatio({
        metric: 'report without faithfulness, 1,000 records x 3 raters (JSON, CSV, HTML)',
        value: reportMs / 1000,
        unit: 's',
        baseline: { name: 'reading the study from the store', value: loadMs / 1000 },
        goal: '< 10 s',
      }),
      ...(await faithfulnessFigures(db, 'bench 1000', tiny, 'tiny-imn')),
    ];

    const realDir = join(defaultModelDir(), DEFAULT_MODEL_ID);
    if (existsSync(join(realDir, 'model.json'))) {
      await importStudy(db, 'bench real', realDir, headers(join(ptbxl, 'records100', '00000')).slice(0, FAITHFULNESS_RECORDS));
      figures.push(...(await faithfulnessFigures(db, 'bench real', realDir, DEFAULT_MODEL_ID)));
    } else {
      notes.push(`${DEFAULT_MODEL_ID} not installed: deletion/insertion measured on tiny-imn only`);
    }
    notes.push(
      `load average when the bench ended: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} (${availableParallelism()} cores)`,
    );
    return {
      name: 'report',
      description: 'Agreement/faithfulness report over an imported study (onnxruntime cpu provider for the re-runs)',
      figures,
      notes,
    };
  } finally {
    db.close();
    rmSync(work, { recursive: true, force: true });
  }
}
