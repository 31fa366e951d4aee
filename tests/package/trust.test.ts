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
import { CONTENT_HASH_KEY, contentHash, LABELS_PACKAGE_TABLES, STUDY_PACKAGE_TABLES } from '../../src/core/package/contentHash.ts';
import {
  exportLabelsPackage,
  exportStudyPackage,
  mergeLabelPackages,
  PackageError,
  readPackageLabels,
  verifyPackage,
  withReadonly,
} from '../../src/core/package/index.ts';
import {
  appendLabel,
  createRater,
  getRecord,
  importRater,
  listRaters,
  openStore,
  StoreError,
  storedMaps,
} from '../../src/core/store/index.ts';
import { createRaterKey } from '../../src/core/store/signing.ts';
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
function reseal(path: string, edit: (raw: Database.Database) => void, tables = STUDY_PACKAGE_TABLES): void {
  const raw = new Database(path);
  edit(raw);
  raw.prepare('UPDATE settings SET value = ? WHERE key = ?').run(contentHash(raw, tables), CONTENT_HASH_KEY);
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

  it('refuses a stored map blob (a run imported before migration 10) of the wrong length and a forged declared size', () => {
    // the package's runs hold digests, not maps; a package from a database imported before migration 10 carries maps
    const storeMap = (raw: Database.Database, data: Buffer, samples = 1000): void => {
      raw.prepare('UPDATE runs SET attribution_sha256 = NULL WHERE id = 1').run();
      raw
        .prepare(
          "INSERT INTO attribution_maps (run_id, class_index, leads, samples, encoding, data) VALUES (1, 0, 12, ?, 'float16-shuffle-deflate', ?)",
        )
        .run(samples, data);
    };
    const short = join(dir, 'map-short.ecgaudit');
    copyFileSync(studyPackage, short);
    reseal(short, (raw) => storeMap(raw, deflateSync(Buffer.alloc(10))));
    expectError(
      () => withReadonly(short, (db) => verifyPackage(db, short)),
      PackageError,
      /attribution map 0 of run 1 inflates to 10 bytes, expected \d+/,
    );
    const db = openStore(short, { readonly: true });
    try {
      expectError(() => storedMaps(db, 1), StoreError, /run 1: attribution map 0 inflates to 10 bytes/);
    } finally {
      db.close();
    }
    const huge = join(dir, 'map-huge.ecgaudit');
    copyFileSync(studyPackage, huge);
    reseal(huge, (raw) => storeMap(raw, bomb, 2_000_000_000));
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

describe('signed labels', () => {
  let raterA: { id: string; displayName: string; createdAt: string; publicKey: string | null };
  let genuine: string;

  /** Runs `work` as another installation: its own key folder, without rater A's private key. */
  function onOtherMachine<T>(work: () => T): T {
    const own = process.env.ECG_AUDIT_KEYS;
    process.env.ECG_AUDIT_KEYS = join(dir, 'other-machine-keys');
    try {
      return work();
    } finally {
      process.env.ECG_AUDIT_KEYS = own;
    }
  }

  /** A fresh researcher database that already merged rater A's genuine labels (so it knows A's key). */
  function targetKnowingA(name: string): string {
    const target = join(dir, name);
    copyFileSync(researcherDb, target);
    withDb(target, (db) => mergeLabelPackages(db, target, [genuine]));
    return target;
  }

  beforeAll(() => {
    const copy = join(dir, 'rater-a.ecgaudit');
    copyFileSync(studyPackage, copy);
    withDb(copy, (db) => {
      labelAsRater(db, { name: 'Dr. Ada', seed: 41 });
      raterA = listRaters(db)[0]!;
    });
    genuine = join(dir, 'rater-a-labels.ecgaudit');
    withDb(copy, (db) => exportLabelsPackage(db, copy, { studyName: STUDY, out: genuine, raterId: raterA.id }));
  });

  it('records each rater public key and merges labels signed by it', () => {
    expect(raterA.publicKey).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const target = targetKnowingA('signed-target.sqlite');
    withDb(target, (db) => {
      expect(listRaters(db)).toEqual([raterA]);
      const unsigned = db.prepare('SELECT COUNT(*) AS n FROM labels WHERE signature IS NULL').get() as { n: number };
      expect(unsigned.n).toBe(0);
    });
  });

  it('refuses a label edited after signing, even with the content hash recomputed', () => {
    const forged = join(dir, 'edited-label.ecgaudit');
    copyFileSync(genuine, forged);
    reseal(
      forged,
      (raw) => {
        raw.exec('DROP TRIGGER labels_no_update');
        raw.prepare(`UPDATE labels SET note = 'changed by someone else' WHERE id = (SELECT MIN(id) FROM labels)`).run();
      },
      LABELS_PACKAGE_TABLES,
    );
    expect(readPackageLabels(forged).labels.length).toBeGreaterThan(0); // intact by its hash
    const target = join(dir, 'edited-target.sqlite');
    copyFileSync(researcherDb, target);
    expectError(
      () => withDb(target, (db) => mergeLabelPackages(db, target, [forged])),
      PackageError,
      /is in the name of rater "Dr\. Ada" .* but not signed by that rater's key/,
    );
    expect(labelCount(target)).toBe(0);
  });

  it("refuses labels another installation made in a rater's name", () => {
    const forgerDb = join(dir, 'forger.ecgaudit');
    copyFileSync(studyPackage, forgerDb);
    const out = join(dir, 'forged-labels.ecgaudit');
    onOtherMachine(() =>
      withDb(forgerDb, (db) => {
        importRater(db, raterA);
        const recordId = (db.prepare('SELECT MIN(id) AS id FROM records').get() as { id: number }).id;
        // the app refuses to label in A's name here: it does not hold A's private key
        expectError(
          () => appendLabel(db, { raterId: raterA.id, target: { kind: 'plausible', recordId }, value: 'no' }),
          StoreError,
          /signs labels with a key this installation does not hold/,
        );
        // so the forger writes the row by hand
        db.prepare(
          `INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, value, reasons, note, signature)
           VALUES ('forged-1', ?, '2026-01-01T00:00:00.000Z', ?, 'plausible', 'plausible', 'no', '[]', '', NULL)`,
        ).run(raterA.id, recordId);
        exportLabelsPackage(db, forgerDb, { studyName: STUDY, out });
      }),
    );
    const target = targetKnowingA('forged-target.sqlite');
    const before = labelCount(target);
    expectError(
      () => withDb(target, (db) => mergeLabelPackages(db, target, [out])),
      PackageError,
      /label forged-1 is in the name of rater "Dr\. Ada" .* not signed by that rater's key/,
    );
    expect(labelCount(target)).toBe(before);
  });

  it('refuses a rater arriving with another public key than the study recorded', () => {
    const forgerDb = join(dir, 'key-swap.ecgaudit');
    copyFileSync(studyPackage, forgerDb);
    const out = join(dir, 'key-swap-labels.ecgaudit');
    onOtherMachine(() =>
      withDb(forgerDb, (db) => {
        // the forger makes a key pair of their own under A's id and signs "A's" labels with it
        importRater(db, { ...raterA, publicKey: createRaterKey(raterA.id) });
        const recordId = (db.prepare('SELECT MIN(id) AS id FROM records').get() as { id: number }).id;
        appendLabel(db, { raterId: raterA.id, target: { kind: 'plausible', recordId }, value: 'no', note: 'not Ada' });
        exportLabelsPackage(db, forgerDb, { studyName: STUDY, out, raterId: raterA.id });
      }),
    );
    const target = targetKnowingA('key-swap-target.sqlite');
    const before = labelCount(target);
    expectError(
      () => withDb(target, (db) => mergeLabelPackages(db, target, [out])),
      PackageError,
      /rater "Dr\. Ada" .* comes with public key [0-9a-f]{16}, but .* knows them by key [0-9a-f]{16}/,
    );
    expect(labelCount(target)).toBe(before);
    // the database refuses to change a recorded key in place, too
    withDb(target, (db) =>
      expect(() => db.prepare('UPDATE raters SET public_key = ? WHERE id = ?').run('AAAA', raterA.id)).toThrow(/public key never changes/),
    );
  });

  it('creates a key pair for every new rater, the private key only in the key folder', () => {
    withDb(join(dir, 'keys.sqlite'), (db) => {
      const r = createRater(db, 'Dr. Keys');
      expect(r.publicKey).not.toBeNull();
      expect(JSON.stringify(db.prepare('SELECT * FROM raters').all())).not.toMatch(/PRIVATE KEY/);
    });
  });
});
