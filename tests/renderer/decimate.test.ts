import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimateMinMax } from '../../src/renderer/src/ecg/decimate.ts';

describe('min/max trace decimation', () => {
  it('keeps every sample when there is room', () => {
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const p = decimateMinMax(v, 1, 5, 2);
    expect(p.length).toBe(4);
    expect(Array.from(p.ys.subarray(0, 4))).toEqual([2, 3, 4, 5]);
    expect(Array.from(p.xs.subarray(0, 4))).toEqual([0, 2, 4, 6]);
  });

  it('keeps every spike: each pixel column shows its min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 50, maxLength: 400 }),
        fc.double({ min: 0.01, max: 0.4, noNaN: true }),
        (arr, pps) => {
          const v = Float32Array.from(arr);
          const p = decimateMinMax(v, 0, v.length, pps);
          const ys = Array.from(p.ys.subarray(0, p.length));
          expect(Math.max(...ys)).toBe(Math.max(...v));
          expect(Math.min(...ys)).toBe(Math.min(...v));
          expect(p.length).toBeLessThanOrEqual(4 * (Math.ceil(v.length * pps) + 1));
          const xs = Array.from(p.xs.subarray(0, p.length));
          expect(xs).toEqual([...xs].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('breaks the line at missing samples', () => {
    const v = Float32Array.from({ length: 100 }, (_, i) => (i === 50 ? Number.NaN : Math.sin(i)));
    const p = decimateMinMax(v, 0, 100, 0.1);
    expect(Array.from(p.ys.subarray(0, p.length)).filter(Number.isNaN)).toHaveLength(1);
  });
});
