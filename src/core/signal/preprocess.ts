/**
 * Record -> model input, bit-compatible (to float32 rounding) with training/preprocess.py:
 * 1. select the manifest's leads in the manifest's order;
 * 2. resample each lead with resample_poly (see resample.ts) from the record's rate to the model's rate;
 * 3. z-score each lead over the whole resampled record: (x - mean) / (std + epsilon), population std, float64;
 * 4. cut windows of `inputLength` samples (see windows.ts).
 * The result is float32, lead-major (lead l, sample t at l * samples + t).
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
  /** Samples per lead at the model's rate. */
  samples: number;
  /** leads.length * samples values, lead-major. */
  data: Float32Array;
  /** First sample of each window; every window is `inputLength` long. */
  windowStarts: number[];
}

export type RecordSignal = Pick<EcgRecord, 'sourcePath' | 'samplingRateHz' | 'leads'>;

function findLead(record: RecordSignal, name: string): Float32Array {
  const exact = record.leads.find((l) => l.name === name);
  const lead = exact ?? record.leads.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (!lead) {
    const have = record.leads.map((l) => l.name).join(', ');
    throw new PreprocessError(record.sourcePath, 'missing-lead', `lead ${name} is missing (the record has ${have})`);
  }
  return lead.mv;
}

/** z-scores one lead in float64, exactly as numpy's mean/std(ddof=0) followed by the float32 cast. */
export function zscoreInto(x: Float64Array, epsilon: number, out: Float32Array, offset: number): void {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  const denom = Math.sqrt(ss / n) + epsilon;
  for (let i = 0; i < n; i++) out[offset + i] = (x[i]! - mean) / denom;
}

export function preprocessRecord(record: RecordSignal, spec: PreprocessSpec): ModelInput {
  const file = record.sourcePath;
  const signals = spec.leadOrder.map((name) => findLead(record, name));
  for (let l = 0; l < signals.length; l++) {
    const s = signals[l]!;
    const bad = s.findIndex((v) => !Number.isFinite(v));
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
    const needS = spec.inputLength / spec.samplingRateHz;
    const haveS = samples / spec.samplingRateHz;
    throw new PreprocessError(
      file,
      'too-short',
      `record is ${haveS.toFixed(2)} s long; the model needs at least ${needS.toFixed(2)} s (${spec.inputLength} samples at ${spec.samplingRateHz} Hz)`,
    );
  }
  const data = new Float32Array(resampled.length * samples);
  resampled.forEach((x, l) => zscoreInto(x, spec.zscoreEpsilon, data, l * samples));
  return {
    leads: spec.leadOrder,
    samplingRateHz: spec.samplingRateHz,
    samples,
    data,
    windowStarts: windowStarts(samples, spec.inputLength, spec.windowOverlap),
  };
}

/** Copies the windows at `starts` into one [batch, leads, inputLength] tensor body. */
export function windowBatch(input: ModelInput, inputLength: number, starts: readonly number[] = input.windowStarts): Float32Array {
  const nLeads = input.leads.length;
  const out = new Float32Array(starts.length * nLeads * inputLength);
  starts.forEach((start, w) => {
    for (let l = 0; l < nLeads; l++) {
      const src = l * input.samples + start;
      out.set(input.data.subarray(src, src + inputLength), (w * nLeads + l) * inputLength);
    }
  });
  return out;
}
