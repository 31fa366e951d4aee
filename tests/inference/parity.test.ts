import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { caseRecord, fixtureIndex, maxAbsDiff, readArray, tinyModelDir } from '../signal/preprocessingFixtures.ts';

const cases = fixtureIndex().cases.filter((c) => c.tinyImn);
let engine: InferenceEngine;

beforeAll(async () => {
  engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
});
afterAll(async () => engine.close());

describe('tiny ECG-IMN in onnxruntime-node vs Python onnxruntime and PyTorch', () => {
  for (const c of cases) {
    it(c.id, async () => {
      const input = engine.preprocess(caseRecord(c));
      const [raw] = await engine.runWindows([input]);
      const [prediction] = await engine.predictInputs([input]);
      for (const ref of [c.tinyImn!.onnxruntime, c.tinyImn!.torch]) {
        expect(maxAbsDiff(raw!.logits, ref.logits.flat())).toBeLessThanOrEqual(1e-4);
        expect(maxAbsDiff(raw!.bias, ref.bias.flat())).toBeLessThanOrEqual(1e-4);
        if (ref.W) expect(maxAbsDiff(raw!.W, readArray(ref.W))).toBeLessThanOrEqual(1e-4);
        expect(
          maxAbsDiff(
            prediction!.classes.map((k) => k.probability),
            ref.probabilityMax,
          ),
        ).toBeLessThanOrEqual(1e-4);
      }
      expect(prediction!.completenessMaxAbsError).toBeLessThanOrEqual(1e-3);
      expect(prediction!.warnings).toEqual([]);
    });
  }
});

describe('explanation views', () => {
  it('lead contributions plus bias give the logit of the decisive window', async () => {
    const c = cases.find((k) => (k.windowStarts?.length ?? 0) > 2)!;
    const p = await engine.predict(caseRecord(c));
    expect(p.windowStarts.length).toBeGreaterThan(2);
    for (const k of p.classes) {
      const sum = Object.values(k.leadContributions).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum + k.bias - k.logit)).toBeLessThanOrEqual(1e-3);
      expect(Object.keys(k.leadContributions)).toEqual(p.leads);
    }
  });

  it('stitches W*x onto the record time axis (one window: exactly that window)', async () => {
    const c = cases.find((k) => k.windowStarts?.length === 1 && k.tinyImn!.onnxruntime.W)!;
    const p = await engine.predict(caseRecord(c));
    const W = readArray(c.tinyImn!.onnxruntime.W!);
    const x = p.windows;
    const n = 12 * 1000;
    for (let k = 0; k < p.classes.length; k++) {
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(p.attribution[k]![i]! - W[k * n + i]! * x[i]!));
      expect(worst).toBeLessThanOrEqual(1e-5);
    }
  });

  it("shows the decisive window's W*x at its span, nothing from the other window", async () => {
    const c = cases.find((k) => k.windowStarts?.join() === '0,200')!;
    const input = engine.preprocess(caseRecord(c));
    const [raw] = await engine.runWindows([input]);
    const [p] = await engine.predictInputs([input]);
    const K = 5;
    const L = 1000;
    const at = (w: number, k: number, l: number, t: number): number =>
      raw!.W[((w * K + k) * 12 + l) * L + t]! * input.windows[(w * 12 + l) * L + t]!;
    const a = p!.attribution[2]!;
    const N = p!.samples;
    const w = p!.classes[2]!.window;
    const start = input.windowStarts[w]!;
    // t = 100 is in window 0 only, t = 600 in both, t = 1100 in window 1 only
    for (const t of [100, 600, 1100]) {
      const inside = t >= start && t < start + L;
      expect(a[3 * N + t]).toBeCloseTo(inside ? at(w, 2, 3, t - start) : 0, 6);
    }
  });
});
