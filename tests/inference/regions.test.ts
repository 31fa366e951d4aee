import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evidenceRegions, percentileInPlace } from '../../src/core/inference/regions.ts';

const leads = ['I', 'II'];
const N = 1000;

function attribution(spans: { lead: number; from: number; to: number; value: number }[]): Float32Array {
  const a = new Float32Array(leads.length * N);
  // a flat low background (constant |A|) is the 95th percentile, and "high" means strictly above it
  for (let i = 0; i < a.length; i++) a[i] = i % 2 ? 0.001 : -0.001;
  for (const s of spans) for (let t = s.from; t < s.to; t++) a[s.lead * N + t] = s.value;
  return a;
}

describe('evidence regions', () => {
  it('finds strong spans with their signed contribution, ranked by |contribution|', () => {
    const a = attribution([
      { lead: 0, from: 100, to: 130, value: 0.5 },
      { lead: 1, from: 500, to: 520, value: -2 },
    ]);
    const regions = evidenceRegions('MI', a, leads, N, 100);
    expect(regions).toHaveLength(2);
    const [first, second] = regions;
    expect(first).toMatchObject({ classCode: 'MI', lead: 'II', rank: 1 });
    expect(first!.contribution).toBeLessThan(0);
    // smoothing widens the span by up to 1 sample each side; the contribution stays the span's sum
    expect(first!.startSample).toBeGreaterThanOrEqual(499);
    expect(first!.endSample).toBeLessThanOrEqual(521);
    expect(first!.contribution).toBeCloseTo(-40, 1);
    expect(second).toMatchObject({ lead: 'I', rank: 2 });
    expect(second!.startS).toBeCloseTo(second!.startSample / 100);
    expect(second!.contribution).toBeCloseTo(15, 1);
  });

  it('merges gaps shorter than 40 ms and drops spans narrower than 40 ms', () => {
    const merged = evidenceRegions(
      'X',
      attribution([
        { lead: 0, from: 100, to: 120, value: 1 },
        { lead: 0, from: 122, to: 140, value: 1 },
        { lead: 1, from: 600, to: 601, value: 1 },
      ]),
      leads,
      N,
      100,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.lead).toBe('I');
    expect(merged[0]!.endSample - merged[0]!.startSample).toBeGreaterThanOrEqual(40);
  });

  it('keeps at most topN regions per class', () => {
    const spans = Array.from({ length: 15 }, (_, i) => ({ lead: i % 2, from: 40 + i * 60, to: 60 + i * 60, value: 1 + i }));
    const regions = evidenceRegions('X', attribution(spans), leads, N, 100, {
      smoothHalfWidthS: 0.01,
      percentile: 80,
      minGapS: 0.04,
      minWidthS: 0.04,
      topN: 10,
    });
    expect(regions).toHaveLength(10);
    expect(regions.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(regions[0]!.contribution).toBeGreaterThan(regions[9]!.contribution);
  });

  it('percentile matches numpy.percentile (linear)', () => {
    expect(percentileInPlace(Float64Array.from([1, 2, 3, 4]), 95)).toBeCloseTo(3.85, 12);
    expect(percentileInPlace(Float64Array.from([5]), 95)).toBe(5);
  });

  it('regions never overlap on a lead and stay inside the record', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 2 * 200, maxLength: 2 * 200 }), (values) => {
        const a = Float32Array.from(values);
        const regions = evidenceRegions('X', a, leads, 200, 100);
        for (const lead of leads) {
          const mine = regions.filter((r) => r.lead === lead).sort((x, y) => x.startSample - y.startSample);
          for (let i = 0; i < mine.length; i++) {
            expect(mine[i]!.startSample).toBeGreaterThanOrEqual(0);
            expect(mine[i]!.endSample).toBeLessThanOrEqual(200);
            expect(mine[i]!.endSample - mine[i]!.startSample).toBeGreaterThanOrEqual(4);
            if (i > 0) expect(mine[i]!.startSample).toBeGreaterThanOrEqual(mine[i - 1]!.endSample);
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('percentileInPlace', () => {
  it('equals the sorted-array definition on random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (xs, p) => {
          const sorted = Float64Array.from(xs).sort();
          const pos = (p / 100) * (sorted.length - 1);
          const lo = Math.floor(pos);
          const hi = Math.min(lo + 1, sorted.length - 1);
          const expected = sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
          expect(percentileInPlace(Float64Array.from(xs), p)).toBeCloseTo(expected, 9);
        },
      ),
    );
  });
});
