/**
 * A pool of inference worker threads, each with its own ONNX session, and two lanes:
 * - the priority lane (one record for the viewer, what-if re-runs) has a worker of its own that batch work
 *   never occupies, every batch worker takes priority work before its next batch chunk, and no new batch chunk
 *   starts while priority work is pending, so a viewer request neither waits behind a batch import nor
 *   shares the cores with all of it;
 * - the batch lane (folder import, the faithfulness report) sends records in chunks whose windows run as one
 *   batched ONNX run.
 * runWindows runs already preprocessed (or perturbed) windows in either lane and returns the raw outputs.
 * Running inference off the main thread also keeps the Electron main process responsive, since
 * onnxruntime-node runs a session synchronously on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ModelInput, preprocessRecord, type RecordSignal } from '../signal/preprocess.ts';
import { ModelError } from './errors.ts';
import type { Prediction } from './explain.ts';
import { preprocessSpec } from './manifest.ts';
import { loadModelFolder, type ModelFolder } from './modelFolder.ts';
import type { WindowRunner } from './runner.ts';
import type { ImnOutputs, SessionOptions } from './session.ts';
import type { Occlusion, WhatIfResult } from './whatIf.ts';
import { fromWire, signalOnly, type WireError, type WorkerReply, type WorkerRequest } from './wire.ts';

export interface PoolOptions extends Omit<SessionOptions, 'intraOpThreads'> {
  /** Workers for batch work; default from the measured layout, see defaultLayout(). */
  batchWorkers?: number;
  /** intra-op threads of each session. */
  threadsPerWorker?: number;
  /** Records per batch-lane job (their windows share batched runs). */
  chunkRecords?: number;
  /** The worker entry: workerBootstrap.mjs for source runs, the bundled worker for an electron-vite build. */
  workerFile?: URL;
  /** Niceness of the batch workers' threads; default BATCH_NICE (see there). */
  batchNice?: number;
}

/**
 * Batch workers run at a lower scheduling priority than the app's main thread and the priority worker, so a
 * report or an import that fills every core still leaves the thread answering the viewer's calls (opening a
 * record is database reads and decompression on that thread, not model work) the core it needs at once; when
 * nothing else wants the cores the batch work runs at full speed. Measured by bench/app-responsiveness.bench.ts.
 * Linux only: there a thread's niceness is its own, while on macOS and Windows setpriority changes the whole
 * process, so elsewhere the batch workers keep the app's priority.
 */
export const BATCH_NICE = process.platform === 'linux' ? 5 : 0;

/**
 * Measured by bench/inference.bench.ts (figures in bench/results/inference.json): one single-threaded session
 * per core beat one session using every core intra-op for batch work on this model, so the default is one
 * batch worker per core with one intra-op thread each, plus the priority worker (also one thread: a single
 * record is too small for intra-op parallelism to pay).
 */
export function defaultLayout(cores = availableParallelism()): { batchWorkers: number; threadsPerWorker: number } {
  return { batchWorkers: Math.max(1, cores), threadsPerWorker: 1 };
}

export type BatchOutcome = { ok: true; prediction: Prediction } | { ok: false; error: Error };

export interface PredictOptions {
  /** false: predictions come without attribution maps (regions and the maps' digest are still computed). */
  maps?: boolean;
  onProgress?: (done: number, total: number) => void;
}

type Job = { priority: boolean } & (
  | { kind: 'predict'; records: RecordSignal[]; maps: boolean; resolve: (o: BatchOutcome[]) => void; reject: (e: Error) => void }
  | { kind: 'whatIf'; prediction: Prediction; occlusions: Occlusion[]; resolve: (r: WhatIfResult) => void; reject: (e: Error) => void }
  | { kind: 'run'; inputs: ModelInput[]; resolve: (o: ImnOutputs[]) => void; reject: (e: Error) => void }
  | { kind: 'logits'; windows: Float32Array; batch: number; resolve: (o: Float32Array) => void; reject: (e: Error) => void }
);

interface Slot {
  worker: Worker;
  priorityOnly: boolean;
  /** False until its session is open; only ready slots get work. */
  ready: boolean;
  busy?: { id: number; job: Job };
  executionProvider: string;
}

export class InferencePool implements WindowRunner {
  private readonly slots: Slot[] = [];
  private readonly priorityQueue: Job[] = [];
  private readonly batchQueue: Job[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    /** Loaded (and verified) here too, for preprocessing on the caller's side and for callers' checks. */
    readonly model: ModelFolder,
    private readonly modelDir: string,
    private readonly options: Required<Pick<PoolOptions, 'batchWorkers' | 'threadsPerWorker' | 'chunkRecords' | 'batchNice'>> & PoolOptions,
  ) {}

