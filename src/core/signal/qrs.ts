/**
 * QRS detection on a multi-lead ECG, after Pan and Tompkins: J. Pan, W. J. Tompkins, "A real-time QRS
 * detection algorithm", IEEE Trans. Biomed. Eng. 32(3):230-236, 1985 (doi:10.1109/TBME.1985.325532).
 * Our own implementation, written for whole records rather than a stream:
 * 1. each lead is band-passed 5-15 Hz (second-order Butterworth high- and low-pass, run forward and backward so
 *    nothing is delayed), differentiated with the paper's five-point derivative (central form) and squared;
 * 2. the leads are combined: each lead's energy is divided by its typical QRS level (the median of its
 *    per-second maxima) and clipped at CLIP_LEVEL, so every lead counts and no single lead's artefact dominates,
 *    then averaged (a multi-lead energy detector; one lead works the same way);
 * 3. moving-window integration over 150 ms (centred);
 * 4. the paper's decision rules on the integrated signal's peaks: 200 ms refractory period, adaptive signal and
 *    noise levels (SPKI, NPKI) with threshold NPKI + 0.25 (SPKI - NPKI), search-back at half the threshold when
 *    no beat came within 1.66 mean RR intervals, and a peak within 360 ms of the last beat whose steepest slope is
 *    under half that beat's taken as a T wave. The levels start from the record itself (median of 2-s maxima)
 *    instead of the paper's 2-s learning phase.
 * A beat's time is the steepest point of its complex (the combined energy's maximum within the integration
 * window): the same place in every beat of a morphology, so RR intervals are exact to a sample or two.
 */

const HIGH_PASS_HZ = 5;
const LOW_PASS_HZ = 15;
const INTEGRATION_S = 0.15;
const REFRACTORY_S = 0.2;
const T_WAVE_WINDOW_S = 0.36;
const SEARCH_BACK_RR = 1.66;
/** A lead's normalised energy is clipped here: an artefact in one lead cannot outweigh the QRS in the others. */
const CLIP_LEVEL = 4;

export interface QrsDetection {
  /** Sample index of each detected complex, ascending. */
  samples: number[];
  samplingRateHz: number;
  /** Leads that took part (flat and all-missing leads are left out). */
  leadsUsed: number;
}

