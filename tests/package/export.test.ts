import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_HASH_KEY, contentHash } from '../../src/core/package/contentHash.ts';
import { deidentifiedRecord } from '../../src/core/package/source.ts';
import {
  exportLabelsPackage,
  exportStudyPackage,
  PackageError,
  readPackageLabels,
  verifyPackage,
  withReadonly,
} from '../../src/core/package/index.ts';
import { findStudy, getRecord, getRun, openStore, SCHEMA_VERSION, worklist } from '../../src/core/store/index.ts';
import { getBlinding, PACKAGE_OWNER } from '../../src/core/store/viewerQueries.ts';
import { buildResearcherDb, labelAsRater, STUDY, withDb } from './fixture.ts';

const RECORDS = 10;
let dir: string;
let researcherDb: string;

function exportTo(name: string, options: { hideProbabilities?: boolean; randomiseOrder?: boolean; seed?: number } = {}): string {
  const out = join(dir, name);
  withDb(researcherDb, (db) => exportStudyPackage(db, researcherDb, { studyName: STUDY, out, ...options }));
  return out;
}

function orderOf(path: string): string[] {
  return withReadonly(path, (db) => worklist(db, findStudy(db, STUDY)!.id).map((w) => w.pseudonym));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-package-export-'));
  researcherDb = join(dir, 'researcher.sqlite');
  await buildResearcherDb(researcherDb, RECORDS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('study package', () => {
  it('is a valid store database holding the de-identified study, signals, runs and maps unchanged', () => {
    const pkg = exportTo('plain.ecgaudit');
    expect(readdirSync(dir).filter((f) => f.startsWith('plain.'))).toEqual(['plain.ecgaudit']);
    withReadonly(pkg, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      const { manifest } = verifyPackage(db, pkg);
      expect(manifest.kind).toBe('study');
      expect(manifest.records).toHaveLength(RECORDS);
      expect(manifest.models.map((m) => m.id)).toEqual(['tiny-imn']);
      const rows = db.prepare('SELECT * FROM records').all() as Record<string, unknown>[];
      for (const r of rows) {
        expect(r.identifying).toBeNull();
        expect(r.source_path).toBe('');
        expect(r.source_files).toBe('[]');
        expect(r.record_name).toBe(r.pseudonym);
        expect(String(r.warnings)).not.toMatch(/\d+\.(hea|dat|i|ii|v1)\b/);
      }
      expect((db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n).toBe(0);
    });
    const src = openStore(researcherDb, { readonly: true });
    const dst = openStore(pkg, { readonly: true });
    try {
      const byHash = new Map(
        (dst.prepare('SELECT id, content_sha256 FROM records').all() as { id: number; content_sha256: string }[]).map((r) => [
          r.content_sha256,
          r.id,
        ]),
      );
      for (const { id, content_sha256 } of src.prepare('SELECT id, content_sha256 FROM records').all() as {
        id: number;
        content_sha256: string;
      }[]) {
        const a = getRecord(src, id);
        const b = getRecord(dst, byHash.get(content_sha256)!);
        expect(b.leads.map((l) => Array.from(l.mv))).toEqual(a.leads.map((l) => Array.from(l.mv)));
        expect(b.annotations).toEqual(a.annotations);
        const ra = getRun(src, id)!;
        const rb = getRun(dst, b.id)!;
        expect(rb.attributionSha256).toBe(ra.attributionSha256);
        expect(rb.regions).toEqual(ra.regions);
        expect(rb.classes).toEqual(ra.classes);
      }
    } finally {
      src.close();
      dst.close();
    }
  });

  it('takes file paths and names out of record warnings, and shifts the recording date', () => {
    const row = deidentifiedRecord(
      {
        pseudonym: 'S1-0007',
        source_path: '/ward/DOE_JOHN/DOE_JOHN_123456.xml',
        source_files: JSON.stringify(['/ward/DOE_JOHN/DOE_JOHN_123456.xml', '/ward/DOE_JOHN/DOE_JOHN_123456.ann']),
        record_name: 'DOE_JOHN_123456',
        clinical: JSON.stringify({ age: 61, recordedAt: '2012-03-01T09:52:23', other: { Name: 'John Doe' } }),
        identifying: '{"name":"John Doe"}',
        warnings: JSON.stringify([
          'DOE_JOHN_123456.xml: standard lead(s) V6 missing from the file',
          '/ward/DOE_JOHN/DOE_JOHN_123456.xml: SCP-ECG record CRC does not match',
          'DOE_JOHN_123456.ann: 2 wave peaks without onset',
        ]),
      },
      400,
    );
    expect(row).toMatchObject({ source_path: '', source_files: '[]', record_name: 'S1-0007', identifying: null });
    expect(JSON.parse(String(row.warnings))).toEqual([
      'S1-0007: standard lead(s) V6 missing from the file',
      'S1-0007: SCP-ECG record CRC does not match',
      'S1-0007: 2 wave peaks without onset',
    ]);
    // 400 days before 1 March 2012 (29 February counts) is 26 January 2011; the time of day is kept
    expect(JSON.parse(String(row.clinical))).toEqual({ age: 61, recordedAt: '2011-01-26T09:52:23' });
  });

  it('follows import order, or a shuffle reproducible from its seed, and carries blinding', () => {
    const plain = orderOf(exportTo('order-plain.ecgaudit'));
    const imported = withReadonly(researcherDb, (db) => worklist(db, findStudy(db, STUDY)!.id).map((w) => w.pseudonym));
    expect(plain).toEqual(imported);
    const a = exportTo('order-a.ecgaudit', { randomiseOrder: true, seed: 42, hideProbabilities: true });
    const b = exportTo('order-b.ecgaudit', { randomiseOrder: true, seed: 42 });
    const c = exportTo('order-c.ecgaudit', { randomiseOrder: true, seed: 43 });
    expect(orderOf(a)).toEqual(orderOf(b));
    expect(orderOf(a)).not.toEqual(plain);
    expect(orderOf(c)).not.toEqual(orderOf(a));
    expect([...orderOf(a)].sort()).toEqual([...plain].sort());
    withReadonly(a, (db) => {
      const { manifest } = verifyPackage(db, a);
      expect(manifest.blinding).toEqual({ hideProbabilities: true, randomiseOrder: true, seed: 42 });
      expect(manifest.records.map((r) => r.pseudonym)).toEqual(orderOf(a));
      expect(getBlinding(db, findStudy(db, STUDY)!.id)).toEqual({
        blinded: true,
        hideProbability: true,
        hideReference: true,
        ownerId: PACKAGE_OWNER,
      });
    });
  });

  it('refuses to overwrite a file and leaves nothing behind on failure', () => {
    const out = exportTo('twice.ecgaudit');
    expect(() => exportTo('twice.ecgaudit')).toThrow(/twice\.ecgaudit: file already exists/);
    expect(existsSync(out)).toBe(true);
    const missing = join(dir, 'missing.ecgaudit');
    let error: unknown;
    try {
      withDb(researcherDb, (db) => exportStudyPackage(db, researcherDb, { studyName: 'no such study', out: missing }));
    } catch (err) {
      error = err;
    }
    expect((error as PackageError).problem).toBe('not-found');
    expect(readdirSync(dir).filter((f) => f.startsWith('missing'))).toEqual([]);
  });
});

describe('content hash', () => {
  it('survives VACUUM, copying and a rater labelling in the package, but not an edit of any content row', () => {
    const pkg = exportTo('hash.ecgaudit');
    const sha = withReadonly(pkg, (db) => verifyPackage(db, pkg).sha256);
    const copy = join(dir, 'hash-copy.ecgaudit');
    copyFileSync(pkg, copy);
    withDb(copy, (db) => {
      db.exec('VACUUM');
      labelAsRater(db, { name: 'Dr. Eve', seed: 5 });
    });
    expect(withReadonly(copy, (db) => verifyPackage(db, copy).sha256)).toBe(sha);

    const edits = [
      `UPDATE signals SET data = data || x'00' WHERE record_id = 1`,
      `UPDATE records SET clinical = '{"age": 99}' WHERE id = 2`,
      `UPDATE evidence_regions SET end_sample = end_sample + 1 WHERE id = (SELECT MIN(id) FROM evidence_regions)`,
      `UPDATE runs SET top_probability = top_probability + 1e-12 WHERE id = (SELECT MIN(id) FROM runs)`,
      `DELETE FROM annotations WHERE id = (SELECT MAX(id) FROM annotations)`,
      `UPDATE settings SET value = replace(value, '"hideProbabilities":false', '"hideProbabilities":true') WHERE key = 'package.manifest'`,
    ];
    for (const [i, edit] of edits.entries()) {
      const bad = join(dir, `hash-edit-${i}.ecgaudit`);
      copyFileSync(pkg, bad);
      const raw = new Database(bad);
      expect(raw.prepare(edit).run().changes).toBe(1);
      raw.close();
      expect(() => withReadonly(bad, (db) => verifyPackage(db, bad)), edit).toThrow(/package content does not match its hash/);
    }
  });

  it('does not depend on row order but does on value types', () => {
    const make = (rows: [string, unknown][]) => {
      const db = new Database(':memory:');
      db.exec('CREATE TABLE settings (key TEXT PRIMARY KEY, value)');
      for (const [k, v] of rows) db.prepare('INSERT INTO settings VALUES (?, ?)').run(k, v);
      const sha = contentHash(db, [{ name: 'settings', orderBy: 'key', where: `key <> '${CONTENT_HASH_KEY}'` }]);
      db.close();
      return sha;
    };
    const a = make([
      ['package.a', 'x'],
      ['package.b', 2],
    ]);
    expect(
      make([
        ['package.b', 2],
        ['package.a', 'x'],
      ]),
    ).toBe(a);
    expect(
      make([
        ['package.a', 'x'],
        ['package.b', 2.5],
      ]),
    ).not.toBe(a);
    expect(
      make([
        ['package.a', Buffer.from('x')],
        ['package.b', 2],
      ]),
    ).not.toBe(a);
    expect(
      make([
        ['package.a', 'x'],
        ['package.b', '2'],
      ]),
    ).not.toBe(a);
    expect(
      make([
        ['package.a', 'x'],
        ['package.b', 2],
        [CONTENT_HASH_KEY, 'ignored'],
      ]),
    ).toBe(a);
  });
});

describe('labels package', () => {
  it('holds one rater history without signals or maps, and names the package it was made in', () => {
    const pkg = exportTo('labels-src.ecgaudit');
    const raterIds = withDb(pkg, (db) => [
      labelAsRater(db, { name: 'Dr. A', seed: 1 }).raterId,
      labelAsRater(db, { name: 'Dr. B', seed: 2 }).raterId,
    ]);
    const out = join(dir, 'labels-a.ecgaudit');
    const summary = withDb(pkg, (db) => exportLabelsPackage(db, pkg, { studyName: STUDY, out, raterId: raterIds[0] }));
    expect(summary.raters).toBe(1);
    withReadonly(out, (db) => {
      expect(db.pragma('foreign_key_check')).toEqual([]);
      for (const t of ['signals', 'attribution_maps', 'annotations']) {
        expect((db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(0);
      }
    });
    const read = readPackageLabels(out);
    expect(read.manifest.kind).toBe('labels');
    expect(read.manifest.raterIds).toEqual([raterIds[0]]);
    expect(read.manifest.madeAgainstPackage).toBe(readPackageLabels(pkg).sha256);
    expect(new Set(read.labels.map((l) => l.raterId))).toEqual(new Set([raterIds[0]]));
    expect(read.labels.length).toBe(summary.labels);
    expect(read.labels.some((l) => l.supersedes !== null)).toBe(true);
  });
});
