import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import type { Prediction } from '../../src/core/inference/explain.ts';
import { occludedInput, occludeLeads, occludeTopRegions } from '../../src/core/inference/whatIf.ts';
import { caseRecord, fixtureIndex, tinyModelDir } from '../signal/preprocessingFixtures.ts';

let engine: InferenceEngine;
let single: Prediction;
let multi: Prediction;

beforeAll(async () => {
  engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
  const cases = fixtureIndex().cases;
  single = await engine.predict(caseRecord(cases.find((c) => c.id === 'sines-500hz-10s')!));
  multi = await engine.predict(caseRecord(cases.find((c) => c.windowStarts?.length === 2)!));
});
afterAll(async () => engine.close());

describe('what-if', () => {
  it('with nothing occluded reproduces the prediction', async () => {
    const r = await engine.whatIf(single, []);
    r.classes.forEach((k, c) => expect(k.logit).toBe(single.classes[c]!.logit));
    expect(r.classes.every((k) => k.deltaLogit === 0)).toBe(true);
  });

  it('occluding every lead equals running the model on an all-baseline input', async () => {
    const r = await engine.whatIf(single, occludeLeads(single, single.leads));
    const zeros = { ...occludedInput(single, []), windows: new Float32Array(single.windows.length) };
    const [raw] = await engine.runWindows([zeros]);
    r.classes.forEach((k, c) => {
      expect(k.logit).toBeCloseTo(raw!.logits[c]!, 6);
      expect(k.deltaLogit).toBeCloseTo(k.logit - single.classes[c]!.logit, 6);
    });
  });

  it('applies a record-time occlusion to every window it overlaps', () => {
    const start = multi.windowStarts[1]!; // inside window 0 too
    const input = occludedInput(multi, [{ lead: 'V2', startSample: start, endSample: start + 50 }]);
    const L = multi.inputLength;
    const l = multi.leads.indexOf('V2');
    const w0 = (0 * 12 + l) * L + start;
    const w1 = (1 * 12 + l) * L;
    expect(Array.from(input.windows.subarray(w0, w0 + 50)).every((v) => v === 0)).toBe(true);
    expect(Array.from(input.windows.subarray(w1, w1 + 50)).every((v) => v === 0)).toBe(true);
    expect(input.windows[w1 + 50]).toBe(multi.windows[w1 + 50]);
    expect(multi.windows[w1]).not.toBe(0); // the original is untouched
  });

  it('removing the top regions of a class moves its logit', async () => {
    const cls = single.classes[0]!.code;
    const occlusions = occludeTopRegions(single, cls, 3);
    expect(occlusions.length).toBeGreaterThan(0);
    const r = await engine.whatIf(single, occlusions);
    expect(r.classes[0]!.deltaLogit).not.toBe(0);
    expect(r.occlusions).toEqual(occlusions);
  });

  it('refuses unknown leads and empty spans', async () => {
    await expect(engine.whatIf(single, [{ lead: 'V7', startSample: 0, endSample: 10 }])).rejects.toThrow(/lead V7/);
    await expect(engine.whatIf(single, [{ lead: 'I', startSample: 10, endSample: 10 }])).rejects.toThrow(/empty span/);
  });
});
