import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absQuantile, buildLut, divergingRgba, lutIndex, scaleMax } from '../../src/renderer/src/ecg/colorScale.ts';

describe('diverging attribution scale', () => {
  it('is transparent at zero and for NaN, orange for evidence for, purple for evidence against', () => {
    expect(divergingRgba(0, 1)[3]).toBe(0);
    expect(divergingRgba(Number.NaN, 1)[3]).toBe(0);
    const [r, , b] = divergingRgba(1, 1);
    expect(r).toBeGreaterThan(b); // orange: red channel dominates
    const [r2, , b2] = divergingRgba(-1, 1);
    expect(b2).toBeGreaterThan(r2 - 10); // purple: blue at least as strong as red
    expect(divergingRgba(5, 1)).toEqual(divergingRgba(1, 1)); // saturates
  });

  it('grows more opaque with |value| on both sides', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.constantFrom(1, -1), (f, sign) => {
        expect(divergingRgba(sign * f, 1)[3]).toBeLessThanOrEqual(divergingRgba(sign * Math.min(1, f + 0.01), 1)[3]);
      }),
    );
  });

  it('builds a look-up table whose middle entry is transparent and whose ends saturate', () => {
    const lut = buildLut();
    expect(lut[lutIndex(0, 2)]! >>> 24).toBe(0);
    expect(lutIndex(10, 2)).toBe(lut.length - 1);
    expect(lutIndex(-10, 2)).toBe(0);
    expect(lutIndex(Number.NaN, 2)).toBe(lutIndex(0, 2));
  });

  it('takes the per-record end from the data (99th percentile of |A|) and the fixed end from the user', () => {
    const a = Float32Array.from([0.1, -0.4, Number.NaN, 0.2]);
    expect(absQuantile(a, 1)).toBeCloseTo(0.4);
    expect(scaleMax('fixed', a, 3)).toBe(3);
    // one spike among 1000 small values does not wash out the rest of the record
    const spiky = Float32Array.from({ length: 1000 }, (_, i) => (i === 500 ? -50 : ((i % 10) - 5) / 10));
    expect(scaleMax('per-record', spiky, 3)).toBeCloseTo(0.5);
    expect(absQuantile(new Float32Array(10), 0.99)).toBe(0);
    expect(absQuantile(Float32Array.from([0, 0, 0, 2]), 0.5)).toBe(2);
  });
});