/** Biquad coefficients (RBJ audio-EQ cookbook) of a second-order Butterworth section. */
function butterworth(kind: 'low' | 'high', cutoffHz: number, fs: number): [number, number, number, number, number] {
  const w0 = (2 * Math.PI * cutoffHz) / fs;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / Math.SQRT2;
  const a0 = 1 + alpha;
  const b1 = kind === 'low' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'low' ? b1 / 2 : -b1 / 2;
  return [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
}

function biquad(x: Float64Array, c: readonly number[], reverse: boolean): void {
  const [b0, b1, b2, a1, a2] = c as [number, number, number, number, number];
  const n = x.length;
  // start from the first value's steady state so the edge does not ring
  let x1 = x[reverse ? n - 1 : 0]!;
  let x2 = x1;
  const dc = (b0 + b1 + b2) / (1 + a1 + a2);
  let y1 = x1 * dc;
  let y2 = y1;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const x0 = x[i]!;
    const y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
}

/** One lead's squared slope after the band-pass, or null for a lead with nothing on it. */
function leadEnergy(mv: Float32Array, fs: number): Float64Array | null {
  const n = mv.length;
  const x = new Float64Array(n);
  let last = NaN;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const v = mv[i]!;
    // a gap holds the last value: flat, so it adds no slope
    if (Number.isFinite(v)) {
      last = v;
      valid++;
    }
    x[i] = last;
  }
  if (valid < n / 2) return null;
  const first = x.findIndex((v) => Number.isFinite(v));
  x.fill(x[first]!, 0, first);
  for (const kind of ['high', 'low'] as const) {
    const c = butterworth(kind, kind === 'high' ? HIGH_PASS_HZ : LOW_PASS_HZ, fs);
    biquad(x, c, false);
    biquad(x, c, true);
  }
  const e = new Float64Array(n);
  const at = (i: number) => x[Math.min(n - 1, Math.max(0, i))]!;
  for (let i = 0; i < n; i++) {
    const d = ((2 * at(i + 1) + at(i + 2) - at(i - 2) - 2 * at(i - 1)) * fs) / 8;
    e[i] = d * d;
  }
  return e;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The median of the signal's maxima over consecutive blocks: the level of its typical beat. */
function typicalPeak(x: Float64Array, block: number): number {
  const maxima: number[] = [];
  for (let i = 0; i < x.length; i += block) {
    let m = 0;
    for (let k = i; k < Math.min(x.length, i + block); k++) m = Math.max(m, x[k]!);
    maxima.push(m);
  }
  return median(maxima);
}

/** The leads' normalised, clipped, averaged energy. */
function combinedEnergy(leads: readonly Float32Array[], fs: number): { energy: Float64Array; leadsUsed: number } {
  const n = leads[0]?.length ?? 0;
  const energy = new Float64Array(n);
  let leadsUsed = 0;
  for (const mv of leads) {
    const e = leadEnergy(mv, fs);
    if (!e) continue;
    const level = typicalPeak(e, Math.round(fs));
    if (!(level > 0)) continue;
    leadsUsed++;
    for (let i = 0; i < n; i++) energy[i]! += Math.min(CLIP_LEVEL, e[i]! / level);
  }
  if (leadsUsed > 1) for (let i = 0; i < n; i++) energy[i]! /= leadsUsed;
  return { energy, leadsUsed };
}

function integrate(e: Float64Array, width: number): Float64Array {
  const n = e.length;
  const out = new Float64Array(n);
  const half = width >> 1;
  let sum = 0;
  // running sum over [i - half, i + half]
  for (let i = 0; i < Math.min(n, half); i++) sum += e[i]!;
  for (let i = 0; i < n; i++) {
    if (i + half < n) sum += e[i + half]!;
    if (i - half - 1 >= 0) sum -= e[i - half - 1]!;
    out[i] = sum / width;
  }
  return out;
}

interface Peak {
  at: number;
  height: number;
  /** The steepest slope (root of the energy) near the peak, and where it is. */
  slope: number;
  fiducial: number;
}

/** Local maxima of the integrated signal at least `refractory` samples apart (the larger one wins). */
function candidatePeaks(m: Float64Array, e: Float64Array, refractory: number, half: number): Peak[] {
  const peaks: Peak[] = [];
  for (let i = 1; i < m.length - 1; i++) {
    if (!(m[i]! > m[i - 1]! && m[i]! >= m[i + 1]!)) continue;
    const last = peaks[peaks.length - 1];
    if (last && i - last.at < refractory) {
      if (m[i]! > last.height) peaks.pop();
      else continue;
    }
    let fiducial = i;
    for (let k = Math.max(0, i - half); k <= Math.min(m.length - 1, i + half); k++) if (e[k]! > e[fiducial]!) fiducial = k;
    peaks.push({ at: i, height: m[i]!, slope: Math.sqrt(e[fiducial]!), fiducial });
  }
  return peaks;
}

/** Pan-Tompkins' decision rules over the candidate peaks in time order. */
function decide(peaks: Peak[], m: Float64Array, fs: number): Peak[] {
  const block = Math.round(2 * fs);
  let spki = typicalPeak(m, block);
  let npki = median(Array.from(m.filter((_, i) => i % 4 === 0)));
  const threshold = () => npki + 0.25 * (spki - npki);
  const beats: Peak[] = [];
  const rrs: number[] = [];
  const tWindow = Math.round(T_WAVE_WINDOW_S * fs);
  const refractory = Math.round(REFRACTORY_S * fs);
  let noiseSince = 0;

  const accept = (p: Peak, searchBack: boolean): void => {
    const last = beats[beats.length - 1];
    if (last) {
      rrs.push(p.at - last.at);
      if (rrs.length > 8) rrs.shift();
    }
    beats.push(p);
    spki = searchBack ? 0.25 * p.height + 0.75 * spki : 0.125 * p.height + 0.875 * spki;
  };
  const isTWave = (p: Peak): boolean => {
    const last = beats[beats.length - 1];
    return last !== undefined && p.at - last.at < tWindow && p.slope < 0.5 * last.slope;
  };
  /** Takes the largest peak since the last beat above half the threshold while a beat is overdue by `now`. */
  const searchBack = (now: number, upTo: number): void => {
    for (;;) {
      const last = beats[beats.length - 1];
      if (!last || rrs.length === 0) return;
      const rrMean = rrs.reduce((a, b) => a + b, 0) / rrs.length;
      if (now - last.at <= SEARCH_BACK_RR * rrMean) return;
      let best = -1;
      for (let k = noiseSince; k < upTo; k++) {
        const p = peaks[k]!;
        if (p.at - last.at < refractory || now - p.at < refractory) continue;
        if (p.height > 0.5 * threshold() && !isTWave(p) && (best < 0 || p.height > peaks[best]!.height)) best = k;
      }
      if (best < 0) return;
      accept(peaks[best]!, true);
      noiseSince = best + 1;
    }
  };

  for (let k = 0; k < peaks.length; k++) {
    const p = peaks[k]!;
    searchBack(p.at, k);
    const last = beats[beats.length - 1];
    if (last && p.at - last.at < refractory) continue;
    if (p.height > threshold() && !isTWave(p)) {
      accept(p, false);
      noiseSince = k + 1;
    } else {
      npki = 0.125 * p.height + 0.875 * npki;
    }
  }
  searchBack(m.length - 1 + refractory, peaks.length);
  return beats;
}

/**
 * Detects the QRS complexes of a record. `leads` are the record's leads in mV, all of one length, at
 * `samplingRateHz`; NaN marks missing samples. A record shorter than one second gives no beats.
 */
export function detectQrs(leads: readonly Float32Array[], samplingRateHz: number): QrsDetection {
  const fs = samplingRateHz;
  const n = leads[0]?.length ?? 0;
  if (n < fs) return { samples: [], samplingRateHz: fs, leadsUsed: 0 };
  const { energy, leadsUsed } = combinedEnergy(leads, fs);
  if (leadsUsed === 0) return { samples: [], samplingRateHz: fs, leadsUsed };
  const width = Math.max(3, Math.round(INTEGRATION_S * fs) | 1);
  const m = integrate(energy, width);
  const peaks = candidatePeaks(m, energy, Math.round(REFRACTORY_S * fs), width >> 1);
  const beats = decide(peaks, m, fs);
  return { samples: beats.map((b) => b.fiducial).sort((a, b) => a - b), samplingRateHz: fs, leadsUsed };
}
