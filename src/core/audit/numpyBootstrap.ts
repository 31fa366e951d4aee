/**
 * numpy's `np.random.default_rng(seed)` (SeedSequence -> PCG64, XSL-RR output) and `Generator.integers(0, n, n)`
 * (Lemire's bounded method on the generator's buffered 32-bit halves), reproduced bit for bit, so that
 * `evaluate` draws the very bootstrap resamples training/metrics.py drew for the model card and its confidence
 * intervals equal the card's. The app's own reports keep src/shared/seededRandom.ts; this exists only to match
 * numpy. Checked against numpy at test time (tests/audit/classification.test.ts).
 */
const M32 = 0xffffffff;
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

const mul32 = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const xshift = (v: number): number => (v ^ (v >>> 16)) >>> 0;

/** SeedSequence(seed).generate_state(nWords, uint32) for a non-negative integer seed. */
export function seedSequenceState(seed: number, nWords: number): Uint32Array {
  const entropy: number[] = [];
  let rest = BigInt(seed);
  do {
    entropy.push(Number(rest & 0xffffffffn));
    rest >>= 32n;
  } while (rest > 0n);
  let hashA = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashA) >>> 0;
    hashA = mul32(hashA, MULT_A);
    return xshift(mul32(value, hashA));
  };
  const mix = (x: number, y: number): number => xshift((mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) >>> 0);
  const pool = Array.from({ length: POOL_SIZE }, (_, i) => hashmix(i < entropy.length ? entropy[i]! : 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
  }
  const out = new Uint32Array(nWords);
  let hashB = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL_SIZE]! ^ hashB) >>> 0;
    hashB = mul32(hashB, MULT_B);
    v = mul32(v, hashB);
    out[i] = xshift(v);
  }
  return out;
}

const MASK128 = (1n << 128n) - 1n;
const MASK64 = (1n << 64n) - 1n;
const PCG_MULT = (2549297995355413924n << 64n) + 4865540595714422341n;

/** numpy.random.Generator(PCG64(SeedSequence(seed))): the parts integers() uses. */
export class NumpyPcg64 {
  private state = 0n;
  private readonly inc: bigint;
  private half: number | null = null;

  constructor(seed: number) {
    const w = seedSequenceState(seed, 8);
    // generate_state(4, uint64): little-endian pairs of 32-bit words
    const u64 = [0, 1, 2, 3].map((i) => (BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]!));
    const initState = (u64[0]! << 64n) | u64[1]!;
    const initSeq = (u64[2]! << 64n) | u64[3]!;
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.step();
    this.state = (this.state + initState) & MASK128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & MASK128;
  }

  next64(): bigint {
    this.step();
    const hi = this.state >> 64n;
    const lo = this.state & MASK64;
    const x = hi ^ lo;
    const rot = Number(hi >> 58n);
    return ((x >> BigInt(rot)) | (x << BigInt((64 - rot) & 63))) & MASK64;
  }

  /** The generator's next_uint32: the low half of a 64-bit output, then its high half. */
  next32(): number {
    if (this.half !== null) {
      const h = this.half;
      this.half = null;
      return h;
    }
    const v = this.next64();
    this.half = Number(v >> 32n);
    return Number(v & 0xffffffffn);
  }

  /** integers(0, n, size) for 1 <= n <= 2^32 (numpy's int64 path, unmasked Lemire on 32-bit draws). */
  integers(n: number, size: number): Uint32Array {
    const out = new Uint32Array(size);
    if (n === 1) return out;
    const rng = n - 1;
    for (let i = 0; i < size; i++) {
      // m = draw * n as a 64-bit product, split into its high (result) and low (leftover) 32 bits
      let draw = this.next32();
      let hi = Math.floor((draw * n) / 2 ** 32);
      let leftover = (draw * n) % 2 ** 32;
      if (draw * n > Number.MAX_SAFE_INTEGER) [hi, leftover] = mulSplit(draw, n);
      if (leftover < n) {
        const threshold = (M32 - rng) % n;
        while (leftover < threshold) {
          draw = this.next32();
          [hi, leftover] = mulSplit(draw, n);
        }
      }
      out[i] = hi;
    }
    return out;
  }
}

function mulSplit(a: number, b: number): [number, number] {
  const m = BigInt(a) * BigInt(b);
  return [Number(m >> 32n), Number(m & 0xffffffffn)];
}
