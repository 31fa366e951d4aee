/**
 * The batched perturbation runner gives exactly the logits of one model run per window, on tiny-imn and on the
 * hand-built linear model, in process and on the worker pool; identical windows run once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perturbedInputs, randomOrder, salienceOrder } from '../../src/core/audit/faithfulness.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { sigmoid } from '../../src/core/inference/explain.ts';
import { BATCHED_PLAN, firstIdentical, ONE_RUN_PER_WINDOW, perturbedLogits, RunCancelled } from '../../src/core/inference/perturbation.ts';
import { InferencePool } from '../../src/core/inference/pool.ts';
import { seededRandom } from '../../src/shared/seededRandom.ts';
import { LINEAR_CLASSES, LINEAR_LEADS, LINEAR_LENGTH, linearBias, linearW, writeLinearModel } from '../helpers/linearModel.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const PER = LINEAR_LEADS * LINEAR_LENGTH;
const STEPS = 10;

/** A z-scored-like window with one flat lead (exact zeros), so late deletion steps coincide with the baseline. */
function window(seed: number): Float32Array {
  const random = seededRandom(seed);
  const x = Float32Array.from({ length: PER }, () => random() * 4 - 2);
  x.fill(0, 3 * LINEAR_LENGTH, 4 * LINEAR_LENGTH);
  return x;
}

/** Deletion and insertion inputs of the salience and a random order, as the report builds them. */
async function curveInputs(engine: InferenceEngine, x: Float32Array, cls: number): Promise<Float32Array> {
  const K = engine.model.manifest.classes.length;
  const [out] = await engine.runWindows([
    {
      leads: engine.model.manifest.leadOrder,
      samplingRateHz: 100,
      samples: LINEAR_LENGTH,
      inputLength: LINEAR_LENGTH,
      windowStarts: [0],
      windows: x,
    },
  ]);
  const a = Float32Array.from({ length: PER }, (_, i) => out!.W[cls * PER + i]! * x[i]!);
  expect(out!.logits).toHaveLength(K);
  const orders = [salienceOrder(a), randomOrder(PER, 5)];
  const n = 2 * (STEPS + 1) * PER;
  const all = new Float32Array(orders.length * n);
  orders.forEach((o, i) => all.set(perturbedInputs(x, o, STEPS), i * n));
  return all;
}

/** The reference: every window in its own full run (logits, W and bias), as a one-run-per-step loop would do. */
async function oneFullRunEach(engine: InferenceEngine, windows: Float32Array): Promise<Float32Array> {
  const K = engine.model.manifest.classes.length;
  const n = windows.length / PER;
  const logits = new Float32Array(n * K);
  for (let w = 0; w < n; w++) {
    const [out] = await engine.runWindows([
      {
        leads: engine.model.manifest.leadOrder,
        samplingRateHz: 100,
        samples: LINEAR_LENGTH,
        inputLength: LINEAR_LENGTH,
        windowStarts: [0],
        windows: windows.slice(w * PER, (w + 1) * PER),
      },
    ]);
    logits.set(out!.logits, w * K);
  }
  return logits;
}

describe('identical windows', () => {
  it('maps each window to the first bit-identical one; -0 and 0 differ', () => {
    const w = Float32Array.of(1, 2, 0, 0, 1, 2, 3, 4, 0, 0, -0, 0);
    expect([...firstIdentical(w, 2)]).toEqual([0, 1, 0, 3, 1, 5]);
  });
});

describe.each([
  ['tiny-imn', () => tinyModelDir, 2],
  ['the linear model', writeLinearModel, 1],
])('batched perturbation runs on %s', (_name, dir, cls) => {
  let modelDir: string;
  let engine: InferenceEngine;
  let pool: InferencePool;
  let windows: Float32Array;
  let reference: Float32Array;

  beforeAll(async () => {
    modelDir = dir();
    engine = await InferenceEngine.open(modelDir, { providers: ['cpu'] });
    pool = await InferencePool.open(modelDir, { providers: ['cpu'], batchWorkers: 2, threadsPerWorker: 1 });
    windows = await curveInputs(engine, window(42), cls);
    reference = await oneFullRunEach(engine, windows);
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await pool?.close();
  });

  it('equal one run per window exactly, in process and on the pool', async () => {
    const n = windows.length / PER;
    const single = await perturbedLogits(engine, windows, ONE_RUN_PER_WINDOW);
    expect(single.runs).toBe(n);
    expect(single.logits).toEqual(reference);
    const batched = await perturbedLogits(engine, windows, BATCHED_PLAN);
    expect(batched.logits).toEqual(reference);
    const pooled = await perturbedLogits(pool, windows, BATCHED_PLAN);
    expect(pooled.logits).toEqual(reference);
    // start and end points are shared by deletion and insertion and by both orders (x 4 times, the baseline
    // 4 times), and with a flat lead the last salience deletion steps are the baseline too
    expect(batched.windowsRun).toBeLessThanOrEqual(n - 6);
    expect(batched.runs).toBe(Math.ceil(batched.windowsRun / BATCHED_PLAN.windowsPerRun));
  });

  it('stops between runs when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(perturbedLogits(pool, windows, BATCHED_PLAN, controller.signal)).rejects.toBeInstanceOf(RunCancelled);
  });
});

describe('closed form', () => {
  it('the linear model’s batched curves are sigmoid(sum of the kept W*x + b)', async () => {
    const engine = await InferenceEngine.open(writeLinearModel(), { providers: ['cpu'] });
    try {
      const x = window(7);
      const cls = 1;
      const K = LINEAR_CLASSES.length;
      const a = Float32Array.from({ length: PER }, (_, i) => linearW(cls, Math.floor(i / LINEAR_LENGTH), i % LINEAR_LENGTH) * x[i]!);
      const order = salienceOrder(a);
      const { logits } = await perturbedLogits(engine, perturbedInputs(x, order, STEPS));
      const total = a.reduce((s, v) => s + v, 0);
      for (let k = 0; k <= STEPS; k++) {
        const cut = Math.round((k * PER) / STEPS);
        let removed = 0;
        for (let j = 0; j < cut; j++) removed += a[order[j]!]!;
        expect(Math.abs(sigmoid(logits[k * K + cls]!) - sigmoid(total - removed + linearBias(cls)))).toBeLessThan(1e-5);
        expect(Math.abs(sigmoid(logits[(STEPS + 1 + k) * K + cls]!) - sigmoid(removed + linearBias(cls)))).toBeLessThan(1e-5);
      }
    } finally {
      await engine.close();
    }
  });
});
