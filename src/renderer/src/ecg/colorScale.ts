/**
 * The diverging scale of the attribution overlay: ColorBrewer PuOr (colour-blind safe), orange for evidence
 * for the class (A > 0), purple for evidence against (A < 0). Opacity grows with |A| so that zero shows the
 * paper and the trace drawn over the overlay stays readable.
 */

// PuOr without its two darkest ends, so that the black trace keeps its contrast over a saturated band
const ORANGE = ['#fee0b6', '#fdb863', '#e08214', '#b35806'];
const PURPLE = ['#d8daeb', '#b2abd2', '#8073ac', '#542788'];
export const MAX_ALPHA = 0.65;
/** Entries per side of the look-up table. */
const STEPS = 128;

export type ScaleMode = 'per-record' | 'fixed';

function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function ramp(stops: string[], f: number): [number, number, number] {
  const pos = f * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const a = hexRgb(stops[i]!);
  const b = hexRgb(stops[i + 1]!);
  const u = pos - i;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * u)) as [number, number, number];
}

/** RGBA bytes for value v on a symmetric scale [-max, max]; values beyond max saturate, NaN is transparent. */
export function divergingRgba(v: number, max: number): [number, number, number, number] {
  if (!Number.isFinite(v) || !(max > 0) || v === 0) return [255, 255, 255, 0];
  const f = Math.min(1, Math.abs(v) / max);
  const [r, g, b] = ramp(v > 0 ? ORANGE : PURPLE, f);
  return [r, g, b, Math.round(255 * MAX_ALPHA * Math.sqrt(f))];
}

/** 2*STEPS+1 packed RGBA entries (little-endian Uint32, as ImageData reads them), index STEPS = zero. */
export function buildLut(): Uint32Array {
  const lut = new Uint32Array(2 * STEPS + 1);
  for (let i = 0; i <= 2 * STEPS; i++) {
    const [r, g, b, a] = divergingRgba((i - STEPS) / STEPS, 1);
    lut[i] = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

export function lutIndex(v: number, max: number): number {
  if (!Number.isFinite(v) || !(max > 0)) return STEPS;
  const f = Math.max(-1, Math.min(1, v / max));
  return STEPS + Math.round(f * STEPS);
}

/** Share of |values| below the per-record scale end; the few larger values saturate instead of fading the rest. */
export const PER_RECORD_QUANTILE = 0.99;

/** The q-quantile of |values| (NaN ignored), or the largest |value| when that quantile is 0. */
export function absQuantile(values: Float32Array, q: number): number {
  const abs = new Float32Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!Number.isNaN(a)) abs[n++] = a;
  }
  if (n === 0) return 0;
  const sorted = abs.subarray(0, n).sort();
  const v = sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]!;
  return v > 0 ? v : sorted[n - 1]!;
}

/** The scale's end: the record's own 99th percentile of |A| per record, or the user's fixed value across records. */
export function scaleMax(mode: ScaleMode, values: Float32Array, fixedMax: number): number {
  return mode === 'fixed' ? fixedMax : absQuantile(values, PER_RECORD_QUANTILE);
}

/** CSS gradient for the legend bar, purple (against) on the left to orange (for) on the right. */
export function legendGradient(): string {
  const stops: string[] = [];
  for (let i = 0; i <= 20; i++) {
    const [r, g, b, a] = divergingRgba((i - 10) / 10, 1);
    stops.push(`rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)}) ${i * 5}%`);
  }
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** Legend tick text for a scale end, in logit units. */
export function formatScaleValue(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 0.01 && abs < 1000 ? v.toPrecision(3) : v.toExponential(2);
}
