import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  curvesFromProbabilities,
  perturbedInputs,
  PERTURBATION_BASELINE,
  randomOrder,
  salienceOrder,
  normalisedAuc,
  recordSeed,
  regionPerturbedInputs,
  relevanceOrder,
  topLeadMassShare,
  topSampleMassShare,
} from '../../src/core/audit/faithfulness.ts';
import { join } from 'node:path';
import { localiseLead, segmentsOfLead, waveAtRate } from '../../src/core/audit/localisation.ts';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { trapezoid } from '../../src/core/audit/stats.ts';
import { seededRandom } from '../../src/shared/seededRandom.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { sigmoid } from '../../src/core/inference/explain.ts';
import type { ModelInput } from '../../src/core/signal/preprocess.ts';
import { LINEAR_CLASSES, LINEAR_LEADS, LINEAR_LENGTH, linearBias, linearW, writeLinearModel } from '../helpers/linearModel.ts';

describe('orders and perturbations', () => {
  it('salience order sorts by |attribution|, ties by index', () => {
    expect([...salienceOrder(Float32Array.of(0.1, -3, 2, -0.1, 0))]).toEqual([1, 2, 0, 3, 4]);
  });

  it('random order is a seeded permutation', () => {
    const a = randomOrder(100, 5);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...randomOrder(100, 5)]).toEqual([...a]);
    expect([...randomOrder(100, 6)]).not.toEqual([...a]);
  });

  it('relevance order is by signed W*x, most relevant for the class first', () => {
    expect([...relevanceOrder(Float32Array.of(0.1, -3, 2, -0.1, 0))]).toEqual([2, 0, 4, 3, 1]);
  });

  it('region-granularity steps remove (or add back) one whole region each', () => {
    // 2 leads x 4 samples
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const out = regionPerturbedInputs(x, 4, [
      { lead: 1, start: 1, end: 3 },
      { lead: 0, start: 0, end: 1 },
    ]);
    const at = (k: number): number[] => [...out.subarray(k * 8, (k + 1) * 8)];
    expect(at(0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(at(1)).toEqual([1, 2, 3, 4, 5, 0, 0, 8]);
    expect(at(2)).toEqual([0, 2, 3, 4, 5, 0, 0, 8]);
    expect(at(3)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(at(4)).toEqual([0, 0, 0, 0, 0, 6, 7, 0]);
    expect(at(5)).toEqual([1, 0, 0, 0, 0, 6, 7, 0]);
  });

  it('normalises an AUC by its start and floor, and not when they are too close', () => {
    // a deletion curve from 0.9 falling at once to a floor of 0.5 scores 0; one staying at 0.9 scores 1
    expect(normalisedAuc(0.5, 0.9, 0.5)).toBeCloseTo(0, 12);
    expect(normalisedAuc(0.9, 0.9, 0.5)).toBeCloseTo(1, 12);
    expect(normalisedAuc(0.7, 0.9, 0.5)).toBeCloseTo(0.5, 12);
    expect(normalisedAuc(0.5, 0.505, 0.5)).toBeNull();
  });

  it('per-record seeds follow the pseudonym, not the database id', () => {
    expect(recordSeed(20260101, 'S1-0007')).toBe(recordSeed(20260101, 'S1-0007'));
    expect(recordSeed(20260101, 'S1-0007')).not.toBe(recordSeed(20260101, 'S1-0008'));
    expect(recordSeed(20260101, 'S1-0007')).not.toBe(recordSeed(20260102, 'S1-0007'));
  });

  it('deletion removes the first k/steps of the order, insertion restores it; baseline is 0', () => {
    const x = Float32Array.of(1, 2, 3, 4);
    const out = perturbedInputs(x, Uint32Array.of(2, 0, 3, 1), 2);
    expect(PERTURBATION_BASELINE).toBe(0);
    expect([...out.subarray(0, 12)]).toEqual([1, 2, 3, 4, 0, 2, 0, 4, 0, 0, 0, 0]);
    expect([...out.subarray(12, 24)]).toEqual([0, 0, 0, 0, 1, 0, 3, 0, 1, 2, 3, 4]);
  });

  it('curves split deletion and insertion and integrate over [0, 1]', () => {
    const c = curvesFromProbabilities([1, 0.5, 0, 0, 0.5, 1], 2);
    expect(c.deletion).toEqual([1, 0.5, 0]);
    expect(c.insertion).toEqual([0, 0.5, 1]);
    expect(c.deletionAuc).toBeCloseTo(0.5, 12);
    expect(trapezoid([0, 1], [1, 1])).toBe(1);
  });

  it('degeneracy shares', () => {
    const a = new Float32Array(200);
    a[7] = -10;
    a[150] = 10;
    expect(topSampleMassShare(a, 0.01)).toBeCloseTo(1, 12);
    a[3] = 20;
    expect(topSampleMassShare(a, 0.005)).toBeCloseTo(0.5, 12);
    expect(topLeadMassShare(a, 100)).toEqual({ lead: 0, share: 0.75 });
  });
});

describe('annotation mapping to the model rate', () => {
  it('keeps a wave its length: the end index is round((offset + 1) * f)', () => {
    // 100 ms of QRS at 500 Hz: inclusive samples 100..149 -> 20..29 at 100 Hz (10 samples, not 11)
    expect(waveAtRate({ kind: 'QRS', onset: 100, offset: 149 }, 0.2)).toEqual({ kind: 'QRS', onset: 20, offset: 29 });
    expect(waveAtRate({ kind: 'P', onset: 7, offset: 7 }, 1)).toEqual({ kind: 'P', onset: 7, offset: 7 });
  });

  it('P waves and QRS of LUDB keep their mean duration at 100 Hz', async () => {
    const record = await readEcgFile(join(sharedDataDir(), 'ludb', 'data', '1.hea'));
    const ratio = 100 / record.samplingRateHz;
    for (const kind of ['P', 'QRS'] as const) {
      const waves = record.annotations.filter((a) => a.kind === kind);
      expect(waves.length).toBeGreaterThan(20);
      let before = 0;
      let after = 0;
      for (const a of waves) {
        const m = waveAtRate({ kind, onset: a.onsetSample, offset: a.offsetSample }, ratio);
        before += (a.offsetSample + 1 - a.onsetSample) / record.samplingRateHz;
        after += (m.offset + 1 - m.onset) / 100;
      }
      expect(Math.abs(after / before - 1), kind).toBeLessThan(0.02);
    }
  });
});

describe('localisation', () => {
  const waves = [
    { kind: 'P' as const, onset: 10, offset: 19 },
    { kind: 'QRS' as const, onset: 30, offset: 39 },
    { kind: 'T' as const, onset: 50, offset: 69 },
    { kind: 'QRS' as const, onset: 90, offset: 99 },
  ];

  it('builds P, QRS and ST-T segments and the annotated span', () => {
    const seg = segmentsOfLead(waves)!;
    expect(seg.segments).toEqual([
      { kind: 'P', start: 10, end: 20 },
      { kind: 'QRS', start: 30, end: 40 },
      { kind: 'ST-T', start: 40, end: 70 },
      { kind: 'QRS', start: 90, end: 100 },
    ]);
    expect(seg.span).toEqual({ start: 10, end: 100 });
  });

  it('relevance mass, time share and peak location', () => {
    const seg = segmentsOfLead(waves)!;
    const a = new Float32Array(120);
    a[35] = 3; // QRS
    a[60] = 1; // ST-T
    a[80] = -5; // negative: ignored
    a[5] = 100; // outside the annotated span: ignored
    const r = localiseLead(a, seg.segments, seg.span);
    expect(r.massShare).toEqual({ P: 0, QRS: 0.75, 'ST-T': 0.25 });
    expect(r.timeShare.QRS).toBeCloseTo(20 / 90, 12);
    expect(r.timeShare['ST-T']).toBeCloseTo(30 / 90, 12);
    expect(r.peakAt).toBe('QRS');
    expect(localiseLead(new Float32Array(120), seg.segments, seg.span).peakAt).toBeNull();
  });
});

describe('deletion and insertion on a linear model with a closed-form answer', () => {
  let engine: InferenceEngine;
  beforeAll(async () => {
    engine = await InferenceEngine.open(writeLinearModel());
  });
  afterAll(async () => engine?.close());

  it('every step matches sigmoid(sum of the kept W*x + b)', async () => {
    const per = LINEAR_LEADS * LINEAR_LENGTH;
    const random = seededRandom(99);
    const x = Float32Array.from({ length: per }, () => random() * 4 - 2);
    const cls = 1;
    const a = Float32Array.from({ length: per }, (_, i) => linearW(cls, Math.floor(i / LINEAR_LENGTH), i % LINEAR_LENGTH) * x[i]!);
    const steps = 10;
    const byOrder: { deletion: number[]; insertion: number[] }[] = [];
    for (const order of [relevanceOrder(a), salienceOrder(a), randomOrder(per, 3)]) {
      const windows = perturbedInputs(x, order, steps);
      const n = 2 * (steps + 1);
      const input: ModelInput = {
        leads: engine.model.manifest.leadOrder,
        samplingRateHz: 100,
        samples: LINEAR_LENGTH,
        inputLength: LINEAR_LENGTH,
        windowStarts: new Array(n).fill(0),
        windows,
      };
      const [out] = await engine.runWindows([input]);
      const probs = Array.from({ length: n }, (_, k) => sigmoid(out!.logits[k * LINEAR_CLASSES.length + cls]!));
      const curves = curvesFromProbabilities(probs, steps);
      const expectedDel: number[] = [];
      const expectedIns: number[] = [];
      for (let k = 0; k <= steps; k++) {
        const cut = Math.round((k * per) / steps);
        let removed = 0;
        for (let j = 0; j < cut; j++) removed += a[order[j]!]!;
        let total = 0;
        for (const v of a) total += v;
        expectedDel.push(sigmoid(total - removed + linearBias(cls)));
        expectedIns.push(sigmoid(removed + linearBias(cls)));
      }
      byOrder.push(curves);
      curves.deletion.forEach((p, k) => expect(Math.abs(p - expectedDel[k]!)).toBeLessThan(1e-5));
      curves.insertion.forEach((p, k) => expect(Math.abs(p - expectedIns[k]!)).toBeLessThan(1e-5));
      // the model's own W output is the closed-form W
      expect(Math.abs(out!.W[cls * per + 5 * LINEAR_LENGTH + 17]! - linearW(cls, 5, 17))).toBeLessThan(1e-7);
    }
    // most relevant first removes the largest possible share of the logit at every step: its deletion curve
    // lies under every other order's and its insertion curve over it (|W*x| removes negative evidence early)
    const [relevance, ...others] = byOrder;
    for (const other of others) {
      relevance!.deletion.forEach((p, k) => expect(p).toBeLessThanOrEqual(other.deletion[k]! + 1e-6));
      relevance!.insertion.forEach((p, k) => expect(p).toBeGreaterThanOrEqual(other.insertion[k]! - 1e-6));
    }
    expect(relevance!.deletion[1]!).toBeLessThan(byOrder[1]!.deletion[1]! - 1e-3);
  });
});
