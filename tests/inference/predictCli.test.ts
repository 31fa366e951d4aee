import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const run = promisify(execFile);
const cli = repoPath('bin', 'ecg-audit.mjs');
const record = join(sharedDataDir(), 'ptbxl', 'records500', '00000', '00001_hr.hea');

describe('ecg-audit predict', () => {
  it('--json prints exactly one object with the documented fields', async () => {
    const { stdout } = await run(process.execPath, [cli, 'predict', record, '--model', tinyModelDir, '--json'], {
      env: { ...process.env, ECG_AUDIT_EP: 'cpu' },
    });
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual([
      'model',
      'executionProvider',
      'classes',
      'completenessMaxAbsError',
      'windows',
      'regions',
      'warnings',
    ]);
    expect(doc.model).toBe('tiny-imn');
    expect(doc.executionProvider).toBe('cpu');
    expect(doc.windows).toBe(1);
    expect(doc.classes.map((c: { name: string }) => c.name)).toEqual(['NORM', 'MI', 'STTC', 'CD', 'HYP']);
    for (const c of doc.classes) {
      const sum = Object.values(c.leadContributions as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum + c.bias - c.logit)).toBeLessThan(1e-3);
      expect(c.probability).toBeCloseTo(1 / (1 + Math.exp(-c.logit)), 12);
    }
    expect(doc.completenessMaxAbsError).toBeLessThan(1e-3);
    expect(doc.regions[0]).toEqual({
      class: expect.any(String),
      lead: expect.any(String),
      startS: expect.any(Number),
      endS: expect.any(Number),
      contribution: expect.any(Number),
    });
  });

  it('prints a table with the provider that ran, and fails clearly on a bad model', async () => {
    const { stdout } = await run(process.execPath, [cli, 'predict', record, '--model', tinyModelDir], {
      env: { ...process.env, ECG_AUDIT_EP: 'cpu' },
    });
    expect(stdout).toMatch(/execution provider cpu/);
    expect(stdout).toMatch(/^NORM\s+\d\.\d{3}/m);
    const failed = await run(process.execPath, [cli, 'predict', record, '--model', '/nonexistent/model']).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ecg-audit: \/nonexistent\/model: no model folder/);
  });
});
