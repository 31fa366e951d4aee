/**
 * Small writers for test fixtures: WFDB (every storage format we read, samples per frame, skew, multi-segment
 * records), MATLAB v4 (CinC style), EDF/EDF+ (continuous and discontinuous), CSV.
 * They encode from the spec independently of the readers, so round trips test both directions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFlac } from './flacWriter.ts';

export const FORMAT_RANGE: Record<number, [number, number]> = {
  8: [-128, 127], // the difference range; values themselves are bounded by the test
  16: [-32767, 32767],
  61: [-32767, 32767],
  160: [-32767, 32767],
  508: [-127, 127],
  516: [-32767, 32767],
  524: [-(2 ** 23) + 1, 2 ** 23 - 1],
  24: [-(2 ** 23) + 1, 2 ** 23 - 1],
  32: [-(2 ** 31) + 1, 2 ** 31 - 1],
  80: [-127, 127],
  212: [-2047, 2047],
  310: [-511, 511],
  311: [-511, 511],
};

/** Interleaved samples (frame-major) -> bytes of one WFDB signal file. */
export function encodeWfdb(format: number, interleaved: number[], nSig: number, initial: number[] = []): Buffer {
  const n = interleaved.length;
  const u = (v: number, bits: number) => v & ((1 << bits) - 1);
  switch (format) {
    case 16:
    case 61: {
      const b = Buffer.alloc(2 * n);
      interleaved.forEach((v, i) => (format === 16 ? b.writeInt16LE(v, 2 * i) : b.writeInt16BE(v, 2 * i)));
      return b;
    }
    case 160: {
      const b = Buffer.alloc(2 * n);
      interleaved.forEach((v, i) => b.writeUInt16LE(v + 32768, 2 * i));
      return b;
    }
    case 24: {
      const b = Buffer.alloc(3 * n);
      interleaved.forEach((v, i) => b.writeIntLE(v, 3 * i, 3));
      return b;
    }
    case 32: {
      const b = Buffer.alloc(4 * n);
      interleaved.forEach((v, i) => b.writeInt32LE(v, 4 * i));
      return b;
    }
    case 80:
      return Buffer.from(interleaved.map((v) => v + 128));
    case 8: {
      const prev = initial.slice(0, nSig);
      return Buffer.from(
        interleaved.map((v, i) => {
          const d = v - prev[i % nSig];
          prev[i % nSig] = v;
          if (d < -128 || d > 127) throw new Error(`format 8 cannot store a step of ${d}`);
          return d & 0xff;
        }),
      );
    }
    case 212: {
      const out: number[] = [];
      for (let i = 0; i < n; i += 2) {
        const a = u(interleaved[i], 12);
        const c = i + 1 < n ? u(interleaved[i + 1], 12) : 0;
        out.push(a & 0xff, ((a >> 8) & 0x0f) | ((c >> 4) & 0xf0));
        if (i + 1 < n) out.push(c & 0xff);
      }
      return Buffer.from(out);
    }
    case 310: {
      const out: number[] = [];
      for (let i = 0; i < n; i += 3) {
        const a = u(interleaved[i], 10);
        const bb = i + 1 < n ? u(interleaved[i + 1], 10) : 0;
        const c = i + 2 < n ? u(interleaved[i + 2], 10) : 0;
        const w0 = (a << 1) | ((c & 0x1f) << 11);
        const w1 = (bb << 1) | ((c >> 5) << 11);
        out.push(w0 & 0xff, w0 >> 8);
        if (i + 1 < n) out.push(w1 & 0xff, w1 >> 8);
      }
      return Buffer.from(out);
    }
    case 311: {
      const b = Buffer.alloc(Math.ceil(n / 3) * 4);
      for (let i = 0; i < n; i += 3) {
        const w = u(interleaved[i], 10) | (u(interleaved[i + 1] ?? 0, 10) << 10) | (u(interleaved[i + 2] ?? 0, 10) << 20);
        b.writeUInt32LE(w >>> 0, (i / 3) * 4);
      }
      return b;
    }
    default:
      throw new Error(`encodeWfdb: format ${format}`);
  }
}

export interface WfdbSignal {
  name: string;
  /** The record's samples: frames * samplesPerFrame of them. */
  adc: number[];
  gain?: number;
  baseline?: number;
  units?: string;
  /** Samples per frame (default 1). */
  samplesPerFrame?: number;
  /**
   * Skew in frames: record sample j is stored `skew` frames later, so the file holds only the first
   * frames - skew of `adc` (the rest cannot be stored and read back as missing).
   */
  skew?: number;
}

export const FLAC_BITS: Record<number, number> = { 508: 8, 516: 16, 524: 24 };

export interface WfdbFixture {
  dir: string;
  record: string;
  fs: number;
  format: number;
  signals: WfdbSignal[];
  /** Signals per file, in order; default all in one file. */
  split?: number[];
  byteOffset?: number;
  /** Replace the written checksum of signal 0 (to test mismatch warnings). */
  badChecksum?: boolean;
  /** Omit the sample count from the record line. */
  omitLength?: boolean;
  comments?: string[];
}

