import { describe, expect, it } from 'vitest';
import { PreprocessError, preprocessRecord, type PreprocessSpec } from '../../src/core/signal/preprocess.ts';
import { resamplePoly } from '../../src/core/signal/resample.ts';
import { windowStarts } from '../../src/core/signal/windows.ts';
import { caseRecord, fixtureIndex, maxAbsDiff, readArray } from './preprocessingFixtures.ts';

const index = fixtureIndex();
const spec: PreprocessSpec = {
  samplingRateHz: 100,
  inputLength: 1000,
  leadOrder: index.leadOrder,
  kaiserBeta: 5,
  zscoreEpsilon: 1e-6,
  windowOverlap: 0.5,
};

describe('preprocessRecord vs training/preprocess.py', () => {
  for (const c of index.cases) {
    it(c.id, () => {
      const record = caseRecord(c);
      if (c.error) {
        expect(() => preprocessRecord(record, spec)).toThrowError(PreprocessError);
        try {
          preprocessRecord(record, spec);
        } catch (err) {
          expect((err as PreprocessError).problem).toBe('too-short');
          expect((err as Error).message).toContain(`fixture:${c.id}`);
          expect((err as Error).message).toContain(`${c.resampledLength} samples`);
        }
        return;
      }
      const input = preprocessRecord(record, spec);
      expect(input.samples).toBe(c.resampledLength);
      expect(input.windowStarts).toEqual(c.windowStarts);
      const expected = readArray(c.windows!);
      expect(input.windows.length).toBe(expected.length);
      expect(maxAbsDiff(input.windows, expected)).toBeLessThanOrEqual(1e-5);
      if (c.resampled) {
        // the resampler on its own, after lead selection, in float64
        const resampled = readArray(c.resampled);
        const n = c.resampledLength;
        spec.leadOrder.forEach((lead, l) => {
          const mv = record.leads.find((x) => x.name.toUpperCase() === lead.toUpperCase())!.mv;
          const y = resamplePoly(mv, c.resample.up, c.resample.down, 5);
          expect(maxAbsDiff(y, resampled.subarray(l * n, (l + 1) * n))).toBeLessThanOrEqual(1e-9 * 2600);
        });
      }
    });
  }

  it('names the file and the lead when a lead is missing', () => {
    const record = caseRecord(index.cases[0]!);
    record.leads = record.leads.filter((l) => l.name !== 'V3');
    expect(() => preprocessRecord(record, spec)).toThrowError(/fixture:sines-500hz-10s: lead V3 is missing/);
  });

  it('refuses missing samples instead of propagating NaN', () => {
    const record = caseRecord(index.cases[0]!);
    record.leads[4]!.mv[17] = Number.NaN;
    try {
      preprocessRecord(record, spec);
      expect.unreachable();
    } catch (err) {
      expect((err as PreprocessError).problem).toBe('missing-samples');
      expect((err as Error).message).toMatch(/lead aVL .* index 17/);
    }
  });

  it('refuses a sampling rate it cannot convert', () => {
    const record = { ...caseRecord(index.cases[0]!), samplingRateHz: 0 };
    expect(() => preprocessRecord(record, spec)).toThrowError(/fixture:sines-500hz-10s: cannot resample/);
  });
});

describe('windowStarts', () => {
  it('covers the record with half-overlapping windows and an end-aligned last one', () => {
    expect(windowStarts(1000, 1000, 0.5)).toEqual([0]);
    expect(windowStarts(1200, 1000, 0.5)).toEqual([0, 200]);
    expect(windowStarts(1500, 1000, 0.5)).toEqual([0, 500]);
    expect(windowStarts(2501, 1000, 0.5)).toEqual([0, 500, 1000, 1500, 1501]);
    expect(() => windowStarts(999, 1000, 0.5)).toThrow(RangeError);
  });
});
