import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MISSING,
  type RatingTable,
  cohenKappa,
  confusionTable,
  fleissKappa,
  krippendorffAlpha,
  percentAgreement,
  ratingTable,
  summarizeAgreement,
} from '../../src/core/audit/agreement.ts';
import { clusteredWilson, MIN_DEFINED_RESAMPLE_SHARE, MIN_UNITS, wilson } from '../../src/core/audit/stats.ts';
import { runPythonJson } from '../helpers/python.ts';

interface Reference {
  cohen: Record<string, number | null>;
  fleiss: number | null;
  alpha: number | null;
}

const all = (t: RatingTable): number[] => t.rows.map((_, i) => i);
const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThan(1e-9);
}

/** Random tables: 2-6 raters, 2-4 categories, 1-80 units, some cells missing, skewed category use. */
const tableArb = fc
  .record({ raters: fc.integer({ min: 2, max: 6 }), categories: fc.integer({ min: 2, max: 4 }), units: fc.integer({ min: 1, max: 80 }) })
  .chain(({ raters, categories, units }) =>
    fc.record({
      categories: fc.constant(categories),
      rows: fc.array(
        fc.array(
          fc.oneof({ weight: 1, arbitrary: fc.constant(MISSING) }, { weight: 5, arbitrary: fc.integer({ min: 0, max: categories - 1 }) }),
          {
            minLength: raters,
            maxLength: raters,
          },
        ),
        { minLength: units, maxLength: units },
      ),
    }),
  );

