import { describe, expect, it } from 'vitest';
import { float32Payload } from '../../src/app/records.ts';
import { decodeFloat32, row } from '../../src/renderer/src/ecg/binary.ts';
import { classOrder, decodeRecord, displayTrace } from '../../src/renderer/src/viewerData.ts';

describe('binary payloads', () => {
  it('decode in the renderer to exactly the float32 values the main side encoded', () => {
    const values = Float32Array.from([0, -0, 1.5, -2.25e-3, Number.NaN, 3.4e38, 1e-45, Number.POSITIVE_INFINITY]);
    const payload = float32Payload(values);
    expect(payload.length).toBe(values.length);
    const back = decodeFloat32(payload.data, payload.length);
    expect(Array.from(back)).toEqual(Array.from(values));
    expect(Object.is(back[1], -0)).toBe(true);
  });

  it('refuse a payload of the wrong size', () => {
    const payload = float32Payload(new Float32Array(10));
    expect(() => decodeFloat32(payload.data, 11)).toThrow(/40 bytes, expected 44/);
  });

  it('slice lead rows of a lead-major matrix without copying', () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const r = row(m, 1, 3);
    expect(Array.from(r)).toEqual([4, 5, 6]);
    expect(r.buffer).toBe(m.buffer);
  });
});

describe('viewer data', () => {
  const cls = (code: string, probability: number) => ({ code, name: code, logit: 0, probability, bias: 0, leadContributions: {} });

  it('lists predicted classes first, each group by falling probability', () => {
    expect(classOrder([cls('A', 0.2), cls('B', 0.7), cls('C', 0.4), cls('D', 0.95)]).map((c) => c.code)).toEqual(['D', 'B', 'C', 'A']);
  });

  it('centres leads on their median, and filters for display into new arrays', () => {
    const fs = 500;
    const mv = Float32Array.from({ length: 5000 }, (_, i) => 1 + 0.5 * Math.sin((2 * Math.PI * 10 * i) / fs));
    const rec = decodeRecord({
      id: 1,
      studyId: 1,
      pseudonym: 'S1-0001',
      recordName: 'r',
      samplingRateHz: fs,
      samplesPerLead: mv.length,
      durationS: 10,
      leads: ['I'],
      signal: float32Payload(mv),
      age: null,
      sex: null,
      warnings: [],
    });
    expect(rec.offsets.get('I')).toBeCloseTo(1, 2);
    const plain = displayTrace(rec, { highPass: false, notchHz: null });
    expect(plain.leads.get('I')).toBe(rec.leads.get('I'));
    const filtered = displayTrace(rec, { highPass: true, notchHz: 50 });
    expect(filtered.leads.get('I')).not.toBe(rec.leads.get('I'));
    // the high-pass removed the 1 mV offset, so the filtered lead is drawn around 0
    expect(filtered.offsets.get('I')).toBe(0);
    expect(Math.abs(filtered.leads.get('I')![2500]!)).toBeLessThan(0.6);
    expect(Array.from(rec.leads.get('I')!)).toEqual(Array.from(mv));
  });
});
