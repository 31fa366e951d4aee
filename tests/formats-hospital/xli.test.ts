import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lzwDecode, restoreLimbLeads, XliError, xliDecode, xliUndelta } from '../../src/core/formats/hospital/xli.ts';
import { limbResiduals, lzwEncode, xliChunk, xliDelta, xliEncode } from '../helpers/hospitalWriters/xli.ts';
import { ptbxl } from './realData.ts';

const ecgLike = fc
  .tuple(fc.integer({ min: -2000, max: 2000 }), fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 0, maxLength: 3000 }))
  .map(([start, steps]) => {
    const out = new Int32Array(steps.length + 1);
    out[0] = start;
    steps.forEach((s, i) => (out[i + 1] = out[i] + s));
    return out;
  });

describe('XLI LZW', () => {
  it('round-trips arbitrary bytes, including past a full dictionary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 6000 }), (bytes) => {
        const back = lzwDecode(lzwEncode(bytes), bytes.length);
        expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips repetitive input (KwKwK codes)', () => {
    for (const bytes of [new Uint8Array(5000), Uint8Array.from({ length: 5000 }, (_, i) => i % 3), Uint8Array.of(7, 7, 7, 7, 7)]) {
      expect(Buffer.from(lzwDecode(lzwEncode(bytes), bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('stops a decompression bomb at the output bound', () => {
    const bomb = lzwEncode(new Uint8Array(200_000));
    expect(bomb.length).toBeLessThan(3000);
    expect(() => lzwDecode(bomb, 10_000)).toThrow(XliError);
  });

  it('refuses codes that name no dictionary entry', () => {
    // first code 1000 with an empty dictionary beyond 255
    expect(() => lzwDecode(Uint8Array.of(0xfa, 0x00), 100)).toThrow(/refers to no dictionary entry/);
  });
});

describe('XLI delta coding and lead chunks', () => {
  it('round-trips ECG-like signals through delta coding and chunks', () => {
    fc.assert(
      fc.property(ecgLike, (samples) => {
        const { bytes, first } = xliDelta(samples);
        expect(Array.from(xliUndelta(bytes, first))).toEqual(Array.from(samples));
        const [back] = xliDecode(xliChunk(samples), 1, samples.length);
        expect(Array.from(back)).toEqual(Array.from(samples));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips all 12 leads of real PTB-XL records, limb residuals included', async () => {
    for (const id of [1, 2, 17]) {
      const sig = await ptbxl(id);
      const leads = sig.leads.map((l) => l.adc);
      const encoded = xliEncode(leads);
      expect(encoded.length).toBeLessThan(leads.length * leads[0].length * 2);
      const decoded = xliDecode(encoded, 12, leads[0].length);
      restoreLimbLeads(decoded);
      decoded.forEach((d, i) => expect(Array.from(d)).toEqual(Array.from(leads[i])));
    }
  });

  it('limb residuals are near zero on real data (the point of the scheme)', async () => {
    const sig = await ptbxl(3);
    const residual = limbResiduals(sig.leads.map((l) => l.adc))[2];
    expect(Math.max(...Array.from(residual, Math.abs))).toBeLessThan(5);
  });

  it('refuses truncated chunks and leads shorter than declared', () => {
    const chunk = xliChunk(Int32Array.from({ length: 500 }, (_, i) => Math.round(100 * Math.sin(i / 20))));
    expect(() => xliDecode(chunk.subarray(0, chunk.length - 10), 1, 500)).toThrow(/declares/);
    expect(() => xliDecode(chunk, 2, 500)).toThrow(/ends after 1 of 2/);
    expect(() => xliDecode(chunk, 1, 600)).toThrow(/fewer than the 600/);
    expect(() => xliDecode(chunk, 1, 400)).toThrow(/expands past 800 bytes/);
  });

  it('never throws anything but XliError and never hangs on random or mutated input', () => {
    const valid = xliChunk(Int32Array.from({ length: 1000 }, (_, i) => Math.round(300 * Math.sin(i / 30))));
    const t0 = performance.now();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4000 }),
          fc
            .tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 8 }))
            .map(([pos, val, count]) => {
              const m = Uint8Array.from(valid);
              for (let k = 0; k < count; k++) m[(pos + k * 37) % m.length] = (val + k * 91) & 0xff;
              return m;
            }),
        ),
        fc.integer({ min: 1, max: 3 }),
        (bytes, leads) => {
          try {
            const out = xliDecode(bytes, leads, 1000);
            expect(out.every((l) => l.length === 1000)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(XliError);
          }
        },
      ),
      { numRuns: 2000 },
    );
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
