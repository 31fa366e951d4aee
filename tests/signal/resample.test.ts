import { describe, expect, it } from 'vitest';
import { firwinKaiser, rateFactors, resamplePoly, resampledLength } from '../../src/core/signal/resample.ts';
import { fixtureIndex, maxAbsDiff, readArray } from './preprocessingFixtures.ts';

describe('resamplePoly vs scipy.signal.resample_poly', () => {
  for (const c of fixtureIndex().resampleOnly) {
    it(`${c.id} (${c.up}/${c.down})`, () => {
      const input = readArray(c.input);
      const expected = readArray(c.output);
      const y = resamplePoly(input, c.up, c.down, 5.0);
      expect(y.length).toBe(expected.length);
      const scale = Math.max(1, ...Array.from(expected, Math.abs));
      expect(maxAbsDiff(y, expected)).toBeLessThanOrEqual(1e-9 * scale);
    });
  }

  it('is the identity for equal rates and reduces the fraction', () => {
    const x = Float32Array.from([1, 2, 3]);
    expect(Array.from(resamplePoly(x, 7, 7, 5))).toEqual([1, 2, 3]);
    expect(resampledLength(5000, 100, 500)).toBe(1000);
    expect(rateFactors(500, 100)).toEqual({ up: 1, down: 5 });
    expect(rateFactors(360, 100)).toEqual({ up: 5, down: 18 });
    expect(rateFactors(257, 100)).toEqual({ up: 100, down: 257 });
  });

  it('designs a unit-DC-gain symmetric filter', () => {
    const h = firwinKaiser(101, 0.2, 5);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 0; i < 50; i++) expect(h[i]).toBeCloseTo(h[100 - i]!, 15);
  });

  it('refuses rates it cannot represent', () => {
    expect(() => rateFactors(0, 100)).toThrow(/cannot resample/);
    expect(() => rateFactors(Math.PI, 100)).toThrow(/not representable/);
  });
});