  static async open(modelDir: string, options: PoolOptions = {}): Promise<InferencePool> {
    const layout = defaultLayout();
    const pool = new InferencePool(loadModelFolder(modelDir), modelDir, {
      ...options,
      batchWorkers: options.batchWorkers ?? layout.batchWorkers,
      threadsPerWorker: options.threadsPerWorker ?? layout.threadsPerWorker,
      chunkRecords: options.chunkRecords ?? 4,
      batchNice: options.batchNice ?? BATCH_NICE,
    });
    try {
      const starts = [pool.startWorker(true)];
      for (let i = 0; i < pool.options.batchWorkers; i++) starts.push(pool.startWorker(false));
      await Promise.all(starts);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** The provider each worker's session runs on (priority worker first). */
  get executionProviders(): string[] {
    return this.slots.filter((s) => s.ready).map((s) => s.executionProvider);
  }

  /** Batch-lane runWindows calls that can run at once: one per batch worker. */
  get parallelism(): number {
    return this.options.batchWorkers;
  }

  /** The model's preprocessing, on the calling thread (cheap next to a run). */
  preprocess(record: RecordSignal): ModelInput {
    return preprocessRecord(record, preprocessSpec(this.model.manifest));
  }

  /**
   * Runs already preprocessed inputs in one worker exactly as InferenceEngine.runWindows does (same batches),
   * in the batch lane unless `priority`. The inputs are copied to the worker, never moved.
   */
  runWindows(inputs: readonly ModelInput[], { priority = false } = {}): Promise<ImnOutputs[]> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    return new Promise((resolve, reject) => {
      (priority ? this.priorityQueue : this.batchQueue).push({ priority, kind: 'run', inputs: [...inputs], resolve, reject });
      this.dispatch();
    });
  }

  /** The logits of `batch` windows in one run of one worker, in the batch lane; the windows are copied, never moved. */
  runLogits(windows: Float32Array, batch: number): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    return new Promise((resolve, reject) => {
      this.batchQueue.push({ priority: false, kind: 'logits', windows, batch, resolve, reject });
      this.dispatch();
    });
  }

  /** One record; `priority` puts it in the viewer's lane. Rejects with the record's typed error. */
  async predict(record: RecordSignal, { priority = false } = {}): Promise<Prediction> {
    const [outcome] = await this.enqueue(priority, [record], true);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.prediction;
  }

  /** Many records through the batch lane; per-record failures come back in place, in input order. */
  async predictBatch(records: readonly RecordSignal[], { maps = true, onProgress }: PredictOptions = {}): Promise<BatchOutcome[]> {
    const chunks: RecordSignal[][] = [];
    for (let i = 0; i < records.length; i += this.options.chunkRecords) chunks.push(records.slice(i, i + this.options.chunkRecords));
    let done = 0;
    // settle every chunk so a pool closed mid-batch leaves no unhandled rejection behind
    const settled = await Promise.allSettled(
      chunks.map(async (chunk) => {
        const outcomes = await this.enqueue(false, chunk, maps);
        done += chunk.length;
        onProgress?.(done, records.length);
        return outcomes;
      }),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  }

  /** A what-if re-run, in the priority lane (it answers a click in the viewer). */
  whatIf(prediction: Prediction, occlusions: Occlusion[]): Promise<WhatIfResult> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    // the worker needs the input, not the attribution maps
    const slim: Prediction = { ...prediction, attribution: [], regions: [] };
    return new Promise((resolve, reject) => {
      this.priorityQueue.push({ priority: true, kind: 'whatIf', prediction: slim, occlusions, resolve, reject });
      this.dispatch();
    });
  }

