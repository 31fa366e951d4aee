/**
 * The checks and assembly every hospital reader shares: lead scaling to mV, sampling-rate sanity,
 * duplicated / mismatched / missing leads, limb-lead derivation, standard lead order.
 */
import { EcgFormatError } from '../errors.ts';
import { finishRecord } from '../finish.ts';
import { checkHeaderLimits, MAX_TOTAL_SAMPLES } from '../limits.ts';
import { isStandardLead, toMillivoltFactor } from '../leadNames.ts';
import { STANDARD_LEADS, type EcgRecord, type FormatId, type Lead } from '../record.ts';
import type { ReadInput } from '../reader.ts';
import { basename } from 'node:path';

/** A rate that is a positive number; whether it is within the limits is limits.ts's business. */
export function checkSamplingRate(path: string, hz: number, what = 'sampling rate'): number {
  if (!Number.isFinite(hz) || hz <= 0) {
    throw new EcgFormatError(path, 'bad-value', `${what} ${hz} Hz is not a usable ECG sampling rate`);
  }
  return hz;
}

/** A count that is a positive integer within the memory budget (see limits.ts) even for one lead. */
export function checkSampleCount(path: string, n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0 || n > MAX_TOTAL_SAMPLES) {
    throw new EcgFormatError(path, 'bad-value', `${what}: ${n} samples per lead is not a usable count`);
  }
  return n;
}

/** A stored lead from integers: mv = (adc - baseline) / gain, gain in ADC units per storedUnit. */
export function leadFromAdc(path: string, name: string, adc: Int32Array, gain: number, baseline: number, storedUnit: string): Lead {
  const factor = toMillivoltFactor(storedUnit);
  if (factor === undefined) {
    throw new EcgFormatError(path, 'bad-value', `lead ${name}: unit "${storedUnit}" is not a voltage`);
  }
  if (!Number.isFinite(gain) || gain === 0) {
    throw new EcgFormatError(path, 'bad-value', `lead ${name}: amplitude resolution gives gain ${gain}`);
  }
  const mv = new Float32Array(adc.length);
  for (let k = 0; k < adc.length; k++) mv[k] = ((adc[k] - baseline) / gain) * factor;
  return { name, unit: 'mV', storedUnit, derived: false, mv, adc, gain, baseline };
}

export interface Assembly {
  format: FormatId;
  input: ReadInput;
  samplingRateHz: number;
  leads: Lead[];
  warnings: string[];
  recordName?: string;
  annotations?: EcgRecord['annotations'];
  clinical?: EcgRecord['clinical'];
  identifying?: EcgRecord['identifying'];
  origin?: EcgRecord['origin'];
  extra?: Record<string, unknown>;
}

/** Validates the lead set and builds the record; the one place a hospital EcgRecord is made. */
export function assembleRecord(a: Assembly): EcgRecord {
  const path = a.input.path;
  checkSamplingRate(path, a.samplingRateHz);
  checkHeaderLimits(a.input, {
    format: a.format,
    samplingRateHz: a.samplingRateHz,
    samplesPerLead: a.leads[0]?.mv.length,
    channels: a.leads.length,
  });
  if (a.leads.length === 0) throw new EcgFormatError(path, 'bad-header', 'the file holds no ECG leads');
  const seen = new Set<string>();
  for (const lead of a.leads) {
    if (seen.has(lead.name)) throw new EcgFormatError(path, 'inconsistent', `lead ${lead.name} is stored twice`);
    seen.add(lead.name);
  }
  for (const lead of a.leads) checkSampleCount(path, lead.mv.length, `lead ${lead.name}`);
  const rec = finishRecord(
    {
      format: a.format,
      sourcePath: path,
      sourceFiles: [path],
      recordName: a.recordName ?? basename(path).replace(/\.[^.]*$/, ''),
      samplingRateHz: a.samplingRateHz,
      leads: a.leads,
      annotations: a.annotations ?? [],
      clinical: a.clinical ?? {},
      identifying: a.identifying ?? {},
      warnings: [...a.warnings],
      ...(a.origin ? { origin: a.origin } : {}),
      ...(a.extra ? { extra: a.extra } : {}),
    },
    a.input.options,
  );
  const missing = STANDARD_LEADS.filter((s) => !rec.leads.some((l) => l.name === s));
  if (missing.length > 0 && rec.leads.some((l) => isStandardLead(l.name))) {
    rec.warnings.push(`${basename(path)}: standard lead(s) ${missing.join(', ')} missing from the file`);
  }
  return rec;
}

/** Parses a decimal number from a file field, or throws naming the field. */
export function num(path: string, value: string | undefined, field: string): number {
  const v = value === undefined ? Number.NaN : Number(value.trim());
  if (value === undefined || value.trim() === '' || !Number.isFinite(v)) {
    throw new EcgFormatError(path, 'bad-header', `${field} is missing or not a number (${JSON.stringify(value)})`);
  }
  return v;
}

export function optNum(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = Number(value.trim());
  return Number.isFinite(v) ? v : undefined;
}

/** Strict base64 (whitespace allowed): Buffer.from silently skips junk, which would hide corruption. */
export function decodeBase64(path: string, b64: string, what: string): Buffer {
  const clean = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new EcgFormatError(path, 'bad-value', `${what}: waveform data is not valid base64`);
  }
  return Buffer.from(clean, 'base64');
}

/** Little-endian int16 samples, refusing a payload longer or shorter than declared. */
export function int16le(path: string, bytes: Buffer, declared: number, what: string): Int32Array {
  const have = Math.floor(bytes.length / 2);
  if (have > declared) {
    throw new EcgFormatError(path, 'inconsistent', `${what}: data holds ${have} samples, more than the ${declared} declared`);
  }
  if (have < declared || bytes.length % 2 !== 0) {
    throw new EcgFormatError(path, 'truncated', `${what}: data holds ${have} samples, fewer than the ${declared} declared`);
  }
  const out = new Int32Array(declared);
  for (let k = 0; k < declared; k++) out[k] = bytes.readInt16LE(2 * k);
  return out;
}

export function sexFrom(value: string | undefined): 'male' | 'female' | 'other' | 'unknown' | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toUpperCase();
  if (v === 'M' || v === 'MALE') return 'male';
  if (v === 'F' || v === 'FEMALE') return 'female';
  if (v === 'O' || v === 'OTHER') return 'other';
  return v === '' ? undefined : 'unknown';
}
