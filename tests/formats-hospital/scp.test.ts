import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crcCcitt, scpEcgReader } from '../../src/core/formats/hospital/scp.ts';
import { DEFAULT_TABLE, HuffmanError, huffmanDecode, undoDifferences } from '../../src/core/formats/hospital/scpHuffman.ts';
import { differences, huffmanEncodeDefault, writeScp } from '../helpers/hospitalWriters/scp.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, expectSameSignal, readBytes, sniffs } from './harness.ts';
import { ludb, ptbxl } from './realData.ts';

describe('SCP-ECG building blocks', () => {
  it('computes CRC-CCITT (0x1021, initial 0xFFFF) on the standard check string', () => {
    expect(crcCcitt(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it('round-trips int16 values through default-table Huffman coding and differences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3000, max: 3000 }), { maxLength: 2000 }), fc.constantFrom(0, 1, 2), (arr, order) => {
        const x = Int32Array.from(arr);
        const d = differences(x, order);
        if (d.some((v) => v < -32768 || v > 32767)) return;
        const back = undoDifferences(huffmanDecode(huffmanEncodeDefault(d), d.length, [DEFAULT_TABLE]), order);
        expect(Array.from(back)).toEqual(arr);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes the documented default codes bit for bit', () => {
    // 0 | 100 (+1) | 101 (-1) | 1111111100 (+8) | 1111111110 + 0x7f | 1111111111 + 0x8000
    const bits = '0' + '100' + '101' + '1111111100' + '1111111110' + '01111111' + '1111111111' + '1000000000000000';
    const bytes = Buffer.alloc(Math.ceil(bits.length / 8));
    [...bits].forEach((b, i) => (bytes[i >> 3] |= Number(b) << (7 - (i & 7))));
    expect(Array.from(huffmanDecode(bytes, 6, [DEFAULT_TABLE]))).toEqual([0, 1, -1, 8, 127, -32768]);
  });

  it('fails cleanly on exhausted or random Huffman data', () => {
    expect(() => huffmanDecode(Buffer.from([0xff]), 2, [DEFAULT_TABLE])).toThrow(HuffmanError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 0, max: 5000 }), (bytes, n) => {
        try {
          expect(huffmanDecode(bytes, n, [DEFAULT_TABLE]).length).toBe(n);
        } catch (err) {
          expect(err).toBeInstanceOf(HuffmanError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('SCP-ECG reader', () => {
  for (const [huffman, difference] of [
    [true, 2],
    [true, 1],
    [true, 0],
    [false, 0],
    [false, 2],
  ] as const) {
    it(`round-trips a real PTB-XL record (${huffman ? 'Huffman' : 'raw'}, difference order ${difference})`, async () => {
      const sig = await ptbxl(11);
      const bytes = writeScp(sig, { huffman, difference });
      expect(sniffs(scpEcgReader, bytes)).toBe(true);
      const rec = await readBytes(scpEcgReader, bytes, '.scp');
      expect(rec.format).toBe('scp-ecg');
      expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
      expectSameSignal(rec, sig);
      expect(rec.warnings).toEqual([]);
    });
  }

  it('adds the reference beat (section 5) back into the QRS zones of section 4, on real LUDB beats', async () => {
    const raw = await ludb(4);
    const sig = { ...raw, uvPerLsb: 1, leads: raw.leads.map((l) => ({ name: l.name, adc: l.adc })) };
    const fiducials = raw
      .annotations!.filter((a) => a.lead === 'II' && a.kind === 'QRS' && a.peakSample! > 60 && a.peakSample! < 4900)
      .map((a) => a.peakSample!);
    expect(fiducials.length).toBeGreaterThan(5);
    const bytes = writeScp(sig, { difference: 2, referenceBeat: { fiducials, before: 40, after: 59 } });
    const rec = await readBytes(scpEcgReader, bytes, '.scp');
    expectSameSignal(rec, sig);
    const ref = rec.extra?.referenceBeat as { leads: { mv: Float32Array }[] };
    expect(ref.leads[0].mv.length).toBe(100);
    // residual coding must actually differ from plain coding for the test to mean anything
    expect(bytes.equals(writeScp(sig, { difference: 2 }))).toBe(false);
  });

  it('reads patient tags into clinical and identifying fields apart, and derives missing limb leads', async () => {
    const rec = await readBytes(scpEcgReader, writeScp(syntheticSignal(EIGHT_LEADS, 500, 1)), '.scp');
    expect(rec.leads.filter((l) => l.derived).map((l) => l.name)).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(rec.identifying).toEqual({
      name: 'Doe, Jane',
      patientId: 'PAT-123456',
      birthDate: '1961-04-02',
      other: { acquiringInstitution: 'General Hospital', technician: 'Tech Smith' },
    });
    expect(rec.clinical).toEqual({ age: 62, sex: 'female', device: 'CART1', recordedAt: '2012-03-14T09:52:23' });
  });
});

describe('SCP-ECG bad input', () => {
  const sig = syntheticSignal(TWELVE_LEADS, 500, 1);
  const good = () => writeScp(sig);
  const section = (b: Buffer, id: number) => {
    for (let p = 0; p < 12; p++) {
      const at = 6 + 16 + p * 10;
      if (b.readUInt16LE(at) === id) return b.readUInt32LE(at + 6) - 1;
    }
    throw new Error(`no section ${id}`);
  };
  const resign = (b: Buffer, id: number) => {
    const start = section(b, id);
    const len = b.readUInt32LE(start + 4);
    b.writeUInt16LE(crcCcitt(b.subarray(start + 2, start + len)), start);
    b.writeUInt16LE(crcCcitt(b.subarray(2)), 0);
    return b;
  };

  it('detects section CRC errors and warns on a record CRC error', async () => {
    const b = good();
    b[section(b, 6) + 40] ^= 0x55;
    await expectFormatError(readBytes(scpEcgReader, b, '.scp'), 'inconsistent', /section 6 CRC mismatch/);
    const r = good();
    r.writeUInt16LE(r.readUInt16LE(0) ^ 1, 0);
    const rec = await readBytes(scpEcgReader, r, '.scp');
    expect(rec.warnings.some((w) => /record CRC does not match/.test(w))).toBe(true);
  });

  it('refuses zero sample interval and absurd rates', async () => {
    const b = good();
    b.writeUInt16LE(0, section(b, 6) + 16 + 2);
    await expectFormatError(readBytes(scpEcgReader, resign(b, 6), '.scp'), 'bad-value', /sampling rate/);
    for (const us of [1, 40_000]) {
      const b = good();
      b.writeUInt16LE(us, section(b, 6) + 16 + 2);
      await expectFormatError(
        readBytes(scpEcgReader, resign(b, 6), '.scp'),
        'over-limit',
        /sampling rate .* Hz is outside the 50-20000 Hz limit/,
      );
    }
  });

  it('refuses data that decodes past the declared samples or runs short, and mismatched leads', async () => {
    const b = good();
    const s3 = section(b, 3) + 16;
    for (let k = 0; k < 12; k++) b.writeUInt32LE(5000, s3 + 2 + 9 * k + 4);
    await expectFormatError(readBytes(scpEcgReader, resign(b, 3), '.scp'), 'bad-value', /Huffman data ends/);
    const raw = writeScp(sig, { huffman: false });
    const r3 = section(raw, 3) + 16;
    for (let k = 0; k < 12; k++) raw.writeUInt32LE(400, r3 + 2 + 9 * k + 4);
    await expectFormatError(readBytes(scpEcgReader, resign(raw, 3), '.scp'), 'inconsistent', /500 samples stored, 400 declared/);
    const m = good();
    m.writeUInt32LE(400, section(m, 3) + 16 + 2 + 4);
    await expectFormatError(readBytes(scpEcgReader, resign(m, 3), '.scp'), 'inconsistent', /has 400 samples|lead I has 400/);
  });

  it('refuses duplicated leads and warns on an unknown protocol version', async () => {
    const b = good();
    b[section(b, 3) + 16 + 2 + 9 + 8] = 1;
    await expectFormatError(readBytes(scpEcgReader, resign(b, 3), '.scp'), 'inconsistent', /stored twice/);
    const rec = await readBytes(scpEcgReader, writeScp(sig, { protocol: 42 }), '.scp');
    expect(rec.warnings.some((w) => /protocol version 4.2 is not one this reader knows/.test(w))).toBe(true);
  });

  it('refuses truncated records and pointers past the end', async () => {
    const b = good();
    await expectFormatError(readBytes(scpEcgReader, b.subarray(0, b.length - 100), '.scp'), 'truncated');
    expect(sniffs(scpEcgReader, Buffer.from('not an scp file at all, not at all'))).toBe(false);
  });
});