  private enqueue(priority: boolean, records: RecordSignal[], maps: boolean): Promise<BatchOutcome[]> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    return new Promise((resolve, reject) => {
      (priority ? this.priorityQueue : this.batchQueue).push({
        priority,
        kind: 'predict',
        records: records.map(signalOnly),
        maps,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  /**
   * Hands queued jobs to idle workers. While priority work is queued or running, no new batch chunk starts,
   * so the priority worker does not share the cores with a full set of batch workers (chunks already running
   * finish; chunks are small).
   */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.busy) continue;
      const priorityActive = this.priorityQueue.length > 0 || this.slots.some((s) => s.busy?.job.priority);
      const job = this.priorityQueue.shift() ?? (slot.priorityOnly || priorityActive ? undefined : this.batchQueue.shift());
      if (!job) continue;
      const id = this.nextId++;
      slot.busy = { id, job };
      const req: WorkerRequest =
        job.kind === 'predict'
          ? { type: 'predict', id, records: job.records, maps: job.maps }
          : job.kind === 'run'
            ? { type: 'run', id, inputs: job.inputs }
            : job.kind === 'logits'
              ? { type: 'logits', id, windows: job.windows, batch: job.batch }
              : { type: 'whatIf', id, prediction: job.prediction, occlusions: job.occlusions };
      // a busy worker keeps the process alive; an idle one does not, so a long-lived pool never holds a process open
      slot.worker.ref();
      slot.worker.postMessage(req);
    }
  }

  private startWorker(priorityOnly: boolean): Promise<void> {
    const file = this.options.workerFile ?? new URL('./workerBootstrap.mjs', import.meta.url);
    const worker = new Worker(file);
    const slot: Slot = { worker, priorityOnly, ready: false, executionProvider: 'starting' };
    // listed at once so close() terminates workers that are still starting
    this.slots.push(slot);
    const sessionOptions: SessionOptions = { providers: this.options.providers, intraOpThreads: this.options.threadsPerWorker };
    return new Promise((resolve, reject) => {
      const onStartup = (msg: WorkerReply): void => {
        if (msg.type === 'ready') {
          slot.executionProvider = msg.executionProvider;
          slot.ready = true;
          worker.off('message', onStartup);
          worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
          // after the listeners: adding a 'message' listener refs the worker again
          worker.unref();
          this.dispatch();
          resolve();
        } else if (msg.type === 'openFailed') {
          this.slots.splice(this.slots.indexOf(slot), 1);
          void worker.terminate();
          reject(fromWire(msg.error));
        }
      };
      worker.on('message', onStartup);
      worker.on('error', (err) => {
        reject(new ModelError(this.modelDir, 'run-failed', `inference worker failed: ${err.message}`));
        this.onWorkerLost(slot, err);
      });
      worker.on('exit', (code) => {
        if (!this.closed) this.onWorkerLost(slot, new Error(`inference worker exited with code ${code}`));
      });
      const nice = priorityOnly ? 0 : this.options.batchNice;
      worker.postMessage({ type: 'open', modelDir: this.modelDir, options: sessionOptions, nice } satisfies WorkerRequest);
    });
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const busy = slot.busy;
    if (!busy || !('id' in msg) || msg.id !== busy.id) return;
    slot.busy = undefined;
    slot.worker.unref();
    const job = busy.job;
    if (msg.type === 'failed') job.reject(fromWire(msg.error));
    else if (msg.type === 'predicted' && job.kind === 'predict') {
      job.resolve(msg.outcomes.map((o) => (o.ok ? o : { ok: false, error: fromWire(o.error as WireError) })));
    } else if (msg.type === 'whatIfDone' && job.kind === 'whatIf') job.resolve(msg.result);
    else if (msg.type === 'ran' && job.kind === 'run') job.resolve(msg.outputs);
    else if (msg.type === 'logitsDone' && job.kind === 'logits') job.resolve(msg.logits);
    this.dispatch();
  }

  /** A crashed worker fails its job and is replaced, so one bad record cannot stall the queue. */
  private onWorkerLost(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    slot.busy?.job.reject(new ModelError(this.modelDir, 'run-failed', `inference worker lost: ${err.message}`));
    slot.busy = undefined;
    // a worker that never became ready is not restarted: its startup error already reached open()
    if (!this.closed && slot.ready) this.startWorker(slot.priorityOnly).catch(() => this.failQueued(err));
  }

  private failQueued(err: Error): void {
    if (this.slots.some((s) => s.ready)) return;
    for (const job of [...this.priorityQueue.splice(0), ...this.batchQueue.splice(0)]) {
      job.reject(new ModelError(this.modelDir, 'run-failed', `no inference worker left: ${err.message}`));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.priorityQueue.splice(0), ...this.batchQueue.splice(0)];
    for (const job of pending) job.reject(new Error('inference pool closed'));
    for (const slot of this.slots) slot.busy?.job.reject(new Error('inference pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => stopWorker(s.worker)));
  }
}

/** How long a worker may take to finish its current run and release its session before it is terminated. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * Ends a worker by asking it to release its ONNX session and return. Terminating a thread while onnxruntime is
 * inside native code aborts the whole process (a C++ exception escapes during teardown), so terminate() is only
 * the fallback for a worker that does not answer.
 */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), STOP_TIMEOUT_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'close' } satisfies WorkerRequest);
  });
}
