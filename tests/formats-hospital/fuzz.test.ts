import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EcgFormatError } from '../../src/core/formats/errors.ts';
import { HOSPITAL_READERS } from '../../src/core/formats/hospital/index.ts';
import type { FormatReader } from '../../src/core/formats/reader.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { writeCardiologyXml } from '../helpers/hospitalWriters/cardiologyXml.ts';
import { writeDicom } from '../helpers/hospitalWriters/dicom.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { writePhilips } from '../helpers/hospitalWriters/philips.ts';
import { writeScp } from '../helpers/hospitalWriters/scp.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { inputFor } from './harness.ts';

const small = syntheticSignal(TWELVE_LEADS, 250, 0.4);
const VALID: Record<string, Buffer> = {
  'muse-xml': writeMuse(syntheticSignal(EIGHT_LEADS, 250, 0.4)),
  'philips-xml': writePhilips(small, { xli: true }),
  'hl7-aecg': writeAecg(small),
  dicom: writeDicom(small),
  'scp-ecg': writeScp(small, { difference: 2 }),
  'cardiology-xml': writeCardiologyXml(small),
};

/** Byte edits: overwrite, insert, delete or truncate, applied to a valid file. */
const mutation = (size: number) =>
  fc.array(
    fc.record({
      op: fc.constantFrom('set', 'insert', 'delete', 'truncate'),
      pos: fc.integer({ min: 0, max: size - 1 }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    { minLength: 1, maxLength: 6 },
  );

function mutate(base: Buffer, edits: { op: string; pos: number; bytes: Uint8Array }[]): Buffer {
  let b = Buffer.from(base);
  for (const e of edits) {
    const pos = Math.min(e.pos, b.length);
    if (e.op === 'set') b.set(e.bytes.subarray(0, Math.max(0, b.length - pos)), pos);
    else if (e.op === 'insert') b = Buffer.concat([b.subarray(0, pos), e.bytes, b.subarray(pos)]);
    else if (e.op === 'delete') b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + e.bytes.length)]);
    else b = b.subarray(0, Math.max(1, pos));
  }
  return b;
}

/** A read either gives a record of consistent shape or a typed EcgFormatError naming the file. */
async function readsSafely(reader: FormatReader, bytes: Buffer): Promise<void> {
  const input = inputFor(bytes, '.bin');
  try {
    const rec = await reader.read(input);
    expect(rec.leads.length).toBeGreaterThan(0);
    expect(rec.leads.every((l) => l.mv.length === rec.samplesPerLead)).toBe(true);
    expect(rec.samplingRateHz).toBeGreaterThan(0);
  } catch (err) {
    if (!(err instanceof EcgFormatError)) throw new Error(`${reader.id} threw a non-typed error: ${String(err)}`, { cause: err });
    expect(err.message).toContain(input.path);
  }
}

describe.each(HOSPITAL_READERS.map((r) => [r.id, r] as const))('%s reader under fuzzing', (id, reader) => {
  const valid = VALID[id];

  it('survives mutated valid files within a time bound', async () => {
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(mutation(valid.length), async (edits) => readsSafely(reader, mutate(valid, edits))),
      { numRuns: 150 },
    );
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('survives random bytes behind a valid prefix', async () => {
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: valid.length }), fc.uint8Array({ maxLength: 2000 }), async (cut, tail) =>
        readsSafely(reader, Buffer.concat([valid.subarray(0, cut), tail])),
      ),
      { numRuns: 100 },
    );
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('never sniffs-and-crashes on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(typeof reader.sniff({ path: '/r', ext: '', size: b.length, head: b })).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
