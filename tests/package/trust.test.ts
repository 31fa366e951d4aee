/**
 * The attacks of issue 16 replayed against packages: labels left in a `-wal` file, decompression bombs,
 * forged labels and identifiers that must not travel. Each test failed before the fix it guards.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_HASH_KEY, contentHash, STUDY_PACKAGE_TABLES } from '../../src/core/package/contentHash.ts';
import {
  exportStudyPackage,
  mergeLabelPackages,
  PackageError,
  readPackageLabels,
  verifyPackage,
  withReadonly,
} from '../../src/core/package/index.ts';
import { getRecord, getRun, openStore, StoreError } from '../../src/core/store/index.ts';
import { repoPath } from '../helpers/sharedData.ts';
import { buildResearcherDb, labelAsRater, STUDY, withDb } from './fixture.ts';

const RECORDS = 3;
let dir: string;
let researcherDb: string;
let studyPackage: string;

function labelCount(path: string): number {
  return withDb(path, (db) => (db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n);
}

function expectError(work: () => unknown, type: typeof PackageError | typeof StoreError, message: RegExp): void {
  let error: unknown;
  try {
    work();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
}

/** What a forger does after editing rows: recompute the content hash so the package reads as intact. */
function reseal(path: string, edit: (raw: Database.Database) => void): void {
  const raw = new Database(path);
  edit(raw);
  raw.prepare('UPDATE settings SET value = ? WHERE key = ?').run(contentHash(raw, STUDY_PACKAGE_TABLES), CONTENT_HASH_KEY);
  raw.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-trust-'));
  researcherDb = join(dir, 'researcher.sqlite');
  await buildResearcherDb(researcherDb, RECORDS);
  studyPackage = join(dir, 'study.ecgaudit');
  withDb(researcherDb, (db) => exportStudyPackage(db, researcherDb, { studyName: STUDY, out: studyPackage }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('decompression bombs', () => {
  // 64 MiB of zeros deflate to ~64 KiB; the record's real signal is 12 leads x 5000 samples x 2 bytes.
  const bomb = deflateSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });

  it('verify refuses a signal blob that inflates past its length, and opening the record refuses it unread', () => {
    const bad = join(dir, 'signal-bomb.ecgaudit');
    copyFileSync(studyPackage, bad);
    reseal(bad, (raw) => raw.prepare('UPDATE signals SET data = ? WHERE record_id = 2').run(bomb));
    expectError(
      () => withReadonly(bad, (db) => verifyPackage(db, bad)),
      PackageError,
      /signal-bomb\.ecgaudit: the signal of record .* inflates to more than the 120000 bytes it must hold/,
    );
    const db = openStore(bad, { readonly: true });
    try {
      expectError(
        () => getRecord(db, 2),
        StoreError,
        /record .*: signal blob inflates to more than the 120000 bytes it must hold \(refused unread\)/,
      );
      expect(getRecord(db, 1).leads).toHaveLength(12);
    } finally {
      db.close();
    }
  });

  it('refuses a map blob of the wrong length and a forged declared size', () => {
    const short = join(dir, 'map-short.ecgaudit');
    copyFileSync(studyPackage, short);
    reseal(short, (raw) =>
      raw.prepare('UPDATE attribution_maps SET data = ? WHERE run_id = 1 AND class_index = 0').run(deflateSync(Buffer.alloc(10))),
    );
    expectError(
      () => withReadonly(short, (db) => verifyPackage(db, short)),
      PackageError,
      /attribution map 0 of run 1 inflates to 10 bytes, expected \d+/,
    );
    const db = openStore(short, { readonly: true });
    try {
      expectError(() => getRun(db, 1), StoreError, /run 1: attribution map 0 inflates to 10 bytes/);
    } finally {
      db.close();
    }
    const huge = join(dir, 'map-huge.ecgaudit');
    copyFileSync(studyPackage, huge);
    reseal(huge, (raw) => raw.prepare('UPDATE attribution_maps SET samples = 2000000000, data = ? WHERE run_id = 1').run(bomb));
    expectError(() => withReadonly(huge, (db) => verifyPackage(db, huge)), PackageError, /declares 48000000000 bytes, more than/);
  });
});

describe('packages stay single files', () => {
  it('refuses to read a package with a -wal beside it, and merges every label once the app closed it', () => {
    const pkg = join(dir, 'wal.ecgaudit');
    copyFileSync(studyPackage, pkg);
    // The app before the fix: the package switched to WAL, labels committed, the app still open (or killed).
    const app = new Database(pkg);
    app.pragma('journal_mode = WAL');
    app.pragma('foreign_keys = ON');
    const { labels } = labelAsRater(app, { name: 'Dr. Wal', seed: 5 });
    expect(existsSync(`${pkg}-wal`)).toBe(true);
    const target = join(dir, 'wal-target.sqlite');
    copyFileSync(researcherDb, target);
    const refusal = /wal\.ecgaudit: wal\.ecgaudit-wal lies beside it, so labels may be in that file and not in the package/;
    expectError(() => readPackageLabels(pkg), PackageError, refusal);
    expectError(() => withDb(target, (db) => mergeLabelPackages(db, target, [pkg])), PackageError, refusal);
    expect(labelCount(target)).toBe(0);
    app.close();
    expect(existsSync(`${pkg}-wal`)).toBe(false);
    expect(withDb(target, (db) => mergeLabelPackages(db, target, [pkg])).labelsAdded).toBe(labels);
  });

  it('refuses a package with a -journal beside it (a write that never finished)', () => {
    const pkg = join(dir, 'journal.ecgaudit');
    copyFileSync(studyPackage, pkg);
    const crashed = spawnSync(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec("BEGIN IMMEDIATE; UPDATE settings SET value = 'x' WHERE key LIKE 'study.%'"); process.exit(0);`,
        pkg,
      ],
      { cwd: repoPath('.'), encoding: 'utf8' },
    );
    expect(crashed.status).toBe(0);
    expect(existsSync(`${pkg}-journal`)).toBe(true);
    expectError(
      () => readPackageLabels(pkg),
      PackageError,
      /journal\.ecgaudit-journal lies beside it, a write to the package that never finished/,
    );
  });

  it('opened as a database, a package keeps a rollback journal: labels are in the file even when the process dies', () => {
    const pkg = join(dir, 'crash.ecgaudit');
    copyFileSync(studyPackage, pkg);
    const script = `
      import { register } from 'tsx/esm/api';
      register();
      const store = await import(${JSON.stringify(repoPath('src/core/store/index.ts'))});
      const db = store.openStore(process.env.PKG);
      const rater = store.createRater(db, 'Dr. Crash');
      for (const { id } of db.prepare('SELECT id FROM records').all()) {
        store.appendLabel(db, { raterId: rater.id, target: { kind: 'plausible', recordId: id }, value: 'no' });
      }
      process.stdout.write(db.pragma('journal_mode', { simple: true }));
      process.exit(0); // never closed: a crash or a kill
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoPath('.'),
      env: { ...process.env, PKG: pkg },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('delete');
    expect(['-wal', '-journal'].filter((s) => existsSync(pkg + s))).toEqual([]);
    expect(readPackageLabels(pkg).labels).toHaveLength(RECORDS);
  });

  it('merge warns about a package that brings no labels', () => {
    const target = join(dir, 'empty-target.sqlite');
    copyFileSync(researcherDb, target);
    const summary = withDb(target, (db) => mergeLabelPackages(db, target, [studyPackage]));
    expect(summary.labelsAdded).toBe(0);
    expect(summary.warnings).toEqual([expect.stringMatching(/study\.ecgaudit: brings no labels \(a study package nobody labelled in\)/)]);
  });
});
