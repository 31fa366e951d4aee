/**
 * The full PTB-XL 100 Hz (21,799 records) through the batch import with the bundled model, as `ecg-audit import`
 * runs it: time, records/s, database bytes per record and peak memory, then the viewer's worklist, search and
 * record opening at that size through the app's API. Baseline in the same run: reading (in the import's file
 * workers: parse, hash, encode) and predicting the same records without a store.
 *
 * Needs the records, which are not in the repository: ECG_AUDIT_PTBXL_FULL names the folder holding
 * records100/ (as for tests/dataset/modelCard.test.ts); the reference diagnoses come from the PTB-XL tables in
 * ../shared/data/ptbxl-full when that folder has none. Skipped with a message otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeApp, createAppContext, createHandlers, dispatch } from '../src/app/index.ts';
import { FileReaders } from '../src/core/import/fileReaders.ts';
import { DEFAULT_MODEL_ID, defaultModelDir, loadModelFolder } from '../src/core/inference/modelFolder.ts';
import { InferencePool } from '../src/core/inference/pool.ts';
import { openStore } from '../src/core/store/index.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../src/shared/api/index.ts';
import { sharedDataDir } from '../tests/helpers/sharedData.ts';
import { type BenchResult, BenchSkipped, median, percentile, repoRoot, withRatio } from './harness.ts';

const CHUNK = 16;
const PAGE_ROWS = 100; // the viewer's worklist page (src/renderer/src/viewer/useWorklist.ts)

function headersUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.hea'))
    .map((f) => join(dir, f))
    .sort();
}

interface CliImport {
  summary: { imported: number; duplicates: number; failed: unknown[] };
  seconds: number;
  /** The process's peak resident set (VmHWM, worker threads included), read from /proc while it runs; null elsewhere. */
  peakRssBytes: number | null;
  /** CPU seconds (user + system, all threads) from /proc, last read before exit (within 200 ms); null elsewhere. */
  cpuSeconds: number | null;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** `ecg-audit import` in a process of its own, as a user runs it, timed from start to exit. */
async function cliImport(args: string[]): Promise<CliImport> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'ecg-audit.mjs'), 'import', ...args, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let peak: number | null = null;
  let cpu: number | null = null;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]) * 1024);
      // utime and stime are fields 14 and 15; the command name (field 2) is in parentheses and may hold spaces
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // not Linux, or the process has just exited
    }
  }, 200);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  clearInterval(poll);
  if (code !== 0) throw new Error(`ecg-audit import exited with ${code}`);
  return {
    summary: JSON.parse(stdout) as CliImport['summary'],
    seconds: (performance.now() - t0) / 1000,
    peakRssBytes: peak,
    cpuSeconds: cpu,
  };
}

/** The import's pipeline without the store: file workers read, hash and encode; the pool predicts (no maps). */
async function readAndPredict(headers: string[], pool: InferencePool): Promise<number> {
  const readers = new FileReaders(1);
  try {
    const read = async (paths: string[]) =>
      Promise.all(paths.map((p) => readers.read(p, undefined))).then((rs) => rs.flatMap((r) => (r.ok ? [r.record] : [])));
    const chunks: string[][] = [];
    for (let i = 0; i < headers.length; i += CHUNK) chunks.push(headers.slice(i, i + CHUNK));
    // as the import: chunk k+1 is read while chunk k is in the model, and the pool always has the next chunk
    let reading = read(chunks[0] ?? []);
    let inModel: Promise<unknown> = Promise.resolve();
    let n = 0;
    for (let k = 1; k <= chunks.length; k++) {
      const records = await reading;
      const predicting = pool.predictBatch(records, { maps: false });
      n += records.length;
      reading = read(chunks[k] ?? []);
      await inModel;
      inModel = predicting;
    }
    await inModel;
    return n;
  } finally {
    readers.close();
  }
}

async function timed(call: () => Promise<unknown>, repeat: number): Promise<number[]> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
  }
  return ms;
}

