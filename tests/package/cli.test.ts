import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/index.ts';
import { repoPath } from '../helpers/sharedData.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { labelAsRater, ludbFiles, STUDY } from './fixture.ts';

let dir: string;

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [repoPath('bin/ecg-audit.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(...args: string[]): Record<string, unknown> {
  const r = cli(...args, '--json');
  expect(r.stderr.split('\n').filter((l) => l.startsWith('ecg-audit:'))).toEqual([]);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-package-cli-'));
  json('import', '--db', join(dir, 'researcher.sqlite'), '--study', STUDY, '--model', TINY_MODEL_DIR, ...ludbFiles(4));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ecg-audit package', () => {
  it('exports, returns labels and merges them once however often it is run', () => {
    const db = join(dir, 'researcher.sqlite');
    const pkg = join(dir, 'study.ecgaudit');
    const exported = json(
      'package',
      'export',
      '--db',
      db,
      '--study',
      STUDY,
      '--out',
      pkg,
      '--hide-probabilities',
      '--randomise-order',
      '--seed',
      '9',
    );
    expect(exported).toMatchObject({ kind: 'study', records: 4, studyName: STUDY });
    const verified = json('package', 'verify', pkg);
    expect(verified.sha256).toBe(exported.sha256);
    expect(verified.manifest).toMatchObject({ blinding: { hideProbabilities: true, randomiseOrder: true, seed: 9 } });

    const raterPkg = join(dir, 'rater.ecgaudit');
    copyFileSync(pkg, raterPkg);
    const rater = openStore(raterPkg);
    const { raterId, labels } = labelAsRater(rater, { name: 'Dr. CLI', seed: 3 });
    rater.close();
    const out = join(dir, 'labels.ecgaudit');
    const returned = json('package', 'labels', '--db', raterPkg, '--study', STUDY, '--out', out, '--rater', raterId);
    expect(returned).toMatchObject({ kind: 'labels', labels, raters: 1 });

    expect(json('package', 'merge', '--db', db, out)).toMatchObject({ labelsAdded: labels, labelsAlreadyPresent: 0, ratersAdded: 1 });
    expect(json('package', 'merge', '--db', db, out)).toMatchObject({ labelsAdded: 0, labelsAlreadyPresent: labels, ratersAdded: 0 });

    // An edited labels package is refused with a one-line error naming the file; exit code 1.
    const forged = join(dir, 'forged.ecgaudit');
    copyFileSync(out, forged);
    const raw = new Database(forged);
    raw.prepare(`UPDATE records SET clinical = '{}'`).run();
    raw.close();
    const refused = cli('package', 'merge', '--db', db, forged);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`ecg-audit: ${forged}: package content does not match its hash`);
  });

  it('rejects bad usage with exit code 2', () => {
    const r = cli(
      'package',
      'export',
      '--db',
      join(dir, 'researcher.sqlite'),
      '--study',
      STUDY,
      '--out',
      join(dir, 'x.ecgaudit'),
      '--seed',
      '4',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--seed only makes sense with --randomise-order');
  });
});
