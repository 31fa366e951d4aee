/**
 * Compact binary forms of signals and attribution maps. Signals keep the file's integers (int16 with gain and
 * baseline) when that reproduces every millivolt value exactly, else float32; maps are float16. Bytes are
 * split into planes (all low bytes, then all high bytes) before deflate, which roughly halves smooth data.
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import type { EcgRecord, Lead } from '../formats/record.ts';
import { StoreError } from './errors.ts';
import { fromHalf, toHalfArray } from './float16.ts';

export interface StoredLead {
  name: string;
  storedUnit: string;
  derived: boolean;
  encoding: 'int16' | 'float32';
  gain?: number;
  baseline?: number;
  /** The stored integer that means "missing" (decoded as NaN), when the lead has missing samples. */
  missingAdc?: number;
}

function shuffle(bytes: Uint8Array, width: number): Buffer {
  const n = bytes.length / width;
  const out = Buffer.allocUnsafe(bytes.length);
  for (let b = 0; b < width; b++) for (let i = 0; i < n; i++) out[b * n + i] = bytes[i * width + b]!;
  return out;
}

function unshuffle(bytes: Uint8Array, width: number): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < width; b++) for (let i = 0; i < n; i++) out[i * width + b] = bytes[b * n + i]!;
  return out;
}

/** The millivolt value a stored integer stands for; the formats layer computes it the same way. */
function adcToMv(adc: number, gain: number, baseline: number): number {
  return Math.fround((adc - baseline) / gain);
}

/** The int16 form of a lead when it reproduces `mv` bit for bit, else null. */
function int16Form(lead: Lead): { values: Int16Array; missingAdc?: number } | null {
  const { adc, gain, baseline, mv } = lead;
  if (!adc || gain === undefined || baseline === undefined || gain === 0 || adc.length !== mv.length) return null;
  const values = new Int16Array(adc.length);
  let missingAdc: number | undefined;
  for (let i = 0; i < adc.length; i++) {
    const a = adc[i]!;
    if (a < -32768 || a > 32767) return null;
    values[i] = a;
    if (Number.isNaN(mv[i]!)) {
      if (missingAdc === undefined) missingAdc = a;
      else if (missingAdc !== a) return null;
    } else if (adcToMv(a, gain, baseline) !== mv[i]) return null;
  }
  if (missingAdc !== undefined && adc.some((a, i) => a === missingAdc && !Number.isNaN(mv[i]!))) return null;
  return { values, missingAdc };
}

export interface EncodedSignal {
  leads: StoredLead[];
  data: Buffer;
}

/** The per-lead forms and the shuffled bytes, before deflate. */
function signalBody(leads: Lead[]): { leads: StoredLead[]; body: Buffer } {
  const stored: StoredLead[] = [];
  const planes16: Buffer[] = [];
  const planes32: Buffer[] = [];
  for (const lead of leads) {
    const base = { name: lead.name, storedUnit: lead.storedUnit, derived: lead.derived };
    const int16 = int16Form(lead);
    if (int16) {
      stored.push({ ...base, encoding: 'int16', gain: lead.gain, baseline: lead.baseline, missingAdc: int16.missingAdc });
      planes16.push(Buffer.from(int16.values.buffer, int16.values.byteOffset, int16.values.byteLength));
    } else {
      stored.push({ ...base, encoding: 'float32' });
      planes32.push(Buffer.from(lead.mv.buffer, lead.mv.byteOffset, lead.mv.byteLength));
    }
  }
  // int16 leads first, then float32 leads, each group shuffled with its own width.
  return { leads: stored, body: Buffer.concat([shuffle(Buffer.concat(planes16), 2), shuffle(Buffer.concat(planes32), 4)]) };
}

// level 1: 5% larger than level 6 (13.6 vs 13.0 KiB per PTB-XL record) in a quarter of the time (0.19 vs 0.71 ms)
const SIGNAL_DEFLATE = { level: 1 };
// level 1 for maps: the mantissa bytes are noise, higher levels gain ~1% for twice the time
const MAP_DEFLATE = { level: 1 };

export function encodeSignal(leads: Lead[]): EncodedSignal {
  const { leads: stored, body } = signalBody(leads);
  return { leads: stored, data: deflateSync(body, SIGNAL_DEFLATE) };
}

