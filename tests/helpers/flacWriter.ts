/**
 * A minimal FLAC encoder for test fixtures (WFDB formats 508/516/524), written from the FLAC format
 * specification (RFC 9639): STREAMINFO, fixed-blocksize frames, independent channels, VERBATIM subframes,
 * CRC-8 frame headers and CRC-16 frame footers. No compression: it exists so tests can write any integer
 * sequence and check that the decoder hands every value back; wfdb-python (libsndfile) reads the same files.
 */

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private bits = 0;

  /** Writes the low `n` bits of v (n <= 32), most significant first; v may be negative (two's complement). */
  write(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | (Math.floor(v / 2 ** i) & 1);
      if (++this.bits === 8) {
        this.bytes.push(this.acc & 0xff);
        this.acc = 0;
        this.bits = 0;
      }
    }
  }

  align(): void {
    if (this.bits > 0) this.write(0, 8 - this.bits);
  }

  get length(): number {
    return this.bytes.length;
  }

  toBytes(): number[] {
    return [...this.bytes];
  }
}

function crc8(bytes: number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The frame number in FLAC's UTF-8-like coding. */
function utf8Number(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  let bytes = 2;
  while (n >= 2 ** (5 * bytes + 1)) bytes++;
  for (let i = bytes - 1; i > 0; i--) out.unshift(0x80 | ((n >> (6 * (bytes - 1 - i))) & 0x3f));
  const lead = (0xff << (8 - bytes)) & 0xff;
  out.unshift(lead | (n >> (6 * (bytes - 1))));
  return out;
}

const SAMPLE_SIZE_CODE: Record<number, number> = { 8: 1, 16: 4, 24: 6 };

/** A FLAC stream of `channels` (equal lengths) at `bitsPerSample` (8, 16 or 24). */
export function encodeFlac(channels: ArrayLike<number>[], bitsPerSample: number, blockSize = 4096): Buffer {
  const nCh = channels.length;
  const n = channels[0]?.length ?? 0;
  if (nCh < 1 || nCh > 8) throw new Error(`encodeFlac: ${nCh} channels`);
  if (!(bitsPerSample in SAMPLE_SIZE_CODE)) throw new Error(`encodeFlac: ${bitsPerSample} bits`);
  const head = new BitWriter();
  head.write(0x664c6143, 32); // "fLaC"
  head.write(1, 1); // last metadata block
  head.write(0, 7); // STREAMINFO
  head.write(34, 24);
  head.write(Math.min(blockSize, Math.max(n, 16)), 16);
  head.write(Math.min(blockSize, Math.max(n, 16)), 16);
  head.write(0, 24);
  head.write(0, 24);
  head.write(96000, 20); // what libFLAC-written WFDB files state; WFDB ignores it
  head.write(nCh - 1, 3);
  head.write(bitsPerSample - 1, 5);
  head.write(Math.floor(n / 2 ** 32), 4);
  head.write(n % 2 ** 32, 32);
  for (let i = 0; i < 4; i++) head.write(0, 32); // MD5 unknown
  const out = head.toBytes();
  for (let frame = 0, start = 0; start < n; frame++, start += blockSize) {
    const size = Math.min(blockSize, n - start);
    const f = new BitWriter();
    f.write(0b11111111111110, 14);
    f.write(0, 1);
    f.write(0, 1); // fixed block size
    f.write(7, 4); // block size - 1 in 16 bits after the header
    f.write(0b1011, 4); // 96 kHz, stated in every frame as libFLAC does
    f.write(nCh - 1, 4); // independent channels
    f.write(SAMPLE_SIZE_CODE[bitsPerSample], 3);
    f.write(0, 1);
    for (const b of utf8Number(frame)) f.write(b, 8);
    f.write(size - 1, 16);
    f.write(crc8(f.toBytes()), 8);
    for (const ch of channels) {
      f.write(0, 1);
      f.write(0b000001, 6); // VERBATIM
      f.write(0, 1);
      for (let i = 0; i < size; i++) f.write(ch[start + i], bitsPerSample);
    }
    f.align();
    const bytes = f.toBytes();
    out.push(...bytes);
    const crc = crc16(bytes);
    out.push(crc >> 8, crc & 0xff);
  }
  return Buffer.from(out);
}
