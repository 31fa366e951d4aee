/**
 * Inference engine speed on the 500 PTB-XL records (500 Hz sources, so resampling is included) against the
 * Python reference pipeline (training/preprocess.py + onnxruntime, bench/python/ort_baseline.py) in the same run,
 * the worker-pool layouts, the priority lane under load, and the cost of a black-box explanation (captum IG and
 * occlusion on the ResNet baseline) against the IMN's exact explanation that comes with its forward pass.
 */
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readEcgFile } from '../src/core/formats/index.ts';
import type { EcgRecord } from '../src/core/formats/record.ts';
import { InferenceEngine } from '../src/core/inference/engine.ts';
import { DEFAULT_MODEL_ID, defaultModelDir } from '../src/core/inference/modelFolder.ts';
import { defaultLayout, InferencePool } from '../src/core/inference/pool.ts';
import { type BenchFigure, type BenchResult, repoRoot, withRatio, median, percentile } from './harness.ts';

const EXPLAIN_SUBSET = 5;
const SLICE = 50;

interface TorchFigures {
  torchImnRunOnlyMs?: number;
  torchImnBatchWindowsPerS?: number;
  torchMissing?: string;
  explainSubset?: number;
  blackBoxForwardMs?: number;
  igOneClassMs?: number;
  occlusionOneClassMs?: number;
  classes?: number;
}

async function poolThroughput(modelDir: string, records: EcgRecord[], batchWorkers: number, threadsPerWorker: number): Promise<number> {
  const pool = await InferencePool.open(modelDir, { providers: ['cpu'], batchWorkers, threadsPerWorker });
  try {
    await pool.predictBatch(records.slice(0, 16));
    const t0 = performance.now();
    const outcomes = await pool.predictBatch(records);
    const s = (performance.now() - t0) / 1000;
    if (!outcomes.every((o) => o.ok)) throw new Error('a record failed in the pool');
    return records.length / s;
  } finally {
    await pool.close();
  }
}

function pythonArgs(part: 'ort' | 'torch', modelDir: string, threads: number, headers: string[]): string[] {
  return [
    join(repoRoot, 'bench', 'python', 'ort_baseline.py'),
    '--part',
    part,
    '--model-dir',
    modelDir,
    '--threads',
    String(threads),
    '--explain-subset',
    String(EXPLAIN_SUBSET),
    ...headers,
  ];
}

async function pythonTorch(modelDir: string, threads: number, headers: string[]): Promise<TorchFigures> {
  const { stdout } = await promisify(execFile)('python3', pythonArgs('torch', modelDir, threads, headers), {
    maxBuffer: 16 * 2 ** 20,
    cwd: repoRoot,
  });
  return JSON.parse(stdout) as TorchFigures;
}

/** The Python reference pipeline as a long-lived process answering one JSON command per line (serve_ort). */
class PythonOrt {
  private readonly waiting: ((line: string) => void)[] = [];

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  static async start(modelDir: string, threads: number, headers: string[]): Promise<{ server: PythonOrt; version: string }> {
    const child = spawn('python3', pythonArgs('ort', modelDir, threads, headers), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
    const server = new PythonOrt(child);
    const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`ort_baseline.py exited with ${code}`))));
    const ready = (await Promise.race([server.next(), exited])) as { ortVersion: string };
    return { server, version: ready.ortVersion };
  }

  private next(): Promise<unknown> {
    return new Promise((resolve) => this.waiting.push((line) => resolve(JSON.parse(line))));
  }

  ask<T>(cmd: Record<string, unknown>): Promise<T> {
    const reply = this.next() as Promise<T>;
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    return reply;
  }

  close(): void {
    this.child.stdin.end();
  }
}