export default async function ptbxlFullBench(): Promise<BenchResult> {
  const root = process.env.ECG_AUDIT_PTBXL_FULL;
  const recordsDir = root ? join(root, 'records100') : '';
  if (!root || !existsSync(recordsDir)) {
    throw new BenchSkipped('set ECG_AUDIT_PTBXL_FULL to the folder holding the full PTB-XL records100/ (e.g. /tmp/ptbxl/data/ptb-xl)');
  }
  const modelDir = join(defaultModelDir(), DEFAULT_MODEL_ID);
  if (!existsSync(join(modelDir, 'model.json'))) throw new BenchSkipped(`the bundled model is not installed at ${modelDir}`);
  const beside = join(root, 'ptbxl_database.csv');
  const ptbxlDatabase = existsSync(beside) ? undefined : join(sharedDataDir(), 'ptbxl-full', 'ptbxl_database.csv');
  const headers = headersUnder(recordsDir);
  const manifest = loadModelFolder(modelDir).manifest;
  const work = mkdtempSync(join(tmpdir(), 'ecg-ptbxl-full-bench-'));
  const dbPath = join(work, 'audit.sqlite');
  try {
    // baseline: the same records read and predicted without a store, after a warm-up (file cache, workers)
    const pool = await InferencePool.open(modelDir);
    let baselineRate: number;
    let baselineCpuPerRecord: number;
    try {
      await readAndPredict(headers.slice(0, 64), pool);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const predicted = await readAndPredict(headers, pool);
      const cpu = process.cpuUsage(cpu0);
      baselineRate = predicted / ((performance.now() - t0) / 1000);
      baselineCpuPerRecord = (cpu.user + cpu.system) / 1000 / predicted;
    } finally {
      await pool.close();
    }
    process.stderr.write(`ptbxl-full bench: read + predict, no store: ${baselineRate.toFixed(1)} records/s\n`);

    const references = ptbxlDatabase ? ['--ptbxl-database', ptbxlDatabase] : [];
    const cli = await cliImport([recordsDir, '--db', dbPath, '--study', 'PTB-XL', ...references]);
    const { summary, seconds } = cli;
    if (summary.failed.length) throw new Error(`import failed: ${JSON.stringify(summary.failed.slice(0, 3))}`);
    const rate = summary.imported / seconds;
    process.stderr.write(`ptbxl-full bench: import ${summary.imported} records in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s)\n`);
    const db = openStore(dbPath);
    let studyId: number;
    let withReference: number;
    let signalBytes: number;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      studyId = (db.prepare("SELECT id FROM studies WHERE name = 'PTB-XL'").get() as { id: number }).id;
      withReference = (db.prepare('SELECT COUNT(*) AS n FROM reference_diagnoses').get() as { n: number }).n;
      signalBytes = (db.prepare('SELECT SUM(length(data)) AS b FROM signals').get() as { b: number }).b / summary.imported;
    } finally {
      db.close();
    }
    const bytesPerRecord = statSync(dbPath).size / summary.imported;

    // the viewer's calls at that size, through the app's handlers (with its own inference pool, as the app)
    const ctx = createAppContext({ mode: 'browser', dbPath }, repoRoot);
    const handlers = createHandlers(ctx);
    const call = async <M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> => {
      const reply = await dispatch(handlers, method, request);
      if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
      return reply.value as ApiResponse<M>;
    };
    const raterId = 'bench-rater';
    const page =
      (filter?: ApiRequest<'records.worklist'>['filter'], offset = 0) =>
      () =>
        call('records.worklist', { studyId, raterId, filter, offset, limit: PAGE_ROWS });
    const ids = (await page()()).items.map((i) => i.recordId);
    const viewer = {
      worklist: await timed(page(), 20),
      lastPage: await timed(page(undefined, summary.imported - PAGE_ROWS), 10),
      // a search that matches nothing scans every record: the slowest kind
      searchNone: await timed(page({ search: 'no such text' }), 10),
      searchFile: await timed(page({ search: '21799_lr' }), 10),
      referenceMi: await timed(page({ referenceClass: 'MI' }), 10),
      disagrees: await timed(page({ disagreesWithReference: true }), 10),
      step: await timed(() => call('records.worklistStep', { studyId, raterId, recordId: ids[50]!, move: 'next' }), 20),
    };
    // opening a record: its signal, and its run with the maps recomputed from the signal and checked
    let k = 0;
    const open = await timed(async () => {
      const recordId = ids[k++ % ids.length]!;
      await call('records.get', { recordId });
      const { run } = await call('records.run', { recordId });
      if (run?.mapsCheck.status !== 'recomputed') throw new Error(`record ${recordId}: maps ${run?.mapsCheck.status}`);
    }, 30);
    await closeApp(ctx);

    const ms = (metric: string, values: number[]) => ({ metric, value: median(values), unit: 'ms', goal: '< 50 ms' });
    return {
      name: 'ptbxl-full',
      description: `The full PTB-XL 100 Hz through \`ecg-audit import\` (read + hash + encode in file workers, predict on the pool, store), model ${manifest.id}, then the viewer's calls at that size through the app's API`,
      figures: [
        withRatio({
          metric: `import throughput, full PTB-XL 100 Hz (${summary.imported} records, CLI start to exit)`,
          value: rate,
          unit: 'records/s',
          baseline: { name: 'read + hash + encode + predict, no store', value: baselineRate },
          goal: '>= 150 records/s',
        }),
        { metric: 'time to import the full PTB-XL 100 Hz', value: seconds, unit: 's' },
        ...(cli.cpuSeconds !== null
          ? [
              withRatio({
                metric: 'CPU time per record (all threads of the import process), independent of other load',
                value: (cli.cpuSeconds * 1000) / summary.imported,
                unit: 'ms',
                baseline: { name: 'read + hash + encode + predict, no store', value: baselineCpuPerRecord },
              }),
              {
                metric: 'what that CPU time allows on 2 idle cores (2 / CPU time per record)',
                value: (2 * summary.imported) / cli.cpuSeconds,
                unit: 'records/s',
                goal: '>= 150 records/s',
              },
            ]
          : []),
        { metric: 'database bytes per record (no maps: their sha256)', value: bytesPerRecord / 1000, unit: 'KB', goal: '<= 40 KB' },
        { metric: 'signal per record (int16 + deflate)', value: signalBytes / 1000, unit: 'KB' },
        ...(cli.peakRssBytes !== null
          ? [{ metric: 'peak memory (RSS) of the import process', value: cli.peakRssBytes / 2 ** 20, unit: 'MiB' }]
          : []),
        ms(`worklist page (${PAGE_ROWS} rows) at ${summary.imported} records, median`, viewer.worklist),
        { ...ms('worklist page, p95', viewer.worklist), value: percentile(viewer.worklist, 95) },
        ms('worklist last page, median', viewer.lastPage),
        ms('search matching no record (scans them all), median', viewer.searchNone),
        ms('search by file name (1 hit), median', viewer.searchFile),
        ms('filter: reference class MI, median', viewer.referenceMi),
        ms('filter: model disagrees with reference, median', viewer.disagrees),
        ms('next record in the worklist, median', viewer.step),
        withRatio({
          metric: 'open a record (signal + run, maps recomputed and checked), median',
          value: median(open),
          unit: 'ms',
          baseline: { name: 'worklist page', value: median(viewer.worklist) },
          goal: '< 150 ms',
        }),
      ],
      notes: [
        `${summary.imported} records imported of ${headers.length} headers, ${summary.duplicates} duplicates, ${withReference} with a reference diagnosis`,
        '2 shared cores: the main thread (store), the file worker and the ONNX workers compete for them',
        `records from ${recordsDir}; reference tables ${ptbxlDatabase ?? 'beside the records'}`,
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
