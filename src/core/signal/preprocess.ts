/**
 * Record -> model input, bit-compatible (to float32 rounding) with training/preprocess.py:
 * 1. select the manifest's leads in the manifest's order;
 * 2. resample each lead with resample_poly (see resample.ts) from the record's rate to the model's rate;
 * 3. cut windows of `inputLength` samples (see windows.ts);
 * 4. z-score each lead of each window: (x - mean) / (std + epsilon), population std, float64 with sequential
 *    left-to-right sums (as the Python reference's np.cumsum), float32 result.
 * The result is the float32 [windows, leads, inputLength] tensor body the model takes.
 * A record with gaps (NaN in any model lead: null segments, EDF+D) is cut at them: each stretch without a gap
 * is resampled and windowed on its own, so no window spans a gap; stretches shorter than one window are
 * left out. A record without gaps is one stretch, exactly as training/preprocess.py treats it.
 */
import type { EcgRecord } from '../formats/record.ts';
import { rateFactors, resampledLength, resamplePlan, resamplePoly } from './resample.ts';
import { windowStarts } from './windows.ts';

export type PreprocessProblem = 'missing-lead' | 'missing-samples' | 'too-short' | 'bad-rate';

export class PreprocessError extends Error {
  constructor(
    readonly file: string,
    readonly problem: PreprocessProblem,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'PreprocessError';
  }
}

/** The parts of a model manifest preprocessing depends on. */
export interface PreprocessSpec {
  samplingRateHz: number;
  inputLength: number;
  leadOrder: readonly string[];
  kaiserBeta: number;
  zscoreEpsilon: number;
  windowOverlap: number;
}

export interface ModelInput {
  leads: readonly string[];
  samplingRateHz: number;
  /** Samples per lead of the whole record at the model's rate. */
  samples: number;
  inputLength: number;
  /** First sample of each window; every window is `inputLength` long. */
  windowStarts: number[];
  /** windowStarts.length x leads x inputLength z-scored values: the model's input, window by window. */
  windows: Float32Array;
}

export type RecordSignal = Pick<EcgRecord, 'sourcePath' | 'samplingRateHz' | 'leads'>;

/** Exact name first, then the reference's rule: trimmed, case-insensitive. */
function findLead(record: RecordSignal, name: string): Float32Array {
  const key = name.toUpperCase();
  const lead = record.leads.find((l) => l.name === name) ?? record.leads.find((l) => l.name.trim().toUpperCase() === key);
  if (!lead) {
    const have = record.leads.map((l) => l.name).join(', ');
    throw new PreprocessError(record.sourcePath, 'missing-lead', `lead ${name} is missing (the record has ${have})`);
  }
  return lead.mv;
}

/** z-scores x[from, from + n) into out[offset, offset + n), operation for operation as preprocess.py's zscore. */
export function zscoreInto(x: Float64Array, from: number, n: number, epsilon: number, out: Float32Array, offset: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[from + i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[from + i]! - mean;
    ss += d * d;
  }
  const denom = Math.sqrt(ss / n) + epsilon;
  for (let i = 0; i < n; i++) out[offset + i] = (x[from + i]! - mean) / denom;
}

/** [start, end) stretches where every signal is finite, and the first non-finite sample (lead, index) if any. */
export function gapFreeStretches(signals: Float32Array[]): { stretches: [number, number][]; first?: { lead: number; index: number } } {
  const n = signals[0]?.length ?? 0;
  const stretches: [number, number][] = [];
  let first: { lead: number; index: number } | undefined;
  let start = -1;
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let l = 0; l < signals.length; l++) {
      if (!Number.isFinite(signals[l]![i]!)) {
        ok = false;
        first ??= { lead: l, index: i };
        break;
      }
    }
    if (ok && start < 0) start = i;
    else if (!ok && start >= 0) {
      stretches.push([start, i]);
      start = -1;
    }
  }
  if (start >= 0) stretches.push([start, n]);
  return { stretches, first };
}

export function preprocessRecord(record: RecordSignal, spec: PreprocessSpec): ModelInput {
  const file = record.sourcePath;
  const signals = spec.leadOrder.map((name) => findLead(record, name));
  let factors: { up: number; down: number };
  try {
    factors = rateFactors(record.samplingRateHz, spec.samplingRateHz);
    // the filter is built (and its size bounded, see resample.ts) before any signal is touched
    resamplePlan(factors.up, factors.down, spec.kaiserBeta);
  } catch (err) {
    throw new PreprocessError(file, 'bad-rate', (err as Error).message);
  }
  const L = spec.inputLength;
  const rate = spec.samplingRateHz;
  const n = signals[0]?.length ?? 0;
  const samples = resampledLength(n, factors.up, factors.down);
  const { stretches, first } = gapFreeStretches(signals);
  // A stretch starts where its first sample falls on the model's sample grid (a multiple of `down`).
  const g = gcd(factors.up, factors.down);
  const up = factors.up / g;
  const down = factors.down / g;
  const aligned = stretches.map(([a, b]): [number, number] => [Math.ceil(a / down) * down, b]).filter(([a, b]) => b > a);
  const usable = aligned.filter(([a, b]) => resampledLength(b - a, up, down) >= L);
  if (usable.length === 0) {
    if (first) {
      throw new PreprocessError(
        file,
        'missing-samples',
        `lead ${spec.leadOrder[first.lead]} has a missing or non-finite sample at index ${first.index}, and no stretch without gaps ` +
          `holds one window of ${L} samples (${(L / rate).toFixed(2)} s) at ${rate} Hz`,
      );
    }
    throw new PreprocessError(
      file,
      'too-short',
      `record is too short: ${samples} samples at ${rate} Hz after resampling (${(samples / rate).toFixed(2)} s); ` +
        `the model needs ${L} (${(L / rate).toFixed(2)} s) and never pads`,
    );
  }
  const C = signals.length;
  const parts = usable.map(([a, b]) => {
    const offset = (a / down) * up;
    let resampled: Float64Array[];
    try {
      resampled = signals.map((s) => resamplePoly(a === 0 && b === n ? s : s.subarray(a, b), up, down, spec.kaiserBeta));
    } catch (err) {
      // a rate no ECG has (1e12 Hz) can make the polyphase filter too large to allocate: say so, naming the file
      throw new PreprocessError(
        file,
        'bad-rate',
        `cannot resample from ${record.samplingRateHz} Hz to ${rate} Hz (${(err as Error).message}); is the header's sampling rate right?`,
      );
    }
    return { offset, resampled, starts: windowStarts(resampled[0]!.length, L, spec.windowOverlap) };
  });
  const total = parts.reduce((k, p) => k + p.starts.length, 0);
  const windows = new Float32Array(total * C * L);
  const starts: number[] = [];
  for (const part of parts) {
    for (const start of part.starts) {
      const w = starts.length;
      part.resampled.forEach((x, l) => zscoreInto(x, start, L, spec.zscoreEpsilon, windows, (w * C + l) * L));
      starts.push(part.offset + start);
    }
  }
  return { leads: spec.leadOrder, samplingRateHz: rate, samples, inputLength: L, windowStarts: starts, windows };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
