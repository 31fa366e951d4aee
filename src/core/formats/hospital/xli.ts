/**
 * Philips XLI waveform compression, as documented by the public sierra-ecg-tools decoders: per lead, an 8-byte
 * header (int32 LE compressed size, int16 unused, int16 LE first second-difference) then LZW data with fixed
 * 10-bit MSB-first codes and no clear code. The LZW output is the high bytes of every value followed by their
 * low bytes; the values are second differences (offset by 64) that integrate back to the samples.
 */

/** Thrown for corrupt or over-long XLI data; the reader turns it into an EcgFormatError naming the file. */
export class XliError extends Error {
  constructor(
    message: string,
    readonly kind: 'truncated' | 'corrupt' | 'too-long',
  ) {
    super(message);
  }
}

const CODE_BITS = 10;
const MAX_CODE = (1 << CODE_BITS) - 2;

/** LZW-decodes one chunk, refusing to produce more than maxBytes (a decompression bomb stops early). */
export function lzwDecode(data: Uint8Array, maxBytes: number): Uint8Array {
  const table: Uint8Array[] = [];
  for (let i = 0; i < 256; i++) table.push(Uint8Array.of(i));
  const out = new Uint8Array(maxBytes);
  let outLen = 0;
  let previous: Uint8Array | undefined;
  let bitBuffer = 0;
  let bitCount = 0;
  let offset = 0;
  for (;;) {
    while (bitCount < CODE_BITS && offset < data.length) {
      bitBuffer = ((bitBuffer << 8) | data[offset++]) & 0xffffff;
      bitCount += 8;
    }
    if (bitCount < CODE_BITS) break;
    const code = (bitBuffer >>> (bitCount - CODE_BITS)) & ((1 << CODE_BITS) - 1);
    bitCount -= CODE_BITS;
    if (code > MAX_CODE) break;
    let entry: Uint8Array;
    if (code < table.length) {
      entry = table[code];
    } else if (code === table.length && previous) {
      entry = new Uint8Array(previous.length + 1);
      entry.set(previous);
      entry[previous.length] = previous[0];
    } else {
      throw new XliError(`LZW code ${code} refers to no dictionary entry (${table.length} defined)`, 'corrupt');
    }
    if (previous && table.length <= MAX_CODE) {
      const next = new Uint8Array(previous.length + 1);
      next.set(previous);
      next[previous.length] = entry[0];
      table.push(next);
    }
    if (outLen + entry.length > maxBytes) {
      throw new XliError(`LZW data expands past ${maxBytes} bytes`, 'too-long');
    }
    out.set(entry, outLen);
    outLen += entry.length;
    previous = entry;
  }
  return out.subarray(0, outLen);
}

const int16 = (v: number) => (v << 16) >> 16;

/** Integrates the stored second differences back into samples (int16 wrap-around as the format defines). */
export function xliUndelta(bytes: Uint8Array, first: number): Int32Array {
  const n = Math.ceil(bytes.length / 2);
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = int16((bytes[i] << 8) | (n + i < bytes.length ? bytes[n + i] : 0));
  if (n < 3) return values;
  let x = values[0];
  let y = values[1];
  let last = first;
  for (let i = 2; i < n; i++) {
    const z = 2 * y - x - last;
    last = values[i] - 64;
    values[i] = int16(z);
    x = y;
    y = z;
  }
  return values;
}

/** Decodes the first `leads` chunks, each to exactly `samples` values. */
export function xliDecode(data: Uint8Array, leads: number, samples: number): Int32Array[] {
  const out: Int32Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (out.length < leads) {
    if (offset + 8 > data.length) {
      throw new XliError(`XLI data ends after ${out.length} of ${leads} leads`, 'truncated');
    }
    const size = view.getInt32(offset, true);
    const first = view.getInt16(offset + 6, true);
    offset += 8;
    if (size < 0 || offset + size > data.length) {
      throw new XliError(`XLI chunk ${out.length + 1} declares ${size} bytes, ${data.length - offset} remain`, 'truncated');
    }
    // an odd byte count is padded with a zero low byte, so 2 * samples bytes is the most a lead may hold
    const bytes = lzwDecode(data.subarray(offset, offset + size), 2 * samples);
    offset += size;
    const values = xliUndelta(bytes, first);
    if (values.length < samples) {
      throw new XliError(`XLI lead ${out.length + 1} decodes to ${values.length} samples, fewer than the ${samples} declared`, 'truncated');
    }
    out.push(values);
  }
  return out;
}

/**
 * XLI stores III, aVR, aVL, aVF as residuals against what I and II predict; this restores them in place
 * (leads in the order I, II, III, aVR, aVL, aVF).
 */
export function restoreLimbLeads(leads: Int32Array[]): void {
  const [i, ii, iii, avr, avl, avf] = leads;
  for (let k = 0; k < i.length; k++) {
    iii[k] = int16(ii[k] - i[k] - iii[k]);
    avr[k] = int16(-avr[k] - Math.floor((i[k] + ii[k]) / 2));
    avl[k] = int16(Math.floor((i[k] - iii[k]) / 2) - avl[k]);
    avf[k] = int16(Math.floor((ii[k] + iii[k]) / 2) - avf[k]);
  }
}
