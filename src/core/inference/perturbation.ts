/**
 * Model runs over many perturbed copies of one window (deletion/insertion curves): logits only, identical
 * copies run once, the rest in runs of a few windows, spread over the runner's workers.
 *
 * Why small runs and not one big one: on this model the cost per window is flat from 1 to 64 windows per run
 * and grows at the larger sizes (cache; bench/report.bench.ts), so batching saves no compute. What it buys is
 * fewer messages to the workers; small runs keep both workers busy on one record and let a viewer request
 * (priority lane) in between runs. onnxruntime gives each window the same logits whatever the batch it runs
 * in (tests/inference/perturbation.test.ts checks it against one run per window), so the plan changes the
 * speed, never the numbers.
 */
import type { WindowRunner } from './runner.ts';

export interface PerturbationPlan {
  /** Windows per ONNX run. */
  windowsPerRun: number;
  /** Run bit-identical windows once (the curves' shared start and end points, and any other coincidence). */
  reuseIdentical: boolean;
}

export const BATCHED_PLAN: PerturbationPlan = { windowsPerRun: 8, reuseIdentical: true };
/** The reference the batched plan must equal: every window in a run of its own. */
export const ONE_RUN_PER_WINDOW: PerturbationPlan = { windowsPerRun: 1, reuseIdentical: false };

export interface PerturbedLogits {
  /** [n, K], in the order of the windows given. */
  logits: Float32Array;
  /** Windows the model actually ran (after reuse) and in how many runs. */
  windowsRun: number;
  runs: number;
}

/** Thrown when the signal aborts between runs. */
export class RunCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'RunCancelled';
  }
}

/** For each window, the index of the first bit-identical window (itself when it is the first). */
export function firstIdentical(windows: Float32Array, per: number): Uint32Array {
  const n = windows.length / per;
  const bits = new Uint32Array(windows.buffer, windows.byteOffset, windows.length);
  const first = new Uint32Array(n);
  const byHash = new Map<number, number[]>();
  for (let w = 0; w < n; w++) {
    const view = bits.subarray(w * per, (w + 1) * per);
    let h = 0x811c9dc5;
    for (let i = 0; i < per; i++) h = Math.imul(h ^ view[i]!, 0x01000193);
    const candidates = byHash.get(h) ?? [];
    const same = candidates.find((c) => {
      const other = bits.subarray(c * per, (c + 1) * per);
      for (let i = 0; i < per; i++) if (other[i] !== view[i]) return false;
      return true;
    });
    first[w] = same ?? w;
    if (same === undefined) byHash.set(h, [...candidates, w]);
  }
  return first;
}

/**
 * Logits of every window in `windows` (laid out [n, C, L] in the runner's model's shape). Up to
 * `runner.parallelism` runs are in flight at a time; `signal` stops it between runs.
 */
export async function perturbedLogits(
  runner: WindowRunner,
  windows: Float32Array,
  plan: PerturbationPlan = BATCHED_PLAN,
  signal?: AbortSignal,
): Promise<PerturbedLogits> {
  const m = runner.model.manifest;
  const per = m.leadOrder.length * m.inputLength;
  const K = m.classes.length;
  const n = windows.length / per;
  if (!Number.isInteger(n)) throw new RangeError(`perturbedLogits: ${windows.length} values is not whole windows of ${per}`);
  const first = plan.reuseIdentical ? firstIdentical(windows, per) : Uint32Array.from({ length: n }, (_, i) => i);
  const unique = [...first.keys()].filter((w) => first[w] === w);

  const chunks: number[][] = [];
  for (let i = 0; i < unique.length; i += plan.windowsPerRun) chunks.push(unique.slice(i, i + plan.windowsPerRun));
  const logits = new Float32Array(n * K);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < chunks.length) {
      if (signal?.aborted) throw new RunCancelled();
      const chunk = chunks[next++]!;
      const batch = new Float32Array(chunk.length * per);
      chunk.forEach((w, b) => batch.set(windows.subarray(w * per, (w + 1) * per), b * per));
      const out = await runner.runLogits(batch, chunk.length);
      chunk.forEach((w, b) => logits.set(out.subarray(b * K, (b + 1) * K), w * K));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(runner.parallelism, chunks.length)) }, lane));
  if (signal?.aborted) throw new RunCancelled();
  for (let w = 0; w < n; w++) if (first[w] !== w) logits.copyWithin(w * K, first[w]! * K, (first[w]! + 1) * K);
  return { logits, windowsRun: unique.length, runs: chunks.length };
}