/**
 * Largest blob the store inflates: above any record the readers accept (24 M samples at 4 bytes), so a row
 * whose declared sizes were forged large still cannot make the store allocate without bound.
 */
export const MAX_BLOB_BYTES = 128 * 2 ** 20;

/**
 * Inflates a blob that must produce exactly `length` bytes. zlib stops at the limit, so a blob that would
 * inflate to more (a decompression bomb in a package) is refused without allocating its output.
 */
export function inflateExactly(data: Uint8Array, length: number, what: string): Buffer {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_BLOB_BYTES) {
    throw new StoreError('corrupt', `${what} declares ${length} bytes, more than the ${MAX_BLOB_BYTES} any record needs`);
  }
  let body: Buffer;
  try {
    body = inflateSync(data, { maxOutputLength: Math.max(1, length) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new StoreError('corrupt', `${what} inflates to more than the ${length} bytes it must hold (refused unread)`);
    }
    throw new StoreError('corrupt', `${what} is not valid deflate data (${(err as Error).message})`);
  }
  if (body.length !== length) throw new StoreError('corrupt', `${what} inflates to ${body.length} bytes, expected ${length}`);
  return body;
}

/** Bytes a signal blob inflates to: 2 per int16 sample, 4 per float32 sample. */
export function signalBytes(stored: readonly StoredLead[], samplesPerLead: number): number {
  return stored.reduce((n, l) => n + (l.encoding === 'int16' ? 2 : 4) * samplesPerLead, 0);
}

export function decodeSignal(stored: StoredLead[], data: Buffer, samplesPerLead: number, what = 'signal blob'): Lead[] {
  const body = inflateExactly(data, signalBytes(stored, samplesPerLead), what);
  const n16 = stored.filter((l) => l.encoding === 'int16').length * samplesPerLead;
  const ints = new Int16Array(unshuffle(body.subarray(0, n16 * 2), 2).buffer);
  const floats = new Float32Array(unshuffle(body.subarray(n16 * 2), 4).buffer);
  let i16 = 0;
  let i32 = 0;
  return stored.map((s) => {
    const common = { name: s.name, unit: 'mV' as const, storedUnit: s.storedUnit, derived: s.derived };
    if (s.encoding === 'float32') {
      const mv = floats.slice(i32, i32 + samplesPerLead);
      i32 += samplesPerLead;
      return { ...common, mv };
    }
    const adc = Int32Array.from(ints.subarray(i16, i16 + samplesPerLead));
    i16 += samplesPerLead;
    const mv = new Float32Array(samplesPerLead);
    for (let i = 0; i < samplesPerLead; i++) {
      mv[i] = adc[i] === s.missingAdc ? Number.NaN : adcToMv(adc[i]!, s.gain!, s.baseline!);
    }
    return { ...common, mv, adc, gain: s.gain, baseline: s.baseline };
  });
}

/**
 * Identity of an ECG for de-duplication: sampling rate, lead names and millivolt samples, so the same recording
 * read from different files or formats hashes the same, and header-only differences do not matter.
 */
export function signalHash(record: Pick<EcgRecord, 'samplingRateHz' | 'leads'>): string {
  const h = createHash('sha256');
  h.update(`${record.samplingRateHz}\n`);
  for (const lead of record.leads) {
    h.update(`${lead.name}\n`);
    h.update(new Uint8Array(lead.mv.buffer, lead.mv.byteOffset, lead.mv.byteLength));
  }
  return h.digest('hex');
}

export const MAP_ENCODING = 'float16-shuffle-deflate';

function mapBody(values: Float32Array): Buffer {
  const halves = toHalfArray(values);
  return shuffle(new Uint8Array(halves.buffer), 2);
}

/** The form maps were stored in before migration 10 (runs now store a digest); kept as decodeMap's inverse. */
export function encodeMap(values: Float32Array): Buffer {
  return deflateSync(mapBody(values), MAP_DEFLATE);
}

export function decodeMap(data: Buffer, length: number, what = 'attribution map'): Float32Array {
  const halves = new Uint16Array(unshuffle(inflateExactly(data, 2 * length, what), 2).buffer);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = fromHalf(halves[i]!);
  return out;
}
