/**
 * Decoding of WFDB signal files into per-signal integer arrays: the binary formats (8, 16, 24, 32, 61, 80, 160,
 * 212, 310, 311) here, the FLAC formats (508, 516, 524) in flac.ts. A file holds frames; a frame holds
 * `samplesPerFrame` consecutive samples of each of its signals in turn. One pass over the bytes, no per-sample
 * allocation.
 */
import { EcgFormatError } from '../errors.ts';

export const BINARY_FORMATS = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311] as const;
export const FLAC_FORMATS = [508, 516, 524] as const;
export const SUPPORTED_FORMATS = [...BINARY_FORMATS, ...FLAC_FORMATS] as const;

export const isFlacFormat = (format: number): boolean => (FLAC_FORMATS as readonly number[]).includes(format);

/** The digital value wfdb-python reads as "no sample" (NaN); format 8 has none. */
export const INVALID_SAMPLE: Record<number, number | undefined> = {
  8: undefined,
  16: -(2 ** 15),
  61: -(2 ** 15),
  160: -(2 ** 15),
  24: -(2 ** 23),
  32: -(2 ** 31),
  80: -(2 ** 7),
  212: -(2 ** 11),
  310: -(2 ** 9),
  311: -(2 ** 9),
  508: -(2 ** 7),
  516: -(2 ** 15),
  524: -(2 ** 23),
};

/** Samples packed together in one group of bytes (212: 2 in 3 bytes, 310/311: 3 in 4 bytes). */
export function samplesPerBlock(format: number): number {
  return format === 212 ? 2 : format === 310 || format === 311 ? 3 : 1;
}

/** Bytes needed for n samples in a binary format. */
export function bytesForSamples(format: number, n: number): number {
  switch (format) {
    case 8:
    case 80:
      return n;
    case 16:
    case 61:
    case 160:
      return 2 * n;
    case 24:
      return 3 * n;
    case 32:
      return 4 * n;
    case 212:
      return Math.floor(n / 2) * 3 + (n % 2 ? 2 : 0);
    case 310:
      return Math.floor(n / 3) * 4 + [0, 2, 4][n % 3];
    case 311:
      // sample k of a group occupies bits 10k..10k+9 of a little-endian word
      return Math.floor(n / 3) * 4 + [0, 2, 3][n % 3];
    default:
      throw new Error(`bytesForSamples: unsupported format ${format}`);
  }
}

