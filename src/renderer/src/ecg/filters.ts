/**
 * Display filters: baseline-wander high-pass and mains notch, run forward and backward (zero phase, so waves
 * do not shift in time). They return new arrays and are applied for display only: the stored signal and the
 * model input never pass through them.
 */

export interface DisplayFilters {
  highPassHz: number | null;
  notchHz: 50 | 60 | null;
}

export const BASELINE_HIGHPASS_HZ = 0.5;
const NOTCH_Q = 30;

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** RBJ audio-EQ cookbook coefficients, normalised by a0. */
function highPass(fc: number, fs: number): Biquad {
  const w = (2 * Math.PI * fc) / fs;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: (1 + c) / 2 / a0, b1: -(1 + c) / a0, b2: (1 + c) / 2 / a0, a1: (-2 * c) / a0, a2: (1 - alpha) / a0 };
}

function notch(f0: number, fs: number): Biquad {
  const w = (2 * Math.PI * f0) / fs;
  const alpha = Math.sin(w) / (2 * NOTCH_Q);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: 1 / a0, b1: (-2 * c) / a0, b2: 1 / a0, a1: (-2 * c) / a0, a2: (1 - alpha) / a0 };
}

/** One pass, started in the steady state of the first sample so the edges do not ring. */
function runPass(f: Biquad, x: Float64Array, reverse: boolean): void {
  const n = x.length;
  if (n === 0) return;
  const first = reverse ? x[n - 1]! : x[0]!;
  const dcGain = (f.b0 + f.b1 + f.b2) / (1 + f.a1 + f.a2);
  let x1 = first;
  let x2 = first;
  let y1 = first * dcGain;
  let y2 = y1;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const xi = x[i]!;
    const y = f.b0 * xi + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1;
    x1 = xi;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

/** Whether the notch frequency lies below Nyquist at this sampling rate (not at 100 Hz for 50 Hz). */
export function notchAvailable(notchHz: number, fs: number): boolean {
  return notchHz < fs / 2 - 1;
}

/** Filtered copy of a lead (NaN gaps are bridged with 0 for filtering and restored afterwards). */
export function applyDisplayFilters(mv: Float32Array, fs: number, filters: DisplayFilters): Float32Array {
  const stages: Biquad[] = [];
  if (filters.highPassHz !== null) stages.push(highPass(filters.highPassHz, fs));
  if (filters.notchHz !== null && notchAvailable(filters.notchHz, fs)) stages.push(notch(filters.notchHz, fs));
  if (stages.length === 0) return mv;
  const x = new Float64Array(mv.length);
  for (let i = 0; i < mv.length; i++) x[i] = Number.isNaN(mv[i]!) ? 0 : mv[i]!;
  for (const s of stages) {
    runPass(s, x, false);
    runPass(s, x, true);
  }
  const out = new Float32Array(mv.length);
  for (let i = 0; i < mv.length; i++) out[i] = Number.isNaN(mv[i]!) ? Number.NaN : x[i]!;
  return out;
}

/** The median of a lead: the display's zero line, so that an offset lead still sits on its row. */
export function median(mv: Float32Array): number {
  const finite = Array.from(mv).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return 0;
  finite.sort((a, b) => a - b);
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