export default async function inferenceBench(): Promise<BenchResult> {
  const cores = availableParallelism();
  const realModel = join(defaultModelDir(), DEFAULT_MODEL_ID);
  const modelDir = existsSync(join(realModel, 'model.json')) ? realModel : join(repoRoot, 'tests', 'fixtures', 'models', 'tiny-imn');
  const ptbxl = join(repoRoot, '..', 'shared', 'data', 'ptbxl', 'records500', '00000');
  const headers = readdirSync(ptbxl)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(ptbxl, f));
  const records = await Promise.all(headers.map((h) => readEcgFile(h)));

  // Single record: preprocess + run + completeness + attribution views + regions, in process, all cores,
  // against the Python reference pipeline. The two sides alternate in slices of SLICE records (and the
  // throughput runs alternate too), so load from other processes on a shared machine biases neither side.
  const engine = await InferenceEngine.open(modelDir, { providers: ['cpu'], intraOpThreads: cores });
  const modelId = engine.model.manifest.id;
  const { server: py, version: pyVersion } = await PythonOrt.start(modelDir, cores, headers);
  for (const r of records.slice(0, 5)) await engine.predict(r);
  const oneInput = engine.preprocess(records[0]!);
  const oneWindow = { ...oneInput, windowStarts: [0], windows: oneInput.windows.subarray(0, 12 * oneInput.inputLength) };
  const nodeSingle: number[] = [];
  const pySingle: number[] = [];
  const nodeRun: number[] = [];
  const pyRun: number[] = [];
  let worstCompleteness = 0;
  for (let from = 0; from < records.length; from += SLICE) {
    for (const r of records.slice(from, from + SLICE)) {
      const t1 = performance.now();
      const p = await engine.predict(r);
      nodeSingle.push(performance.now() - t1);
      worstCompleteness = Math.max(worstCompleteness, p.completenessMaxAbsError);
    }
    pySingle.push(...(await py.ask<{ times: number[] }>({ cmd: 'single', from, to: from + SLICE })).times);
    for (let i = 0; i < 20; i++) {
      const t1 = performance.now();
      await engine.runWindows([oneWindow]);
      nodeRun.push(performance.now() - t1);
    }
    pyRun.push(...(await py.ask<{ times: number[] }>({ cmd: 'runOnly', n: 20 })).times);
  }
  const nodePoolRuns: number[] = [];
  const pyBatchRuns: number[] = [];
  const layout = defaultLayout(cores);
  for (let pass = 0; pass < 3; pass++) {
    nodePoolRuns.push(await poolThroughput(modelDir, records, layout.batchWorkers, layout.threadsPerWorker));
    pyBatchRuns.push((await py.ask<{ recordsPerS: number }>({ cmd: 'batch' })).recordsPerS);
  }
  py.close();
  const nodeMs = median(nodeSingle);
  const nodePool = median(nodePoolRuns);

  // one in-process session with every core intra-op, windows batched 64 per run
  const t0 = performance.now();
  const inputs = records.map((r) => engine.preprocess(r));
  for (let i = 0; i < inputs.length; i += 64) await engine.predictInputs(inputs.slice(i, i + 64));
  const inProcess = records.length / ((performance.now() - t0) / 1000);
  await engine.close();

  // pool layouts: one session using every core vs one single-threaded session per core
  const oneBig = await poolThroughput(modelDir, records, 1, cores);
  const perCore = await poolThroughput(modelDir, records, cores, 1);

  // the priority lane while a batch import of all records runs (default layout)
  const pool = await InferencePool.open(modelDir, { providers: ['cpu'] });
  await pool.predict(records[0]!, { priority: true });
  const batch = pool.predictBatch(records);
  const underLoad: number[] = [];
  for (const r of records.slice(0, 20)) {
    const t1 = performance.now();
    await pool.predict(r, { priority: true });
    underLoad.push(performance.now() - t1);
  }
  await batch;
  await pool.close();

  const torch = await pythonTorch(modelDir, cores, headers);
  const bestPool = Math.max(oneBig, perCore);
  const figures: BenchFigure[] = [
    withRatio({
      metric: 'single record predict + exact explanation (median)',
      value: nodeMs,
      unit: 'ms',
      baseline: { name: 'Python preprocess.py + onnxruntime + completeness', value: median(pySingle) },
      goal: '< 50 ms; ratio <= 1.2',
    }),
    { metric: 'single record predict + explanation (p95)', value: percentile(nodeSingle, 95), unit: 'ms' },
    withRatio({
      metric: 'onnxruntime run, one window (median)',
      value: median(nodeRun),
      unit: 'ms',
      baseline: { name: 'Python onnxruntime session.run', value: median(pyRun) },
      goal: 'ratio <= 1.2',
    }),
    withRatio({
      metric: 'batch throughput, all cores, default pool layout',
      value: nodePool,
      unit: 'records/s',
      baseline: { name: 'Python pipeline, batches of 64 windows', value: median(pyBatchRuns) },
      goal: 'ratio >= 0.83 (within 1.2x)',
    }),
    withRatio({
      metric: `pool: ${cores} workers x 1 thread (default)`,
      value: perCore,
      unit: 'records/s',
      baseline: { name: `one in-process session, ${cores} intra-op threads`, value: inProcess },
    }),
    withRatio({
      metric: `pool: 1 worker x ${cores} threads`,
      value: oneBig,
      unit: 'records/s',
      baseline: { name: `one in-process session, ${cores} intra-op threads`, value: inProcess },
    }),
    withRatio({
      metric: 'priority request during a 500-record batch import (median)',
      value: median(underLoad),
      unit: 'ms',
      baseline: { name: 'same request, idle in-process engine', value: nodeMs },
    }),
  ];
  if (torch.torchImnRunOnlyMs !== undefined) {
    figures.push(
      withRatio({
        metric: 'onnxruntime-node run, one window, vs PyTorch IMN forward',
        value: median(nodeRun),
        unit: 'ms',
        baseline: { name: 'PyTorch IMN forward (same architecture)', value: torch.torchImnRunOnlyMs },
      }),
    );
  }
  if (torch.igOneClassMs !== undefined && torch.occlusionOneClassMs !== undefined) {
    figures.push(
      withRatio({
        metric: 'black-box Integrated Gradients (50 steps, captum), one class',
        value: torch.igOneClassMs,
        unit: 'ms',
        baseline: { name: `IMN predict + exact explanation, all ${torch.classes} classes`, value: nodeMs },
      }),
      withRatio({
        metric: 'black-box occlusion (12 leads x 200 ms patches, captum), one class',
        value: torch.occlusionOneClassMs,
        unit: 'ms',
        baseline: { name: `IMN predict + exact explanation, all ${torch.classes} classes`, value: nodeMs },
      }),
    );
  }
  return {
    name: 'inference',
    description: `ECG-IMN inference (${modelId}) on ${records.length} PTB-XL records at 500 Hz, CPU, ${cores} cores`,
    figures,
    notes: [
      `model: ${modelId}${modelId === 'tiny-imn' ? ' (the untrained test fixture: the trained model was not installed when this ran)' : ''}`,
      `worst completeness |sum(W*x)+b-logit| over the records: ${worstCompleteness.toExponential(2)}`,
      `against Python, the sides alternate in slices of ${SLICE} records (latency: medians over all ${records.length}) and 3 throughput runs each (medians), so load from other jobs on this shared machine biases neither`,
      `best pool layout this run: ${bestPool === perCore ? `${cores} workers x 1 thread` : `1 worker x ${cores} threads`}; defaultLayout() follows the measured winner`,
      'Node figures include preprocessing, stitched attribution maps and evidence regions; the Python pipeline computes only the completeness check',
      `black-box explanations: training/baseline.py ResNet1dWang (random weights; the cost does not depend on them), first ${torch.explainSubset ?? 0} records; the IMN explains all classes in one pass, IG and occlusion cost this much per class`,
      torch.torchMissing
        ? `PyTorch not measured: ${torch.torchMissing}`
        : "PyTorch IMN: the manifest's architecture with random weights, CPU",
      `onnxruntime-node ${(await import('onnxruntime-node')).env.versions.node ?? ''} vs Python onnxruntime ${pyVersion}`,
    ],
  };
}