/** Whole samples the given byte count holds, counting those a partial last group holds entirely. */
export function samplesInBytes(format: number, bytes: number): number {
  switch (format) {
    case 8:
    case 80:
      return bytes;
    case 16:
    case 61:
    case 160:
      return Math.floor(bytes / 2);
    case 24:
      return Math.floor(bytes / 3);
    case 32:
      return Math.floor(bytes / 4);
    case 212:
      return Math.floor(bytes / 3) * 2 + (bytes % 3 >= 2 ? 1 : 0);
    case 310:
      return Math.floor(bytes / 4) * 3 + (bytes % 4 >= 2 ? 1 : 0);
    case 311:
      return Math.floor(bytes / 4) * 3 + [0, 0, 1, 2][bytes % 4];
    default:
      throw new Error(`samplesInBytes: unsupported format ${format}`);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/**
 * The first `total` samples of a binary signal file after `offset`, in file order. Format 8 yields the stored
 * first differences (see splitFrames); the caller has checked that the bytes hold `total` samples.
 */
export function decodeSamples(path: string, bytes: Buffer, format: number, total: number, offset: number): Int32Array {
  const need = bytesForSamples(format, total);
  if (offset + need > bytes.length) {
    throw new EcgFormatError(
      path,
      'truncated',
      `signal file needs ${need} bytes after byte offset ${offset}, it has ${bytes.length - offset}`,
    );
  }
  const out = new Int32Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, need);
  switch (format) {
    case 16:
      if ((bytes.byteOffset + offset) % 2 === 0 && LITTLE_ENDIAN_HOST)
        out.set(new Int16Array(bytes.buffer, bytes.byteOffset + offset, total));
      else for (let k = 0; k < total; k++) out[k] = view.getInt16(2 * k, true);
      break;
    case 61:
      for (let k = 0; k < total; k++) out[k] = view.getInt16(2 * k, false);
      break;
    case 160:
      for (let k = 0; k < total; k++) out[k] = view.getUint16(2 * k, true) - 32768;
      break;
    case 32:
      for (let k = 0; k < total; k++) out[k] = view.getInt32(4 * k, true);
      break;
    case 24:
      for (let k = 0, p = 0; k < total; k++, p += 3)
        out[k] = sext(view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getUint8(p + 2) << 16), 24);
      break;
    case 80:
      for (let k = 0; k < total; k++) out[k] = view.getUint8(k) - 128;
      break;
    case 8:
      for (let k = 0; k < total; k++) out[k] = view.getInt8(k);
      break;
    case 212:
      for (let k = 0, p = 0; k < total; k += 2, p += 3) {
        const b0 = view.getUint8(p);
        const b1 = view.getUint8(p + 1);
        out[k] = sext(b0 | ((b1 & 0x0f) << 8), 12);
        if (k + 1 < total) out[k + 1] = sext(view.getUint8(p + 2) | ((b1 & 0xf0) << 4), 12);
      }
      break;
    case 310:
      for (let k = 0, p = 0; k < total; k += 3, p += 4) {
        const w0 = view.getUint16(p, true);
        out[k] = sext((w0 >> 1) & 0x3ff, 10);
        if (k + 1 >= total) break;
        const w1 = view.getUint16(p + 2, true);
        out[k + 1] = sext((w1 >> 1) & 0x3ff, 10);
        if (k + 2 < total) out[k + 2] = sext(((w0 >> 11) & 0x1f) | (((w1 >> 11) & 0x1f) << 5), 10);
      }
      break;
    case 311:
      for (let k = 0, p = 0; k < total; k += 3, p += 4) {
        // a partial last group may stop after 2 or 3 bytes
        const w =
          view.getUint8(p) |
          (view.getUint8(p + 1) << 8) |
          (p + 2 < need ? view.getUint8(p + 2) << 16 : 0) |
          (p + 3 < need ? view.getUint8(p + 3) << 24 : 0);
        out[k] = sext(w & 0x3ff, 10);
        if (k + 1 < total) out[k + 1] = sext((w >>> 10) & 0x3ff, 10);
        if (k + 2 < total) out[k + 2] = sext((w >>> 20) & 0x3ff, 10);
      }
      break;
    default:
      throw new EcgFormatError(path, 'unsupported-encoding', `WFDB storage format ${format} is not a binary format`);
  }
  return out;
}

/**
 * Splits `frames` frames of samples in file order into one array per signal of `frames * samplesPerFrame[s]`
 * samples. Format 8 stores first differences: each signal's samples are its running sum from `initial[s]`,
 * as wfdb-python and the WFDB library compute them.
 */
export function splitFrames(flat: Int32Array, frames: number, samplesPerFrame: number[], format: number, initial: number[]): Int32Array[] {
  const frameSize = samplesPerFrame.reduce((a, b) => a + b, 0);
  const out = samplesPerFrame.map((spf) => new Int32Array(frames * spf));
  if (samplesPerFrame.every((spf) => spf === 1)) {
    const nSig = samplesPerFrame.length;
    for (let s = 0; s < nSig; s++) {
      const dst = out[s];
      for (let f = 0, k = s; f < frames; f++, k += nSig) dst[f] = flat[k];
    }
  } else {
    let first = 0;
    samplesPerFrame.forEach((spf, s) => {
      const dst = out[s];
      for (let f = 0, j = 0; f < frames; f++) for (let i = 0, k = f * frameSize + first; i < spf; i++) dst[j++] = flat[k + i];
      first += spf;
    });
  }
  if (format === 8) {
    out.forEach((dst, s) => {
      let acc = initial[s] ?? 0;
      for (let j = 0; j < dst.length; j++) dst[j] = acc = (acc + dst[j]) | 0;
    });
  }
  return out;
}

/** True when a header checksum (the 16-bit sum of a signal's samples; headers write it signed or not) matches the sum. */
export function checksumMatches(sampleSum: number, checksum: number): boolean {
  return ((sampleSum - checksum) & 0xffff) === 0;
}