/** Writes `<record>.hea` and its signal file(s); returns the header path. */
export function writeWfdb(f: WfdbFixture): string {
  const split = f.split ?? [f.signals.length];
  const spf = (s: WfdbSignal) => s.samplesPerFrame ?? 1;
  const n = f.signals[0].adc.length / spf(f.signals[0]);
  const lines = [`${f.record} ${f.signals.length} ${f.fs}${f.omitLength ? '' : ` ${n}`}`];
  let first = 0;
  split.forEach((count, fileIndex) => {
    const sigs = f.signals.slice(first, first + count);
    first += count;
    const fileName = `${f.record}${split.length > 1 ? `_${fileIndex}` : ''}.dat`;
    // What the file stores per signal, frame by frame: a skewed signal's samples sit `skew` frames later.
    const stored = sigs.map((s) => {
      const k = (s.skew ?? 0) * spf(s);
      return k === 0 ? s.adc : [...s.adc.slice(0, k).fill(0), ...s.adc.slice(0, s.adc.length - k)];
    });
    const offset = f.byteOffset ?? 0;
    let body: Buffer;
    if (f.format in FLAC_BITS) {
      // For FLAC the offset counts samples per channel.
      body = encodeFlac(
        stored.map((x) => [...new Array<number>(offset * spf(sigs[0])).fill(0), ...x]),
        FLAC_BITS[f.format],
      );
    } else {
      const interleaved: number[] = [];
      for (let i = 0; i < n; i++) sigs.forEach((s, k) => interleaved.push(...stored[k].slice(i * spf(s), (i + 1) * spf(s))));
      const encoded = f.format === 8 ? encodeFormat8(sigs.map(spf), interleaved, stored) : encodeWfdb(f.format, interleaved, sigs.length);
      body = Buffer.concat([Buffer.alloc(offset, 0xee), encoded]);
    }
    writeFileSync(join(f.dir, fileName), body);
    sigs.forEach((s, k) => {
      let sum = stored[k].reduce((a, v) => (a + v) | 0, 0) & 0xffff;
      if (f.badChecksum && s === f.signals[0]) sum = (sum + 1) & 0xffff;
      const fmt = `${f.format}${spf(s) > 1 ? `x${spf(s)}` : ''}${s.skew ? `:${s.skew}` : ''}${offset ? `+${offset}` : ''}`;
      const gain = `${s.gain ?? 200}${s.baseline !== undefined ? `(${s.baseline})` : ''}/${s.units ?? 'mV'}`;
      lines.push(`${fileName} ${fmt} ${gain} 16 0 ${stored[k][0]} ${sum} 0 ${s.name}`);
    });
  });
  lines.push(...(f.comments ?? []).map((c) => `#${c}`));
  const path = join(f.dir, `${f.record}.hea`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Format 8 with samples per frame: each signal's first differences run over its own samples in order. */
function encodeFormat8(spf: number[], interleaved: number[], stored: number[][]): Buffer {
  if (spf.every((v) => v === 1))
    return encodeWfdb(
      8,
      interleaved,
      spf.length,
      stored.map((x) => x[0]),
    );
  const prev = stored.map((x) => x[0]);
  const frameSize = spf.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  for (let i = 0; i < interleaved.length; i++) {
    let p = i % frameSize;
    let s = 0;
    while (p >= spf[s]) p -= spf[s++];
    const d = interleaved[i] - prev[s];
    if (d < -128 || d > 127) throw new Error(`format 8 cannot store a step of ${d}`);
    prev[s] = interleaved[i];
    out.push(d & 0xff);
  }
  return Buffer.from(out);
}

export interface SegmentFixture {
  /** Segment record name, or '~' for a null segment (a gap) of `frames` frames. */
  name: string;
  frames: number;
  /** The segment's own record (written with writeWfdb), absent for null segments. */
  fixture?: Omit<WfdbFixture, 'dir' | 'record' | 'fs'>;
}

/**
 * A multi-segment record: `<record>.hea` listing the segments, each written as its own record beside it.
 * With `layout` (variable layout) a layout header `<record>_layout.hea` of length 0 names the record's signals.
 */
export function writeMultiSegment(opts: {
  dir: string;
  record: string;
  fs: number;
  segments: SegmentFixture[];
  layout?: WfdbSignal[];
}): string {
  const { dir, record, fs } = opts;
  const segments = [...opts.segments];
  if (opts.layout) {
    const name = `${record}_layout`;
    const sigLines = opts.layout.map(
      (s) => `~ 0${(s.samplesPerFrame ?? 1) > 1 ? `x${s.samplesPerFrame}` : ''} ${s.gain ?? 200}/${s.units ?? 'mV'} 16 0 0 0 0 ${s.name}`,
    );
    writeFileSync(join(dir, `${name}.hea`), [`${name} ${opts.layout.length} ${fs} 0`, ...sigLines].join('\n') + '\n');
    segments.unshift({ name, frames: 0 });
  }
  for (const seg of segments) if (seg.fixture) writeWfdb({ ...seg.fixture, dir, record: seg.name, fs });
  const total = segments.reduce((a, s) => a + s.frames, 0);
  const nSig = opts.layout?.length ?? segments.find((s) => s.fixture)!.fixture!.signals.length;
  const lines = [`${record}/${segments.length} ${nSig} ${fs} ${total}`, ...segments.map((s) => `${s.name} ${s.frames}`)];
  const path = join(dir, `${record}.hea`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** MATLAB v4 int16 matrix `name` (rows x cols, column-major) as CinC writes it. */
export function encodeMatV4(name: string, rows: number, cols: number, columnMajor: number[], type = 30): Buffer {
  const head = Buffer.alloc(20);
  head.writeInt32LE(type, 0);
  head.writeInt32LE(rows, 4);
  head.writeInt32LE(cols, 8);
  head.writeInt32LE(0, 12);
  head.writeInt32LE(name.length + 1, 16);
  const data = Buffer.alloc(2 * columnMajor.length);
  columnMajor.forEach((v, i) => data.writeInt16LE(v, 2 * i));
  return Buffer.concat([head, Buffer.from(name + '\0', 'latin1'), data]);
}

export interface EdfSignal {
  label: string;
  physDim: string;
  physMin: number;
  physMax: number;
  digMin: number;
  digMax: number;
  /** Digital samples, samplesPerRecord * nRecords. */
  digital: number[];
  samplesPerRecord: number;
}

const pad = (s: string, n: number) => s.slice(0, n).padEnd(n, ' ');

export function encodeEdf(opts: {
  signals: EdfSignal[];
  recordDuration: number;
  nRecords: number;
  patient?: string;
  edfPlus?: boolean;
  declaredRecords?: number;
  /** EDF+D: the onset in seconds of each data record, written as its time-keeping annotation. */
  onsets?: number[];
}): Buffer {
  const { nRecords, onsets } = opts;
  const signals = onsets ? [...opts.signals, edfAnnotations(onsets)] : opts.signals;
  const ns = signals.length;
  const kind = onsets ? 'EDF+D' : opts.edfPlus === false ? '' : 'EDF+C';
  let h = pad('0', 8) + pad(opts.patient ?? 'X M 01-JAN-1970 Test_Person', 80) + pad('Startdate 02-MAR-2020 X X X', 80);
  h += '02.03.20' + '10.11.12' + pad(String(256 * (ns + 1)), 8) + pad(kind, 44);
  h += pad(String(opts.declaredRecords ?? nRecords), 8) + pad(String(opts.recordDuration), 8) + pad(String(ns), 4);
  const col = (f: (s: EdfSignal) => string, w: number) => signals.map((s) => pad(f(s), w)).join('');
  h += col((s) => s.label, 16) + col(() => 'AgAgCl electrode', 80) + col((s) => s.physDim, 8);
  h +=
    col((s) => String(s.physMin), 8) + col((s) => String(s.physMax), 8) + col((s) => String(s.digMin), 8) + col((s) => String(s.digMax), 8);
  h += col(() => 'HP:0.05Hz', 80) + col((s) => String(s.samplesPerRecord), 8) + col(() => '', 32);
  const body: number[] = [];
  for (let r = 0; r < nRecords; r++)
    for (const s of signals) body.push(...s.digital.slice(r * s.samplesPerRecord, (r + 1) * s.samplesPerRecord));
  const data = Buffer.alloc(2 * body.length);
  body.forEach((v, i) => data.writeInt16LE(v, 2 * i));
  return Buffer.concat([Buffer.from(h, 'latin1'), data]);
}

/** The 'EDF Annotations' signal holding one time-keeping TAL ("+onset" 0x14 0x14 0x00) per data record. */
function edfAnnotations(onsets: number[]): EdfSignal {
  const samplesPerRecord = 16;
  const digital = onsets.flatMap((onset) => {
    const tal = Buffer.alloc(2 * samplesPerRecord);
    tal.write(`+${onset}\x14\x14\x00`, 'latin1');
    return Array.from({ length: samplesPerRecord }, (_, k) => tal.readInt16LE(2 * k));
  });
  return { label: 'EDF Annotations', physDim: '', physMin: -1, physMax: 1, digMin: -32768, digMax: 32767, digital, samplesPerRecord };
}

export function encodeCsv(columns: string[], rows: (number | string)[][], comments: string[] = [], delimiter = ','): string {
  return [...comments.map((c) => `# ${c}`), columns.join(delimiter), ...rows.map((r) => r.join(delimiter))].join('\n') + '\n';
}
