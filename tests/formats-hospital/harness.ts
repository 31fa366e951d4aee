/** Shared test plumbing: write a fixture to a temp file and run one reader on it as the registry would. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EcgFormatError } from '../../src/core/formats/errors.ts';
import { DEFAULT_MAX_BYTES, type FormatReader, type ReadInput } from '../../src/core/formats/reader.ts';
import type { EcgRecord } from '../../src/core/formats/record.ts';
import type { FixtureSignal } from '../helpers/hospitalWriters/signal.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-hospital-'));
let counter = 0;

export function tempFile(bytes: Buffer, ext: string): string {
  const path = join(dir, `f${counter++}${ext}`);
  writeFileSync(path, bytes);
  return path;
}

export function inputFor(bytes: Buffer, ext = '.bin', path = tempFile(bytes, ext)): ReadInput {
  return { path, bytes, options: { maxBytes: DEFAULT_MAX_BYTES, deriveLimbLeads: true, datasetMetadata: false, limits: 'enforce' } };
}

export function readBytes(reader: FormatReader, bytes: Buffer, ext = '.bin'): Promise<EcgRecord> {
  return reader.read(inputFor(bytes, ext));
}

export function sniffs(reader: FormatReader, bytes: Buffer): boolean {
  return reader.sniff({ path: '/x', ext: '', size: bytes.length, head: bytes.subarray(0, 64 * 1024) });
}

/** Expects a typed EcgFormatError with the given problem and a message naming the file. */
export async function expectFormatError(p: Promise<unknown>, problem: string, pattern?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EcgFormatError);
  const fe = err as EcgFormatError;
  expect(fe.problem).toBe(problem);
  expect(fe.message).toContain(fe.file);
  if (pattern) expect(fe.message).toMatch(pattern);
}

/** Every stored lead of the fixture reads back with the same integers and mV = adc * uV/LSB / 1000. */
export function expectSameSignal(rec: EcgRecord, sig: FixtureSignal, tolMv = 1e-6): void {
  expect(rec.samplingRateHz).toBe(sig.samplingRateHz);
  for (const src of sig.leads) {
    const lead = rec.leads.find((l) => l.name === src.name);
    expect(lead, `lead ${src.name}`).toBeDefined();
    expect(lead!.derived).toBe(false);
    expect(lead!.mv.length).toBe(src.adc.length);
    for (let k = 0; k < src.adc.length; k++) {
      const want = (src.adc[k] * (src.uvPerLsb ?? sig.uvPerLsb)) / 1000;
      if (Math.abs(lead!.mv[k] - want) > tolMv + Math.abs(want) * 1e-6) {
        throw new Error(`lead ${src.name} sample ${k}: ${lead!.mv[k]} mV, expected ${want}`);
      }
    }
  }
}
