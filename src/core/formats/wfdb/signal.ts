/**
 * Decoding of WFDB signal files (formats 8, 16, 24, 32, 61, 80, 212, 310, 311) into per-signal integer arrays.
 * One pass over the file's bytes, no per-sample allocation.
 */
import { EcgFormatError } from '../errors.ts';

export const SUPPORTED_FORMATS = [8, 16, 24, 32, 61, 80, 212, 310, 311] as const;

/** The digital value wfdb-python reads as "no sample" (NaN); format 8 has none. */
export const INVALID_SAMPLE: Record<number, number | undefined> = {
  8: undefined,
  16: -(2 ** 15),
  61: -(2 ** 15),
  24: -(2 ** 23),
  32: -(2 ** 31),
  80: -(2 ** 7),
  212: -(2 ** 11),
  310: -(2 ** 9),
  311: -(2 ** 9),
};

/** Bytes needed for n interleaved samples in a format. */
export function bytesForSamples(format: number, n: number): number {
  switch (format) {
    case 8:
    case 80:
      return n;
    case 16:
    case 61:
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
      return Math.ceil(n / 3) * 4;
    default:
      throw new Error(`bytesForSamples: unsupported format ${format}`);
  }
}

/** Whole interleaved samples the given byte count holds. */
export function samplesInBytes(format: number, bytes: number): number {
  switch (format) {
    case 8:
    case 80:
      return bytes;
    case 16:
    case 61:
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
      return Math.floor(bytes / 4) * 3;
    default:
      throw new Error(`samplesInBytes: unsupported format ${format}`);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/**
 * Decodes `frames` frames of `nSig` interleaved signals starting at `offset`.
 * `initial` gives each signal's starting value for format 8 (first differences).
 */
export function decodeSignals(
  path: string,
  bytes: Buffer,
  format: number,
  nSig: number,
  frames: number,
  offset: number,
  initial: number[],
): Int32Array[] {
  const total = frames * nSig;
  const need = bytesForSamples(format, total);
  if (offset + need > bytes.length) {
    const have = Math.floor(samplesInBytes(format, Math.max(0, bytes.length - offset)) / Math.max(nSig, 1));
    throw new EcgFormatError(
      path,
      'truncated',
      `signal file holds ${have} samples per signal after byte offset ${offset}, the header needs ${frames}`,
    );
  }
  const out = Array.from({ length: nSig }, () => new Int32Array(frames));
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, need);
  const put = (k: number, v: number) => {
    out[k % nSig][(k / nSig) | 0] = v;
  };
  switch (format) {
    case 16:
      if ((bytes.byteOffset + offset) % 2 === 0 && LITTLE_ENDIAN_HOST) {
        const src = new Int16Array(bytes.buffer, bytes.byteOffset + offset, total);
        for (let s = 0; s < nSig; s++) {
          const dst = out[s];
          for (let f = 0, k = s; f < frames; f++, k += nSig) dst[f] = src[k];
        }
      } else {
        for (let f = 0, p = 0; f < frames; f++) for (let s = 0; s < nSig; s++, p += 2) out[s][f] = view.getInt16(p, true);
      }
      break;
    case 61:
      for (let f = 0, p = 0; f < frames; f++) for (let s = 0; s < nSig; s++, p += 2) out[s][f] = view.getInt16(p, false);
      break;
    case 32:
      for (let f = 0, p = 0; f < frames; f++) for (let s = 0; s < nSig; s++, p += 4) out[s][f] = view.getInt32(p, true);
      break;
    case 24:
      for (let f = 0, p = 0; f < frames; f++)
        for (let s = 0; s < nSig; s++, p += 3)
          out[s][f] = sext(view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getUint8(p + 2) << 16), 24);
      break;
    case 80:
      for (let f = 0, p = 0; f < frames; f++) for (let s = 0; s < nSig; s++, p++) out[s][f] = view.getUint8(p) - 128;
      break;
    case 8: {
      const acc = initial.slice(0, nSig);
      for (let f = 0, p = 0; f < frames; f++)
        for (let s = 0; s < nSig; s++, p++) {
          acc[s] += view.getInt8(p);
          out[s][f] = acc[s];
        }
      break;
    }
    case 212:
      for (let k = 0, p = 0; k < total; k += 2, p += 3) {
        const b0 = view.getUint8(p);
        const b1 = view.getUint8(p + 1);
        put(k, sext(b0 | ((b1 & 0x0f) << 8), 12));
        if (k + 1 < total) put(k + 1, sext(view.getUint8(p + 2) | ((b1 & 0xf0) << 4), 12));
      }
      break;
    case 310:
      for (let k = 0, p = 0; k < total; k += 3, p += 4) {
        const w0 = view.getUint16(p, true);
        put(k, sext((w0 >> 1) & 0x3ff, 10));
        if (k + 1 >= total) break;
        const w1 = view.getUint16(p + 2, true);
        put(k + 1, sext((w1 >> 1) & 0x3ff, 10));
        if (k + 2 < total) put(k + 2, sext(((w0 >> 11) & 0x1f) | (((w1 >> 11) & 0x1f) << 5), 10));
      }
      break;
    case 311:
      for (let k = 0, p = 0; k < total; k += 3, p += 4) {
        const w = view.getUint32(p, true);
        put(k, sext(w & 0x3ff, 10));
        if (k + 1 < total) put(k + 1, sext((w >>> 10) & 0x3ff, 10));
        if (k + 2 < total) put(k + 2, sext((w >>> 20) & 0x3ff, 10));
      }
      break;
    default:
      throw new EcgFormatError(path, 'unsupported-encoding', `WFDB storage format ${format} is not supported`);
  }
  return out;
}

/** True when a header checksum (the 16-bit sum of a signal's samples; headers write it signed or not) matches the sum. */
export function checksumMatches(sampleSum: number, checksum: number): boolean {
  return ((sampleSum - checksum) & 0xffff) === 0;
}
