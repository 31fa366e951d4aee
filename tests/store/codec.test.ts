import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import type { Lead } from '../../src/core/formats/record.ts';
import { decodeMap, decodeSignal, encodeMap, encodeSignal, signalHash } from '../../src/core/store/codec.ts';
import { fromHalf, toHalfArray } from '../../src/core/store/float16.ts';

const toHalf = (x: number): number => toHalfArray(Float32Array.of(x))[0]!;
import { sharedDataDir } from '../helpers/sharedData.ts';

describe('signal codec', () => {
  it('keeps WFDB integers as int16 and reproduces every millivolt value exactly', async () => {
    const rec = await readEcgFile(join(sharedDataDir(), 'ludb/data/1.hea'));
    const { leads, data } = encodeSignal(rec.leads);
    expect(leads.filter((l) => !l.derived).every((l) => l.encoding === 'int16')).toBe(true);
    const back = decodeSignal(leads, data, rec.samplesPerLead);
    expect(back.map((l) => l.name)).toEqual(rec.leads.map((l) => l.name));
    back.forEach((l, i) => expect(l.mv).toEqual(rec.leads[i]!.mv));
    expect(data.length).toBeLessThan(rec.leads.length * rec.samplesPerLead * 2);
  });

  it('falls back to float32 when integers would not reproduce the values, and keeps NaN', () => {
    const mv = Float32Array.from([0.1, Number.NaN, -2.5, 3e-7]);
    const lead: Lead = {
      name: 'I',
      unit: 'mV',
      storedUnit: 'mV',
      derived: false,
      mv,
      adc: Int32Array.from([100, -32768, 0, 0]),
      gain: 1000,
      baseline: 0,
    };
    const { leads, data } = encodeSignal([lead]);
    expect(leads[0]!.encoding).toBe('float32');
    expect(decodeSignal(leads, data, 4)[0]!.mv).toEqual(mv);
  });

  it('encodes a missing-sample integer as NaN in int16 form', () => {
    const adc = Int32Array.from([100, -32768, -5, 7]);
    const mv = Float32Array.from([0.1, Number.NaN, -0.005, 0.007]);
    const lead: Lead = { name: 'V1', unit: 'mV', storedUnit: 'mV', derived: false, mv, adc, gain: 1000, baseline: 0 };
    const { leads, data } = encodeSignal([lead]);
    expect(leads[0]).toMatchObject({ encoding: 'int16', missingAdc: -32768 });
    expect(decodeSignal(leads, data, 4)[0]!.mv).toEqual(mv);
  });

  it('hashes the signal, not the file: same samples same hash, one changed sample a new hash', async () => {
    const rec = await readEcgFile(join(sharedDataDir(), 'ptbxl/records100/00000/00003_lr.hea'));
    const copy = { ...rec, leads: rec.leads.map((l) => ({ ...l, mv: Float32Array.from(l.mv) })) };
    expect(signalHash(copy)).toBe(signalHash(rec));
    copy.leads[5]!.mv[17]! += 0.001;
    expect(signalHash(copy)).not.toBe(signalHash(rec));
  });
});

describe('float16 maps', () => {
  it('round-trips within half precision', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const back = fromHalf(toHalf(x));
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
      }),
    );
    // halfway cases round to even: 1 + 2^-11 lies between 1 and 1 + 2^-10
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1);
    expect(fromHalf(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(fromHalf(toHalf(65520))).toBe(Infinity);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
    expect(fromHalf(toHalf(1))).toBe(1);
  });

  it('encodes and decodes a map of the stated length', () => {
    const values = Float32Array.from({ length: 1200 }, (_, i) => Math.sin(i / 30) * 1e-3);
    const back = decodeMap(encodeMap(values), values.length);
    back.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThan(1e-6));
    expect(() => decodeMap(encodeMap(values), 1000)).toThrow(/attribution map inflates to more than the 2000 bytes it must hold/);
    expect(() => decodeMap(encodeMap(values), 1300)).toThrow(/attribution map inflates to 2400 bytes, expected 2600/);
  });
});
