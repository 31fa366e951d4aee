/**
 * WFDB formats 508, 516 and 524: a signal file that is a FLAC stream (RFC 9639) with one channel per signal and
 * 8, 16 or 24 bits per sample, as newer PhysioNet databases store them. A small synchronous decoder of our own:
 * it walks the frames in order (no sync search, so sample data that looks like a frame header cannot derail
 * it), checks every frame's CRC-8 and CRC-16, and returns exact integers. It replaced @wasm-audio-decoders/flac,
 * which dropped valid frames whose data held a sync-like pattern and returns float32
 * (tests/formats/wfdbFeatures.test.ts, bench/formats.bench.ts).
 */
import { EcgFormatError } from '../errors.ts';

export interface FlacSignals {
  channels: Int32Array[];
  bitsPerSample: number;
}

export const looksLikeFlac = (bytes: Uint8Array): boolean =>
  bytes.length >= 4 && bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 && bytes[3] === 0x43;

class Damaged extends Error {}

/** Big-endian bit reader over a byte array; reads past the end throw Damaged. */
class Bits {
  pos = 0; // in bits
  constructor(private readonly b: Uint8Array) {}

  get bytePos(): number {
    return this.pos >>> 3;
  }

  /** n <= 32 bits as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    let p = this.pos;
    const end = p + n;
    if (end > this.b.length * 8) throw new Damaged('stream ends inside a frame');
    let v = 0;
    while (p < end) {
      const byte = this.b[p >>> 3];
      const off = p & 7;
      const take = Math.min(8 - off, end - p);
      v = v * (1 << take) + ((byte >>> (8 - off - take)) & ((1 << take) - 1));
      p += take;
    }
    this.pos = end;
    return v;
  }

  signed(n: number): number {
    if (n === 0) return 0;
    const v = this.read(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  /** Zeros before the next 1 bit (FLAC's unary code). */
  unary(): number {
    const b = this.b;
    let p = this.pos;
    let count = 0;
    for (;;) {
      const i = p >>> 3;
      if (i >= b.length) throw new Damaged('stream ends inside a frame');
      const off = p & 7;
      const bits = (b[i] << off) & 0xff;
      if (bits === 0) {
        count += 8 - off;
        p += 8 - off;
        continue;
      }
      const lead = Math.clz32(bits) - 24;
      count += lead;
      this.pos = p + lead + 1;
      return count;
    }
  }

  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
  let d = i << 8;
  for (let k = 0; k < 8; k++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
  CRC16[i] = d;
}

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]];
  return c;
}

function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]];
  return c;
}

interface StreamInfo {
  bitsPerSample: number;
  channels: number;
  totalSamples: number;
}

function readMetadata(r: Bits): StreamInfo {
  r.read(32); // fLaC
  let info: StreamInfo | undefined;
  for (let last = 0; !last;) {
    last = r.read(1);
    const type = r.read(7);
    const length = r.read(24);
    const start = r.bytePos;
    if (type === 0) {
      if (length < 34) throw new Damaged('STREAMINFO block is too short');
      r.read(16 + 16 + 24 + 24 + 20);
      const channels = r.read(3) + 1;
      const bitsPerSample = r.read(5) + 1;
      const totalSamples = r.read(4) * 2 ** 32 + r.read(32);
      info = { channels, bitsPerSample, totalSamples };
    } else if (type === 127) throw new Damaged('invalid metadata block type 127');
    r.pos = (start + length) * 8;
  }
  if (!info) throw new Damaged('stream has no STREAMINFO block');
  return info;
}

