/**
 * Files refused for what they are say so, naming the file: XML with an entity declaration is refused for safety
 * (not skipped as "not an ECG"), and a header rate no ECG has fails in one line naming the file.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFile, EcgFormatError, readEcgFile } from '../../src/core/formats/index.ts';
import { startImport } from '../../src/core/import/index.ts';
import { openStore } from '../../src/core/store/index.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModel } from './helpers.ts';

let dir: string;
let unsafeXml: string;
let hugeRate: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-refusals-'));
  const muse = writeMuse(syntheticSignal(TWELVE_LEADS)).toString('latin1');
  unsafeXml = join(dir, 'entity.xml');
  writeFileSync(
    unsafeXml,
    muse.replace('<!DOCTYPE RestingECG SYSTEM "restecg.dtd">', '<!DOCTYPE RestingECG [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    'latin1',
  );
  // a real PTB-XL record whose header claims 1e12 Hz
  const src = join(sharedDataDir(), 'ptbxl/records100/00000/00001_lr');
  copyFileSync(`${src}.dat`, join(dir, '00001_lr.dat'));
  hugeRate = join(dir, '00001_lr.hea');
  const lines = readFileSync(`${src}.hea`, 'latin1').split('\n');
  lines[0] = lines[0]!.replace(/^(\S+ \d+) 100 /, '$1 1e12 ');
  writeFileSync(hugeRate, lines.join('\n'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('refusals name the file and the reason', () => {
  it('XML with an ENTITY declaration is refused for safety, not skipped as not an ECG', async () => {
    expect(await classifyFile(unsafeXml)).toBe('record');
    const err = await readEcgFile(unsafeXml).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcgFormatError);
    expect((err as EcgFormatError).problem).toBe('unsafe-content');
    expect((err as EcgFormatError).message).toMatch(/entity\.xml: refused for safety: XML declares an ENTITY/);
  });

  it('the import reports both as failed with one line naming the file', async () => {
    const tiny = await tinyModel();
    const db = openStore(join(dir, 'audit.sqlite'));
    try {
      const summary = await startImport(db, { inputs: [dir], study: 'refusals', model: tiny.model }).done;
      // every file failed, so the import took its study back: its failure report travels in the summary
      expect(summary.nothingImported).toMatchObject({ studyRemoved: true });
      const outcomes = new Map(summary.nothingImported!.problems.map((o) => [o.path, o]));
      expect(outcomes.get(unsafeXml)).toMatchObject({
        outcome: 'failed',
        reason: expect.stringMatching(/entity\.xml: refused for safety/),
      });
      const rate = outcomes.get(hugeRate)!;
      expect(rate.outcome).toBe('failed');
      expect(rate.reason).toContain(`${hugeRate}: `);
      expect(rate.reason).not.toMatch(/Invalid typed array length/);
      expect(rate.reason).not.toContain('\n');
    } finally {
      db.close();
      await tiny.close();
    }
  });
});