describe('agreement statistics against scikit-learn, statsmodels and krippendorff', () => {
  it('match the Python reference implementations to 1e-9 on random tables', () => {
    const samples = fc.sample(tableArb, { numRuns: 300, seed: 20261128 });
    const proportions = fc.sample(
      fc.integer({ min: 1, max: 500 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
      { numRuns: 200, seed: 7 },
    );
    const ref = runPythonJson<{ tables: Reference[]; wilson: [number, number][] }>(
      'reference_metrics.py',
      { tables: samples, proportions },
      'scikit-learn statsmodels krippendorff numpy',
    );
    proportions.forEach(([k, n], i) => {
      const ci = wilson(k, n).ci!;
      expectClose(ci.low, ref.wilson[i]![0], `wilson ${k}/${n} low`);
      expectClose(ci.high, ref.wilson[i]![1], `wilson ${k}/${n} high`);
    });
    samples.forEach((sample, i) => {
      const table: RatingTable = {
        raters: sample.rows[0]!.map((_, r) => `r${r}`),
        categories: Array.from({ length: sample.categories }, (_, k) => `c${k}`),
        rows: sample.rows.map((r) => Int32Array.from(r)),
      };
      const expected = ref.tables[i]!;
      for (const [pair, kappa] of Object.entries(expected.cohen)) {
        const [a, b] = pair.split(',').map(Number) as [number, number];
        expectClose(orNull(cohenKappa(table, a, b, all(table))), kappa, `table ${i} cohen ${pair}`);
      }
      expectClose(orNull(fleissKappa(table, all(table))), expected.fleiss, `table ${i} fleiss`);
      expectClose(orNull(krippendorffAlpha(table, all(table))), expected.alpha, `table ${i} alpha`);
    });
  });
});

describe('Wilson interval corrected for records', () => {
  it('uses the effective sample size n / deff from the ratio-estimator variance', () => {
    // two records of two judgements each, all alike within a record: p = 0.5, v = 2 * (1 + 1) / 16, deff = 4
    const s = clusteredWilson([
      { count: 2, total: 2 },
      { count: 0, total: 2 },
    ]);
    expect(s).toMatchObject({ count: 2, total: 4, share: 0.5, clusters: 2 });
    expect(s.designEffect).toBeCloseTo(4, 12);
    expect(s.ci!.low).toBeCloseTo(wilson(0.5, 1).ci!.low, 12);
    // independent judgements (one per record) keep about the plain interval; deff is never below 1
    const single = clusteredWilson(Array.from({ length: 40 }, (_, i) => ({ count: i % 4 === 0 ? 1 : 0, total: 1 })));
    expect(single.designEffect).toBeGreaterThanOrEqual(1);
    expect(single.designEffect).toBeLessThan(1.03);
    expect(clusteredWilson([{ count: 3, total: 3 }]).designEffect).toBe(1);
  });
});

describe('agreement statistics by hand', () => {
  const table = ratingTable(
    [
      { unit: 'u1', rater: 'A', value: 'valid' },
      { unit: 'u1', rater: 'B', value: 'valid' },
      { unit: 'u2', rater: 'A', value: 'valid' },
      { unit: 'u2', rater: 'B', value: 'not_valid' },
      { unit: 'u3', rater: 'A', value: 'not_valid' },
      { unit: 'u3', rater: 'B', value: 'not_valid' },
      { unit: 'u4', rater: 'A', value: 'unsure' },
    ],
    { categories: ['valid', 'not_valid', 'unsure'] },
  );

  it('percent agreement counts only units with two ratings', () => {
    expect(percentAgreement(table, all(table))).toBeCloseTo(2 / 3, 12);
  });

  it('the confusion table is rater A by rater B', () => {
    expect(confusionTable(table, 0, 1)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
  });

  it('bootstrap intervals are reproducible from the seed and bracket the estimate', () => {
    const s1 = summarizeAgreement(table, { resamples: 200, seed: 7, minUnits: 1 });
    const s2 = summarizeAgreement(table, { resamples: 200, seed: 7, minUnits: 1 });
    expect(s1).toEqual(s2);
    const k = s1.pairs[0]!.cohenKappa;
    expect(k.estimate).toBeCloseTo(0.4, 12);
    expect(k.ci!.low).toBeLessThanOrEqual(k.estimate!);
    expect(k.ci!.high).toBeGreaterThanOrEqual(k.estimate!);
    expect(s1.pairableUnits).toBe(3);
    expect(s1.completeUnits).toBe(3);
  });

  it('each statistic states the units it uses, and says "too few units (n)" below the minimum', () => {
    const s = summarizeAgreement(table, { resamples: 50, seed: 7 });
    // four rows, but u4 has one rating: every statistic here rests on three units
    expect(s.units).toBe(4);
    for (const e of [s.fleissKappa, s.krippendorffAlpha, s.percentAgreement, s.pairs[0]!.cohenKappa]) {
      expect(e).toMatchObject({ units: 3, estimate: null, ci: null, note: `too few units (3)` });
    }
    expect(MIN_UNITS).toBe(10);
    // the case of the issue: one unit rated by both raters gave "-1.000 (-1.000 - -1.000), units 4"
    const one = ratingTable([
      { unit: 'u1', rater: 'A', value: 'valid' },
      { unit: 'u1', rater: 'B', value: 'not_valid' },
      { unit: 'u2', rater: 'A', value: 'valid' },
      { unit: 'u3', rater: 'A', value: 'valid' },
      { unit: 'u4', rater: 'B', value: 'valid' },
    ]);
    expect(summarizeAgreement(one, { resamples: 50, seed: 1 }).fleissKappa).toMatchObject({
      units: 1,
      estimate: null,
      note: 'too few units (1)',
    });
  });

  it("Fleiss' kappa leaves out raters who rated none of the units", () => {
    const rows = Array.from({ length: 12 }, (_, u) => [
      { unit: `u${u}`, rater: 'A', value: u % 3 ? 'valid' : 'not_valid' },
      { unit: `u${u}`, rater: 'B', value: u % 4 ? 'valid' : 'not_valid' },
    ]).flat();
    const withIdle = ratingTable(rows, { raters: ['A', 'B', 'C'], categories: ['valid', 'not_valid'] });
    const s = summarizeAgreement(withIdle, { resamples: 100, seed: 2 });
    expect(s.raters).toEqual(['A', 'B']);
    expect(s.completeUnits).toBe(12);
    expect(s.fleissKappa.estimate).toBeCloseTo(fleissKappa(ratingTable(rows), all(ratingTable(rows))), 12);
  });

  it('counts the resamples on which a statistic is defined and withholds an interval that rests on too few', () => {
    // one disagreement in 12 units: a resample without it holds one category only, and kappa is undefined there
    const rows = Array.from({ length: 12 }, (_, u) => [
      { unit: `u${u}`, rater: 'A', value: 'valid' },
      { unit: `u${u}`, rater: 'B', value: u === 0 ? 'not_valid' : 'valid' },
    ]).flat();
    const k = summarizeAgreement(ratingTable(rows, { categories: ['valid', 'not_valid'] }), { resamples: 400, seed: 5 }).pairs[0]!
      .cohenKappa;
    expect(k.estimate).not.toBeNull();
    expect(k.requested).toBe(400);
    expect(k.resamples).toBeGreaterThan(150);
    expect(k.resamples).toBeLessThan(400 * MIN_DEFINED_RESAMPLE_SHARE);
    expect(k.ci).toBeNull();
    expect(k.note).toBe(`interval withheld: defined in ${k.resamples} of 400 resamples`);
  });

  it('perfect agreement on one category leaves kappa undefined rather than dividing by zero', () => {
    const same = ratingTable([
      { unit: 'u1', rater: 'A', value: 'valid' },
      { unit: 'u1', rater: 'B', value: 'valid' },
    ]);
    expect(Number.isNaN(cohenKappa(same, 0, 1, [0]))).toBe(true);
    expect(summarizeAgreement(same, { resamples: 10, seed: 1 }).krippendorffAlpha.estimate).toBeNull();
  });
});
