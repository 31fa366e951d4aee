/** Property-based fuzzing: random and mutated inputs end in a record or an EcgFormatError, quickly. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EcgFormatError, readEcgFile } from '../../src/core/formats/index.ts';
import { parseWfdbHeader } from '../../src/core/formats/wfdb/header.ts';
import { parseMitAnnotations } from '../../src/core/formats/wfdb/annotation.ts';
import { encodeCsv, encodeEdf, writeWfdb } from '../helpers/ecgWriters.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIME_BOUND_MS = 2000;

/**
 * Runs f; passes when it returns or throws EcgFormatError within the time bound, fails on anything else.
 * 'io' is what readEcgFile makes of an unexpected exception inside a reader, so it counts as a failure here.
 */
async function endsWell(f: () => unknown): Promise<void> {
  const t0 = performance.now();
  try {
    await f();
  } catch (err) {
    if (!(err instanceof EcgFormatError) || err.problem === 'io') throw err;
  }
  expect(performance.now() - t0).toBeLessThan(TIME_BOUND_MS);
}

/** Byte-level mutations of a valid file: overwrite, insert, delete, truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'set' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

const adc = Array.from({ length: 64 }, (_, i) => ((i * 97) % 400) - 200);
const header = readFileSync(
  writeWfdb({
    dir,
    record: 'seed',
    fs: 500,
    format: 212,
    signals: [
      { name: 'I', adc },
      { name: 'II', adc, gain: 0 },
    ],
  }),
);
const signal = readFileSync(join(dir, 'seed.dat'));
const edf = encodeEdf({
  signals: [
    {
      label: 'ECG II',
      physDim: 'mV',
      physMin: -5,
      physMax: 5,
      digMin: -2048,
      digMax: 2047,
      samplesPerRecord: 20,
      digital: adc.slice(0, 40),
    },
  ],
  recordDuration: 0.04,
  nRecords: 2,
});
const csv = Buffer.from(
  encodeCsv(
    ['time', 'I', 'V1'],
    adc.slice(0, 10).map((v, i) => [i / 500, v / 100, -v / 100]),
  ),
);

describe('fuzzing', () => {
  it('WFDB header parser: random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parseWfdbHeader('fuzz.hea', text);
        } catch (err) {
          expect(err).toBeInstanceOf(EcgFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('WFDB header parser: header-shaped token soup', () => {
    const token = fc.constantFrom(
      'rec',
      '12',
      '500',
      '5000',
      '0',
      '-1',
      'x.dat',
      '16',
      '212+24',
      '16x2',
      '1000(0)/mV',
      '0/uV',
      '1e400',
      '#Dx: 1',
      '\n',
      ' ',
      '/2',
      'NaN',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        try {
          parseWfdbHeader('fuzz.hea', tokens.join(' '));
        } catch (err) {
          expect(err).toBeInstanceOf(EcgFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('WFDB records: mutated header and signal file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { maxLength: 4 }), fc.array(mutation, { maxLength: 4 }), async (mh, ms) => {
        writeFileSync(join(dir, 'm.hea'), mutate(header, mh).toString('latin1').replaceAll('seed', 'm'));
        writeFileSync(join(dir, 'm.dat'), mutate(signal, ms));
        await endsWell(() => readEcgFile(join(dir, 'm.hea')));
      }),
      { numRuns: 300 },
    );
  });

  it('annotation parser: random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseMitAnnotations('fuzz.i', Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(EcgFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('EDF and CSV: mutated files and random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(edf, csv), fc.array(mutation, { maxLength: 6 }), async (seed, ms) => {
        writeFileSync(join(dir, 'f.bin'), mutate(seed, ms));
        await endsWell(() => readEcgFile(join(dir, 'f.bin')));
      }),
      { numRuns: 400 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
        writeFileSync(join(dir, 'r.bin'), bytes);
        await endsWell(() => readEcgFile(join(dir, 'r.bin')));
      }),
      { numRuns: 300 },
    );
  });
});
