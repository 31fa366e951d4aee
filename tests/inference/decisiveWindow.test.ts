import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { windowAttribution } from '../../src/core/inference/explain.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

// CinC 2020 records of about a minute: several windows, and the decisive window differs between classes
const RECORDS = ['Q0017', 'Q0022', 'Q0026'];

let engine: InferenceEngine;
beforeAll(async () => {
  engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
});
afterAll(async () => engine?.close());

describe.each(RECORDS)('regions and overlay on records longer than one window (CinC %s)', (name) => {
  it("are the decisive window's exact W*x: the map sums to logit - bias and regions lie in that window", async () => {
    const p = await engine.predict(await readEcgFile(join(sharedDataDir(), 'cinc2020', `${name}.hea`)));
    expect(p.windowStarts.length).toBeGreaterThan(2);
    const N = p.samples;
    p.classes.forEach((cls, c) => {
      const start = p.windowStarts[cls.window]!;
      const end = start + p.inputLength;
      const map = p.attribution[c]!;
      let inside = 0;
      let outside = 0;
      for (let l = 0; l < p.leads.length; l++) {
        for (let t = 0; t < N; t++) {
          const v = map[l * N + t]!;
          if (t >= start && t < end) inside += v;
          else outside += Math.abs(v);
        }
      }
      // "a region's share of the logit" holds only if the map over the decisive span is that window's W*x
      expect(Math.abs(inside + cls.bias - cls.logit), `${name} ${cls.code}`).toBeLessThan(1e-3);
      expect(outside).toBe(0);
      const regions = p.regions.filter((r) => r.classCode === cls.code);
      expect(regions.length).toBeGreaterThan(0);
      for (const r of regions) {
        expect(r.startSample).toBeGreaterThanOrEqual(start);
        expect(r.endSample).toBeLessThanOrEqual(end);
        const l = p.leads.indexOf(r.lead);
        let sum = 0;
        for (let t = r.startSample; t < r.endSample; t++) sum += map[l * N + t]!;
        expect(Math.abs(sum - r.contribution)).toBeLessThan(1e-4);
      }
    });
  });
});

describe('other windows on request', () => {
  it('windowAttribution gives any window its own exact W*x', async () => {
    const record = await readEcgFile(join(sharedDataDir(), 'cinc2020', 'Q0017.hea'));
    const input = engine.preprocess(record);
    const [out] = await engine.runWindows([input]);
    const K = engine.model.manifest.classes.length;
    for (let w = 0; w < input.windowStarts.length; w++) {
      const a = windowAttribution(input, out!, K, 1, w);
      const sum = a.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum + out!.bias[w * K + 1]! - out!.logits[w * K + 1]!)).toBeLessThan(1e-3);
    }
    expect(() => windowAttribution(input, out!, K, 1, input.windowStarts.length)).toThrow(/does not exist/);
  });
});