const BLOCK_SIZES = [0, 192, 576, 1152, 2304, 4608, -8, -16, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
const SAMPLE_SIZES = [0, 8, 12, 0, 16, 20, 24, 32];

/** The residual of a subframe, added onto the prediction in `out` from `order` on. */
function readResidual(r: Bits, out: Int32Array | Float64Array, blockSize: number, order: number): void {
  const method = r.read(2);
  if (method > 1) throw new Damaged(`reserved residual coding method ${method}`);
  const paramBits = method === 0 ? 4 : 5;
  const escape = method === 0 ? 15 : 31;
  const partitionOrder = r.read(4);
  const partitions = 1 << partitionOrder;
  const perPartition = blockSize >>> partitionOrder;
  if (perPartition << partitionOrder !== blockSize || perPartition < order) throw new Damaged('residual partitions do not fit the block');
  let i = order;
  for (let p = 0; p < partitions; p++) {
    const end = (p + 1) * perPartition;
    const k = r.read(paramBits);
    if (k === escape) {
      const n = r.read(5);
      for (; i < end; i++) out[i] = r.signed(n);
    } else {
      for (; i < end; i++) {
        const u = r.unary() * 2 ** k + r.read(k);
        // zigzag: 0, -1, 1, -2, ... encoded as 0, 1, 2, 3, ...
        out[i] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      }
    }
  }
}

const FIXED: number[][] = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

/** Decodes one subframe of `bps` bits into out[0, blockSize). Float64 holds 24-bit side channels and LPC sums exactly. */
function readSubframe(r: Bits, out: Float64Array, blockSize: number, bps: number): void {
  if (r.read(1) !== 0) throw new Damaged('subframe padding bit is set');
  const type = r.read(6);
  let wasted = 0;
  if (r.read(1)) wasted = r.unary() + 1;
  const bits = bps - wasted;
  if (type === 0) {
    out.fill(r.signed(bits), 0, blockSize);
  } else if (type === 1) {
    for (let i = 0; i < blockSize; i++) out[i] = r.signed(bits);
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    if (order > blockSize) throw new Damaged('predictor order exceeds the block size');
    for (let i = 0; i < order; i++) out[i] = r.signed(bits);
    readResidual(r, out, blockSize, order);
    const c = FIXED[order];
    for (let i = order; i < blockSize; i++) {
      let pred = 0;
      for (let j = 0; j < order; j++) pred += c[j] * out[i - 1 - j];
      out[i] += pred;
    }
  } else if (type >= 32) {
    const order = type - 31;
    if (order > blockSize) throw new Damaged('predictor order exceeds the block size');
    for (let i = 0; i < order; i++) out[i] = r.signed(bits);
    const precision = r.read(4) + 1;
    if (precision === 16) throw new Damaged('invalid LPC coefficient precision');
    const shift = r.signed(5);
    if (shift < 0) throw new Damaged('negative LPC shift');
    const coefs = new Float64Array(order);
    for (let j = 0; j < order; j++) coefs[j] = r.signed(precision);
    readResidual(r, out, blockSize, order);
    const div = 2 ** shift;
    for (let i = order; i < blockSize; i++) {
      let sum = 0;
      for (let j = 0; j < order; j++) sum += coefs[j] * out[i - 1 - j];
      out[i] += Math.floor(sum / div);
    }
  } else throw new Damaged(`reserved subframe type ${type}`);
  if (wasted > 0) {
    const m = 2 ** wasted;
    for (let i = 0; i < blockSize; i++) out[i] *= m;
  }
}

/** Decodes a whole FLAC file into one integer array per channel, refusing more than maxSamples in all. */
export function decodeFlac(path: string, bytes: Uint8Array, maxSamples = 2 ** 26): FlacSignals {
  if (!looksLikeFlac(bytes))
    throw new EcgFormatError(path, 'bad-value', 'signal file of a FLAC format (508/516/524) does not start with fLaC');
  const r = new Bits(bytes);
  let frame = 0;
  try {
    const info = readMetadata(r);
    const { channels: nCh, bitsPerSample } = info;
    if (![8, 16, 24].includes(bitsPerSample)) {
      throw new EcgFormatError(path, 'unsupported-encoding', `FLAC stream has ${bitsPerSample} bits per sample; WFDB uses 8, 16 or 24`);
    }
    if (info.totalSamples * nCh > maxSamples) {
      throw new EcgFormatError(
        path,
        'too-large',
        `FLAC stream declares ${info.totalSamples} samples in ${nCh} channels, more than the ${maxSamples} this reader holds`,
      );
    }
    const known = info.totalSamples > 0;
    let capacity = known ? info.totalSamples : 1 << 16;
    let channels = Array.from({ length: nCh }, () => new Int32Array(capacity));
    let n = 0;
    const sub = Array.from({ length: 2 }, () => new Float64Array(65536));
    while (r.bytePos < bytes.length && (!known || n < info.totalSamples)) {
      const start = r.bytePos;
      if (r.read(15) !== 0b111111111111100) throw new Damaged('frame sync code missing');
      r.read(1); // blocking strategy: frames are read in order, the numbering is not needed
      const bsCode = r.read(4);
      const rateCode = r.read(4);
      const assignment = r.read(4);
      const sizeCode = r.read(3);
      if (r.read(1)) throw new Damaged('reserved frame header bit is set');
      // the frame or sample number, UTF-8 coded
      const ones = Math.clz32(~(r.read(8) << 24));
      if (ones === 1 || ones > 7) throw new Damaged('malformed frame number');
      const extra = ones === 0 ? 0 : ones - 1;
      for (let i = 0; i < extra; i++) if (r.read(8) >>> 6 !== 2) throw new Damaged('malformed frame number');
      let blockSize = BLOCK_SIZES[bsCode];
      if (blockSize === -8) blockSize = r.read(8) + 1;
      else if (blockSize === -16) blockSize = r.read(16) + 1;
      if (blockSize === 0) throw new Damaged('reserved block size code');
      if (rateCode === 12) r.read(8);
      else if (rateCode === 13 || rateCode === 14) r.read(16);
      else if (rateCode === 15) throw new Damaged('invalid sample rate code');
      const headerEnd = r.bytePos;
      if (r.read(8) !== crc8(bytes, start, headerEnd)) throw new Damaged('frame header CRC-8 mismatch');
      const frameBps = sizeCode === 0 ? bitsPerSample : SAMPLE_SIZES[sizeCode];
      if (frameBps !== bitsPerSample) throw new Damaged(`frame of ${frameBps} bits per sample in a ${bitsPerSample}-bit stream`);
      const frameChannels = assignment < 8 ? assignment + 1 : assignment <= 10 ? 2 : 0;
      if (frameChannels !== nCh) throw new Damaged(`frame of ${frameChannels || 'reserved'} channels in a ${nCh}-channel stream`);
      if (n + blockSize > capacity) {
        if (known) throw new Damaged('frames hold more samples than STREAMINFO declares');
        capacity = Math.max(capacity * 2, n + blockSize);
        if (capacity * nCh > maxSamples)
          throw new EcgFormatError(path, 'too-large', `FLAC stream holds more than the ${maxSamples} samples this reader holds`);
        channels = channels.map((c) => {
          const grown = new Int32Array(capacity);
          grown.set(c.subarray(0, n));
          return grown;
        });
      }
      if (sub[0].length < blockSize) for (let i = 0; i < 2; i++) sub[i] = new Float64Array(blockSize);
      if (assignment < 8) {
        for (let c = 0; c < nCh; c++) {
          readSubframe(r, sub[0], blockSize, frameBps);
          const dst = channels[c];
          for (let i = 0; i < blockSize; i++) dst[n + i] = sub[0][i];
        }
      } else {
        // stereo decorrelation: the side channel has one more bit
        readSubframe(r, sub[0], blockSize, frameBps + (assignment === 9 ? 1 : 0));
        readSubframe(r, sub[1], blockSize, frameBps + (assignment === 9 ? 0 : 1));
        const [a, b] = sub;
        const left = channels[0];
        const right = channels[1];
        for (let i = 0; i < blockSize; i++) {
          if (assignment === 8) {
            left[n + i] = a[i];
            right[n + i] = a[i] - b[i];
          } else if (assignment === 9) {
            right[n + i] = b[i];
            left[n + i] = a[i] + b[i];
          } else {
            const mid = a[i] * 2 + (b[i] & 1);
            left[n + i] = (mid + b[i]) / 2;
            right[n + i] = (mid - b[i]) / 2;
          }
        }
      }
      r.align();
      const end = r.bytePos;
      if (r.read(16) !== crc16(bytes, start, end)) throw new Damaged('frame CRC-16 mismatch');
      n += blockSize;
      frame++;
    }
    if (known && n < info.totalSamples) throw new Damaged(`stream holds ${n} of the ${info.totalSamples} samples STREAMINFO declares`);
    return { channels: channels.map((c) => (c.length === n ? c : c.slice(0, n))), bitsPerSample };
  } catch (err) {
    if (err instanceof Damaged) throw new EcgFormatError(path, 'bad-value', `FLAC stream is damaged at frame ${frame}: ${err.message}`);
    throw err;
  }
}
