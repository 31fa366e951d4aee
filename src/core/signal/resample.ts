/**
 * Polyphase resampling with exactly the semantics of scipy.signal.resample_poly(x, up, down,
 * window=('kaiser', beta), padtype='constant') as used by training/preprocess.py, computed in float64.
 *
 * scipy's rules reproduced here:
 * - up/down are reduced by their gcd; up == down == 1 returns a copy.
 * - FIR: h = firwin(2*halfLen + 1, 1/max(up, down), window=('kaiser', beta)) * up, halfLen = 10*max(up, down).
 * - upfirdn: zero-stuff x by `up`, full convolution with h, keep every `down`-th sample (constant 0 outside x).
 * - h is pre-padded with (down - halfLen % down) zeros and the first (halfLen + prePad) / down outputs are
 *   dropped, so the output is centred; output length = ceil(nIn * up / down).
 */

import { MAX_SAMPLES_PER_LEAD, MAX_SAMPLING_RATE_HZ } from '../formats/limits.ts';

/**
 * The largest reduced up/down factor a plan is built for: 20 kHz (the readers' highest rate) to 1 Hz. Its filter
 * has 400,001 taps (3.2 MB); rates like 257.143 Hz would otherwise ask for a filter of millions of taps.
 */
export const MAX_RESAMPLE_FACTOR = MAX_SAMPLING_RATE_HZ;

export class ResampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResampleError';
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta)) for a low-pass with cutoff relative to Nyquist. */
export function firwinKaiser(numtaps: number, cutoff: number, beta: number): Float64Array {
  const h = new Float64Array(numtaps);
  const alpha = 0.5 * (numtaps - 1);
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < numtaps; n++) {
    const m = n - alpha;
    const r = alpha === 0 ? 0 : m / alpha;
    const win = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
    h[n] = cutoff * sinc(cutoff * m) * win;
    sum += h[n]!;
  }
  // firwin scales for unit gain at DC
  for (let n = 0; n < numtaps; n++) h[n]! /= sum;
  return h;
}

export interface ResamplePlan {
  up: number;
  down: number;
  /** Filter with scipy's leading zero padding already applied. */
  h: Float64Array;
  nPreRemove: number;
}

const planCache = new Map<string, ResamplePlan>();

/** The reduced factors and filter for a rate change; cached because records share a handful of rates. */
export function resamplePlan(upIn: number, downIn: number, beta: number): ResamplePlan {
  if (!Number.isInteger(upIn) || !Number.isInteger(downIn) || upIn < 1 || downIn < 1) {
    throw new ResampleError(`resample factors must be positive integers, got up=${upIn} down=${downIn}`);
  }
  const g = gcd(upIn, downIn);
  const up = upIn / g;
  const down = downIn / g;
  if (Math.max(up, down) > MAX_RESAMPLE_FACTOR) {
    throw new ResampleError(
      `resampling by ${up}/${down} needs a ${20 * Math.max(up, down) + 1}-tap filter; factors above ${MAX_RESAMPLE_FACTOR} are refused`,
    );
  }
  const key = `${up}/${down}/${beta}`;
  const cached = planCache.get(key);
  if (cached) return cached;
  const maxRate = Math.max(up, down);
  const halfLen = 10 * maxRate;
  const fir = firwinKaiser(2 * halfLen + 1, 1 / maxRate, beta);
  const nPrePad = down - (halfLen % down);
  const h = new Float64Array(nPrePad + fir.length);
  for (let i = 0; i < fir.length; i++) h[nPrePad + i] = fir[i]! * up;
  const plan = { up, down, h, nPreRemove: Math.floor((halfLen + nPrePad) / down) };
  planCache.set(key, plan);
  return plan;
}

/** Output length of resample_poly: ceil(n * up / down) with reduced factors. */
export function resampledLength(n: number, up: number, down: number): number {
  const g = gcd(up, down);
  const u = up / g;
  const d = down / g;
  return Math.ceil((n * u) / d);
}

/** Resamples one channel; x may be float32 or float64, the result is float64. */
export function resamplePoly(input: ArrayLike<number>, up: number, down: number, beta: number): Float64Array {
  const plan = resamplePlan(up, down, beta);
  // one element type in the hot loop keeps it monomorphic (the record's leads are float32)
  const x = input instanceof Float64Array ? input : Float64Array.from(input);
  const nIn = x.length;
  if (plan.up === 1 && plan.down === 1) return input === x ? Float64Array.from(x) : x;
  const nOut = resampledLength(nIn, plan.up, plan.down);
  if (nOut > MAX_SAMPLES_PER_LEAD) {
    throw new ResampleError(
      `resampling ${nIn} samples by ${plan.up}/${plan.down} gives ${nOut}, over the ${MAX_SAMPLES_PER_LEAD}-sample limit`,
    );
  }
  const { h, nPreRemove } = plan;
  const u = plan.up;
  const y = new Float64Array(nOut);
  const hLen = h.length;
  for (let i = 0; i < nOut; i++) {
    // y[i] = sum_j h[j] * xu[t - j] with xu the zero-stuffed input: only j = t - k*up (k in range) contribute
    const t = (i + nPreRemove) * plan.down;
    let kHi = Math.floor(t / u);
    if (kHi > nIn - 1) kHi = nIn - 1;
    let kLo = Math.ceil((t - hLen + 1) / u);
    if (kLo < 0) kLo = 0;
    let acc = 0;
    for (let k = kLo; k <= kHi; k++) acc += h[t - k * u]! * x[k]!;
    y[i] = acc;
  }
  return y;
}

/** The rational factors (up, down) that take `fromHz` to `toHz`, refusing rates that are not rational enough. */
export function rateFactors(fromHz: number, toHz: number): { up: number; down: number } {
  if (!(fromHz > 0) || !(toHz > 0) || !Number.isFinite(fromHz) || !Number.isFinite(toHz)) {
    throw new ResampleError(`cannot resample from ${fromHz} Hz to ${toHz} Hz`);
  }
  // Rates like 257 Hz or 499.9 Hz are handled by scaling to integers with up to 3 decimals, as Fraction would.
  const scale = 1000;
  const a = Math.round(fromHz * scale);
  const b = Math.round(toHz * scale);
  if (Math.abs(a - fromHz * scale) > 1e-6 || Math.abs(b - toHz * scale) > 1e-6) {
    throw new ResampleError(`sampling rate ${fromHz} Hz is not representable with 3 decimals`);
  }
  const g = gcd(b, a);
  return { up: b / g, down: a / g };
}
