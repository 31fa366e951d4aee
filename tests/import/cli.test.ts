import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listStudies, openStore } from '../../src/core/store/index.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { TINY_MODEL_DIR } from './helpers.ts';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [repoPath('bin/ecg-audit.mjs'), ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('ecg-audit import and backup', () => {
  it('imports with --json, writes the problems CSV, and backs the database up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-import-cli-'));
    const db = join(dir, 'audit.sqlite');
    const cinc = join(sharedDataDir(), 'cinc2020');
    const errors = join(dir, 'problems.csv');
    const res = await cli('import', cinc, '--db', db, '--model', TINY_MODEL_DIR, '--json', '--errors', errors);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    const records = readdirSync(cinc).filter((f) => f.endsWith('.hea')).length;
    expect(out).toMatchObject({ imported: records, duplicates: 0, skipped: 1, failed: [], db, study: 'cinc2020' });
    expect(res.stderr).toContain(`${2 * records + 1}/${2 * records + 1}`);
    expect(readFileSync(errors, 'utf8')).toBe(`file,outcome,problem\n${join(cinc, 'SOURCE.md')},skipped,not an ECG: text document\n`);

    const again = JSON.parse((await cli('import', cinc, '--db', db, '--model', TINY_MODEL_DIR, '--json')).stdout);
    expect(again).toMatchObject({ imported: 0, duplicates: records });

    const backup = join(dir, 'backup.sqlite');
    const b = await cli('backup', '--db', db, '--out', backup, '--json');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ db, out: backup });
    const copy = openStore(backup, { readonly: true });
    expect(listStudies(copy)).toMatchObject([{ name: 'cinc2020', records }]);
    copy.close();
    const twice = await cli('backup', '--db', db, '--out', backup);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('already exists');
  }, 120_000);

  it('exits non-zero with a clear message when the import cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-import-cli-'));
    const missing = await cli('import', join(dir, 'nothing-here'), '--db', join(dir, 'a.sqlite'), '--model', TINY_MODEL_DIR, '--json');
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('nothing-here: no such file or folder');

    const notDb = join(dir, 'notes.sqlite');
    writeFileSync(notDb, 'not a database');
    const bad = await cli('import', sharedDataDir(), '--db', notDb, '--model', TINY_MODEL_DIR);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not an SQLite database');
    expect(readFileSync(notDb, 'utf8')).toBe('not a database');

    const noModel = await cli('import', sharedDataDir(), '--db', join(dir, 'b.sqlite'), '--model', join(dir, 'no-model'));
    expect(noModel.code).not.toBe(0);
    expect(noModel.stderr).toContain('cannot load the model');
    expect(existsSync(join(dir, 'b.sqlite'))).toBe(false);
  }, 120_000);
});
