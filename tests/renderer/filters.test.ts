import { describe, expect, it } from 'vitest';
import { applyDisplayFilters, median, notchAvailable } from '../../src/renderer/src/ecg/filters.ts';

const fs = 500;
function sine(freq: number, amp: number, n = 5000): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / fs));
}
function rms(x: Float32Array, from = 500, to = x.length - 500): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
}

describe('display filters', () => {
  it('removes 50 Hz mains with the notch and keeps a 10 Hz component', () => {
    const mains = sine(50, 0.3);
    const wave = sine(10, 1);
    const mixed = mains.map((v, i) => v + wave[i]!);
    const out = applyDisplayFilters(mixed, fs, { highPassHz: null, notchHz: 50 });
    const residual = out.map((v, i) => v - wave[i]!);
    expect(rms(residual)).toBeLessThan(0.03);
  });

  it('removes baseline wander (0.1 Hz) and a DC offset with the high-pass but keeps QRS-band content', () => {
    const drift = sine(0.1, 1).map((v) => v + 2);
    const wave = sine(10, 1);
    const out = applyDisplayFilters(
      drift.map((v, i) => v + wave[i]!),
      fs,
      { highPassHz: 0.5, notchHz: null },
    );
    const residual = out.map((v, i) => v - wave[i]!);
    expect(rms(residual)).toBeLessThan(0.1);
  });

  it('never touches its input and keeps NaN gaps', () => {
    const x = sine(5, 1);
    x[100] = Number.NaN;
    const copy = Float32Array.from(x);
    const out = applyDisplayFilters(x, fs, { highPassHz: 0.5, notchHz: 60 });
    expect(out).not.toBe(x);
    expect(Number.isNaN(out[100]!)).toBe(true);
    expect(Array.from(x)).toEqual(Array.from(copy));
  });

  it('returns the lead itself when no filter is on, and skips a notch at or above Nyquist', () => {
    const x = sine(5, 1, 1000);
    expect(applyDisplayFilters(x, fs, { highPassHz: null, notchHz: null })).toBe(x);
    expect(notchAvailable(50, 100)).toBe(false);
    expect(notchAvailable(60, 500)).toBe(true);
    expect(applyDisplayFilters(x, 100, { highPassHz: null, notchHz: 50 })).toBe(x);
  });

  it('centres a lead on its median', () => {
    expect(median(Float32Array.from([5, 1, 3, Number.NaN]))).toBe(3);
    expect(median(Float32Array.from([4, 1, 3, 2]))).toBe(2.5);
    expect(median(new Float32Array(0))).toBe(0);
  });
});
