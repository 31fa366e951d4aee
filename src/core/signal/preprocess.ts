/**
 * Record -> model input, bit-compatible (to float32 rounding) with training/preprocess.py:
 * 1. select the manifest's leads in the manifest's order;
 * 2. resample each lead with resample_poly (see resample.ts) from the record's rate to the model's rate;
 * 3. cut windows of `inputLength` samples (see windows.ts);
 * 4. z-score each lead of each window: (x - mean) / (std + epsilon), population std, float64 with sequential
 *    left-to-right sums (as the Python reference's np.cumsum), float32 result.
 * The result is the float32 [windows, leads, inputLength] tensor body the model takes.
 */
import type { EcgRecord } from '../formats/record.ts';
import { rateFactors, resamplePoly } from './resample.ts';
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

function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return i;
  return -1;
}

export function preprocessRecord(record: RecordSignal, spec: PreprocessSpec): ModelInput {
  const file = record.sourcePath;
  const signals = spec.leadOrder.map((name) => findLead(record, name));
  for (let l = 0; l < signals.length; l++) {
    const bad = firstNonFinite(signals[l]!);
    if (bad >= 0) {
      throw new PreprocessError(
        file,
        'missing-samples',
        `lead ${spec.leadOrder[l]} has a missing or non-finite sample at index ${bad}; the model needs complete leads`,
      );
    }
  }
  let factors: { up: number; down: number };
  try {
    factors = rateFactors(record.samplingRateHz, spec.samplingRateHz);
  } catch (err) {
    throw new PreprocessError(file, 'bad-rate', (err as Error).message);
  }
  const resampled = signals.map((s) => resamplePoly(s, factors.up, factors.down, spec.kaiserBeta));
  const samples = resampled[0]?.length ?? 0;
  if (samples < spec.inputLength) {
    const rate = spec.samplingRateHz;
    throw new PreprocessError(
      file,
      'too-short',
      `record is too short: ${samples} samples at ${rate} Hz after resampling (${(samples / rate).toFixed(2)} s); ` +
        `the model needs ${spec.inputLength} (${(spec.inputLength / rate).toFixed(2)} s) and never pads`,
    );
  }
  const L = spec.inputLength;
  const starts = windowStarts(samples, L, spec.windowOverlap);
  const C = resampled.length;
  const windows = new Float32Array(starts.length * C * L);
  starts.forEach((start, w) => {
    resampled.forEach((x, l) => zscoreInto(x, start, L, spec.zscoreEpsilon, windows, (w * C + l) * L));
  });
  return { leads: spec.leadOrder, samplingRateHz: spec.samplingRateHz, samples, inputLength: L, windowStarts: starts, windows };
}
