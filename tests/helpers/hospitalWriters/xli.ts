/** Our own XLI encoder (the inverse of src/core/formats/hospital/xli.ts), for fixtures and round-trip tests. */

const CODE_BITS = 10;
const MAX_CODE = (1 << CODE_BITS) - 2;

/** LZW with fixed 10-bit MSB-first codes, no clear code; the dictionary stops growing when full. */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const dict = new Map<string, number>();
  let nextCode = 256;
  const codes: number[] = [];
  let w = '';
  let wCode = -1;
  for (const byte of input) {
    const wc = w + String.fromCharCode(byte);
    const hit = wc.length === 1 ? byte : dict.get(wc);
    if (hit !== undefined) {
      w = wc;
      wCode = hit;
      continue;
    }
    codes.push(wCode);
    if (nextCode <= MAX_CODE) dict.set(wc, nextCode++);
    w = String.fromCharCode(byte);
    wCode = byte;
  }
  if (wCode >= 0) codes.push(wCode);
  const out = new Uint8Array(Math.ceil((codes.length * CODE_BITS) / 8));
  let bit = 0;
  for (const code of codes) {
    for (let b = CODE_BITS - 1; b >= 0; b--, bit++) {
      if ((code >> b) & 1) out[bit >> 3] |= 0x80 >> (bit & 7);
    }
  }
  return out;
}

/** Second differences offset by 64, split into high bytes then low bytes; returns the bytes and `first`. */
export function xliDelta(samples: Int32Array): { bytes: Uint8Array; first: number } {
  const n = samples.length;
  const values = new Int32Array(n);
  values[0] = samples[0];
  if (n > 1) values[1] = samples[1];
  const residual = (i: number) => 2 * samples[i - 1] - samples[i - 2] - samples[i];
  const first = n > 2 ? residual(2) : 0;
  for (let i = 2; i < n; i++) values[i] = i + 1 < n ? residual(i + 1) + 64 : 64;
  const bytes = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    if (values[i] < -32768 || values[i] > 32767) throw new Error(`XLI value ${values[i]} at ${i} does not fit int16`);
    bytes[i] = (values[i] >> 8) & 0xff;
    bytes[n + i] = values[i] & 0xff;
  }
  return { bytes, first };
}

export function xliChunk(samples: Int32Array): Buffer {
  const { bytes, first } = xliDelta(samples);
  const lzw = lzwEncode(bytes);
  const header = Buffer.alloc(8);
  header.writeInt32LE(lzw.length, 0);
  header.writeInt16LE(first, 6);
  return Buffer.concat([header, lzw]);
}

/** The residuals XLI stores for III, aVR, aVL, aVF (inverse of restoreLimbLeads), leads in standard order. */
export function limbResiduals(leads: Int32Array[]): Int32Array[] {
  const [i, ii, iii, avr, avl, avf] = leads;
  const f = Math.floor;
  return [
    i,
    ii,
    iii.map((v, k) => ii[k] - i[k] - v),
    avr.map((v, k) => -v - f((i[k] + ii[k]) / 2)),
    avl.map((v, k) => f((i[k] - iii[k]) / 2) - v),
    avf.map((v, k) => f((ii[k] + iii[k]) / 2) - v),
    ...leads.slice(6),
  ];
}

export function xliEncode(leads: Int32Array[]): Buffer {
  return Buffer.concat(limbResiduals(leads).map(xliChunk));
}
