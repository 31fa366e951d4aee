import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import {
  appendLabel,
  currentLabels,
  ensureStudy,
  getRecord,
  getRun,
  labelHistory,
  registerModel,
  getSetting,
  insertRecord,
  listStudies,
  openStore,
  SCHEMA_VERSION,
  signalHash,
  StoreError,
  storedMaps,
  type Db,
} from '../../src/core/store/index.ts';
import { encodeMap, encodeSignal } from '../../src/core/store/codec.ts';
import { predictedClasses } from '../../src/core/store/viewerQueries.ts';
import type { Prediction } from '../../src/core/inference/explain.ts';
import { backupStore } from '../../src/core/store/db.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-store-'));
});

function expectStoreError(fn: () => unknown, problem: string, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).problem).toBe(problem);
    expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a StoreError');
}

/** A run as the app wrote it before migration 10: the maps stored (float16), no digest. */
function insertRunAsBefore10(db: Db, recordId: number, p: Prediction): void {
  const top = [...p.classes].sort((a, b) => b.probability - a.probability)[0]!;
  const runId = Number(
    db
      .prepare(
        `INSERT INTO runs (record_id, model_id, classes, top_class, top_probability, completeness_error, provider, timings,
           map_rate_hz, windows, warnings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, '[]', '2026-01-01T00:00:00.000Z')`,
      )
      .run(
        recordId,
        p.modelId,
        JSON.stringify(p.classes),
        top.code,
        top.probability,
        p.completenessMaxAbsError,
        p.executionProvider,
        p.samplingRateHz,
        JSON.stringify({ samples: p.samples, inputLength: p.inputLength, windowStarts: p.windowStarts, leads: p.leads }),
      ).lastInsertRowid,
  );
  p.attribution.forEach((a, k) =>
    db
      .prepare(
        "INSERT INTO attribution_maps (run_id, class_index, leads, samples, encoding, data) VALUES (?, ?, ?, ?, 'float16-shuffle-deflate', ?)",
      )
      .run(runId, k, p.leads.length, p.samples, encodeMap(a)),
  );
  for (const r of p.regions) {
    db.prepare(
      'INSERT INTO evidence_regions (run_id, class_name, lead, start_sample, end_sample, contribution, rank) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(runId, r.classCode, r.lead, r.startSample, r.endSample, r.contribution, r.rank);
  }
}

describe('openStore', () => {
  let db: Db | undefined;
  afterEach(() => db?.close());

  it('creates a database at the latest schema with WAL and foreign keys', () => {
    db = openStore(join(dir, 'sub', 'a.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
  });

  it('migrates a version-1 database forward and keeps its data', async () => {
    const path = join(dir, 'old.sqlite');
    const old = openStore(path, { migrateTo: 1 });
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    // rows as the version-1 app wrote them
    const rec = await readEcgFile(join(sharedDataDir(), 'ludb/data/2.hea'));
    const signal = encodeSignal(rec.leads);
    old.transaction(() => {
      old
        .prepare("INSERT INTO studies (id, name, pseudonym_prefix, created_at) VALUES (1, 'legacy', 'S1', '2026-01-01T00:00:00.000Z')")
        .run();
      old
        .prepare(
          `INSERT INTO records (id, study_id, pseudonym, content_sha256, source_path, source_files, record_name, format, sampling_rate_hz,
           samples_per_lead, duration_s, lead_names, clinical, identifying, warnings, imported_at)
         VALUES (7, 1, 'S1-0001', ?, ?, '[]', ?, 'wfdb', ?, ?, ?, ?, '{"age":50}', NULL, '[]', '2026-01-01T00:00:00.000Z')`,
        )
        .run(
          signalHash(rec),
          rec.sourcePath,
          rec.recordName,
          rec.samplingRateHz,
          rec.samplesPerLead,
          rec.durationS,
          JSON.stringify(rec.leads.map((l) => l.name)),
        );
      old.prepare('INSERT INTO signals (record_id, leads, data) VALUES (7, ?, ?)').run(JSON.stringify(signal.leads), signal.data);
      old
        .prepare(
          "INSERT INTO annotations (record_id, lead, kind, onset_sample, peak_sample, offset_sample) VALUES (7, 'II', 'QRS', 100, 110, 120)",
        )
        .run();
      old.prepare("INSERT INTO settings (key, value) VALUES ('theme', 'dark')").run();
    })();
    expect(() => old.prepare('SELECT * FROM labels').all()).toThrow(/no such table/);
    old.close();

    db = openStore(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(listStudies(db)).toMatchObject([{ name: 'legacy', records: 1 }]);
    const back = getRecord(db, 7);
    expect(back).toMatchObject({
      pseudonym: 'S1-0001',
      clinical: { age: 50 },
      annotations: [{ lead: 'II', kind: 'QRS', onsetSample: 100 }],
    });
    back.leads.forEach((l, i) => expect(l.mv).toEqual(rec.leads[i]!.mv));
    expect(getSetting(db, 'theme')).toBe('dark');
    expect(db.prepare('SELECT COUNT(*) AS n FROM labels').get()).toEqual({ n: 0 });
    // numbering goes on after the migrated records
    const other = await readEcgFile(join(sharedDataDir(), 'ludb/data/3.hea'));
    const added = db.transaction(() => insertRecord(db!, 1, other, signalHash(other), false))();
    expect(added.pseudonym).toBe('S1-0002');
    // a record copied in without the counter (as a package import does) is stepped over
    db.prepare("UPDATE records SET pseudonym = 'S1-0003' WHERE id = 7").run();
    const third = await readEcgFile(join(sharedDataDir(), 'ludb/data/4.hea'));
    expect(db.transaction(() => insertRecord(db!, 1, third, signalHash(third), false))().pseudonym).toBe('S1-0004');
  });

  it('migrates a version-5 database with labels to withdrawals, keeping every label, link and guard', async () => {
    const path = join(dir, 'v5.sqlite');
    const old = openStore(path, { migrateTo: 5 });
    const engine = await InferenceEngine.open(repoPath('tests/fixtures/models/tiny-imn'));
    const rec = await readEcgFile(join(sharedDataDir(), 'ptbxl/records100/00000/00010_lr.hea'));
    const prediction = await engine.predict(rec);
    await engine.close();
    const study = ensureStudy(old, 'v5');
    const recordId = old.transaction(() => {
      registerModel(old, engine.model.manifest);
      const id = insertRecord(old, study.id, rec, signalHash(rec), false).id;
      insertRunAsBefore10(old, id, prediction);
      return id;
    })();
    const g = getRun(old, recordId)!.regions[0]!;
    const regionId = g.id;
    // rows as the version-5 app wrote them (today's appendLabel also signs, which needs migration 8)
    const rater = { id: 'rater-before', displayName: 'Dr. Before', createdAt: '2026-01-01T00:00:00.000Z' };
    old.prepare('INSERT INTO raters (id, display_name, created_at) VALUES (?, ?, ?)').run(rater.id, rater.displayName, rater.createdAt);
    let n = 0;
    const v5Label = (
      target: [string, string, number | null, string | null, string | null, number | null, number | null],
      value: string,
      extra: { reasons?: string; note?: string; scale?: string; supersedes?: string } = {},
    ) => {
      const id = `label-${++n}`;
      old
        .prepare(
          `INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, region_id, class_name, lead, start_sample,
             end_sample, value, reasons, note, scale, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          rater.id,
          `2026-01-01T00:00:0${n}.000Z`,
          recordId,
          ...target,
          value,
          extra.reasons ?? '[]',
          extra.note ?? '',
          extra.scale ?? null,
          extra.supersedes ?? null,
        );
      return { id };
    };
    const regionTarget = ['region', `region:${regionId}`, regionId, g.classCode, g.lead, g.startSample, g.endSample] as [
      string,
      string,
      number,
      string,
      string,
      number,
      number,
    ];
    const first = v5Label(regionTarget, 'valid', { reasons: '["qrs"]', scale: 'fixed' });
    v5Label(regionTarget, 'not_valid', { note: 'artefact', supersedes: first.id });
    v5Label(['plausible', 'plausible', null, null, null, null, null], 'partly');
    v5Label(['agree-class', 'agree:NORM', null, 'NORM', null, null, null], 'no');
    v5Label(['drawn-region', 'drawn:MI:V2:120:180', null, 'MI', 'V2', 120, 180], 'valid');
    const region = { kind: 'region', regionId } as const;
    const before = labelHistory(old);
    expect(() => v5Label(regionTarget, 'withdrawn', { supersedes: 'label-2' })).toThrow(/CHECK constraint/);
    old.close();

    db = openStore(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(labelHistory(db)).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const objects = db.prepare("SELECT type, name FROM sqlite_master WHERE tbl_name LIKE 'labels%' ORDER BY name").all();
    expect(objects).toEqual(
      expect.arrayContaining([
        { type: 'table', name: 'labels' },
        { type: 'index', name: 'labels_record' },
        { type: 'trigger', name: 'labels_no_delete' },
        { type: 'trigger', name: 'labels_no_update' },
        { type: 'trigger', name: 'labels_no_replace' },
      ]),
    );
    expect(objects.some((o) => (o as { name: string }).name === 'labels_v5')).toBe(false);
    expect(() => db!.prepare("UPDATE labels SET value = 'unsure' WHERE id = ?").run(first.id)).toThrow(/append-only/);
    expect(() => db!.prepare('DELETE FROM labels WHERE id = ?').run(first.id)).toThrow(/append-only/);
    expect(() =>
      db!
        .prepare(
          "INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, value, reasons, note, supersedes) VALUES ('x', ?, '', ?, 'plausible', 'plausible', 'yes', '[]', '', ?)",
        )
        .run(rater.id, recordId, first.id),
    ).toThrow(/UNIQUE/);
    // the run keeps the maps it stored before migration 10
    const run = getRun(db, recordId)!;
    expect(run.attributionSha256).toBeNull();
    expect(storedMaps(db, run.id)).toHaveLength(prediction.classes.length);
    // and the migration filled in its predicted classes, as insertRun writes them
    const { predicted } = db.prepare('SELECT predicted FROM runs WHERE id = ?').get(run.id) as { predicted: string };
    expect(JSON.parse(predicted)).toEqual(predictedClasses(prediction.classes));
    // the migrated chain goes on, now with a withdrawal
    const withdrawal = appendLabel(db, { raterId: rater.id, target: region, value: 'withdrawn' });
    expect(withdrawal.supersedes).toBe(before.find((l) => l.targetKind === 'region' && l.current)!.id);
    expect(
      currentLabels(db, recordId)
        .map((l) => l.targetKind)
        .sort(),
    ).toEqual(['agree-class', 'drawn-region', 'plausible']);
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
    const before = readFileSync(path);
    expectStoreError(() => openStore(path), 'not-sqlite', /notes\.sqlite: not an SQLite database/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a corrupt database with a clear error and never overwrites it', async () => {
    const path = join(dir, 'good.sqlite');
    const good = openStore(path);
    const study = ensureStudy(good, 'x');
    const rec = await readEcgFile(join(sharedDataDir(), 'ptbxl/records100/00000/00002_lr.hea'));
    good.transaction(() => insertRecord(good, study.id, rec, signalHash(rec), false))();
    good.pragma('wal_checkpoint(TRUNCATE)');
    good.close();
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    // scribble over every page after the schema page: tables and indexes become garbage
    for (let off = pageSize; off < bytes.length; off += 97) bytes[off] = (bytes[off]! * 31 + 7) & 0xff;
    const corrupt = join(dir, 'corrupt.sqlite');
    writeFileSync(corrupt, bytes);
    expectStoreError(() => openStore(corrupt), 'corrupt', /corrupt\.sqlite: database is corrupt .*left untouched/);
    expect(readFileSync(corrupt).equals(bytes)).toBe(true);
  });

  it('refuses a database from a newer app', () => {
    const path = join(dir, 'new.sqlite');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expectStoreError(() => openStore(path), 'newer-schema', /newer than this app/);
  });

  it('opens read-only without creating or migrating', () => {
    expectStoreError(() => openStore(join(dir, 'none.sqlite'), { readonly: true }), 'not-found', /does not exist/);
    const path = join(dir, 'v1.sqlite');
    openStore(path, { migrateTo: 1 }).close();
    expectStoreError(() => openStore(path, { readonly: true }), 'outdated-readonly', /open it writable once/);
  });

  it('backs up a live database to a file that opens and holds the same rows', async () => {
    const path = join(dir, 'live.sqlite');
    db = openStore(path);
    ensureStudy(db, 'backed up');
    const out = join(dir, 'backup', 'copy.sqlite');
    await backupStore(db, out);
    const copy = openStore(out, { readonly: true });
    expect(listStudies(copy).map((s) => s.name)).toEqual(['backed up']);
    copy.close();
  });
});
