import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import {
  appendLabel,
  createRater,
  currentLabels,
  type Db,
  ensureStudy,
  getRun,
  insertRecord,
  insertRun,
  labelHistory,
  openStore,
  registerModel,
  signalHash,
  StoreError,
  worklist,
} from '../../src/core/store/index.ts';
import { loadStudyData } from '../../src/core/report/data.ts';
import { labelAccessRefusal, readableLabels, settingsRefusal } from '../../src/core/store/viewerQueries.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';

let db: Db;
let recordId: number;
let regionId: number;

beforeAll(async () => {
  db = openStore(join(mkdtempSync(join(tmpdir(), 'ecg-labels-')), 'a.sqlite'));
  const engine = await InferenceEngine.open(repoPath('tests/fixtures/models/tiny-imn'));
  const rec = await readEcgFile(join(sharedDataDir(), 'ptbxl/records100/00000/00010_lr.hea'));
  const prediction = await engine.predict(rec);
  await engine.close();
  const study = ensureStudy(db, 'labels');
  db.transaction(() => {
    registerModel(db, engine.model.manifest);
    recordId = insertRecord(db, study.id, rec, signalHash(rec), false).id;
    insertRun(db, recordId, prediction, {});
  })();
  const run = getRun(db, recordId)!;
  expect(run.regions.length).toBeGreaterThan(0);
  regionId = run.regions[0]!.id;
});
afterAll(() => db.close());

describe('raters', () => {
  it('gives two raters with the same name distinct ids', () => {
    const a = createRater(db, 'Dr. Smith');
    const b = createRater(db, 'Dr. Smith');
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('append-only labels', () => {
  it('keeps every version; a change supersedes, the current label is the newest', () => {
    const rater = createRater(db, 'Ann');
    const first = appendLabel(db, {
      raterId: rater.id,
      target: { kind: 'region', regionId },
      value: 'valid',
      reasons: ['qrs'],
      scale: 'per-record',
    });
    expect(first.supersedes).toBeNull();
    expect(first).toMatchObject({ recordId, targetKind: 'region', regionId, value: 'valid', reasons: ['qrs'] });
    expect(first.className).not.toBeNull();
    const second = appendLabel(db, {
      raterId: rater.id,
      target: { kind: 'region', regionId },
      value: 'not_valid',
      reasons: ['noise_artifact'],
      note: 'artefact',
    });
    expect(second.supersedes).toBe(first.id);
    expect(currentLabels(db, recordId, { raterId: rater.id }).map((l) => l.id)).toEqual([second.id]);
    const history = labelHistory(db).filter((h) => h.raterId === rater.id);
    expect(history.map((h) => [h.id, h.current])).toEqual([
      [first.id, false],
      [second.id, true],
    ]);
    expect(history[0]!.raterName).toBe('Ann');
  });

  it('rejects UPDATE and DELETE on labels at the database level', () => {
    const rater = createRater(db, 'Bob');
    const l = appendLabel(db, { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'partly' });
    expect(() => db.prepare("UPDATE labels SET value = 'yes' WHERE id = ?").run(l.id)).toThrow(/append-only: UPDATE is forbidden/);
    expect(() => db.prepare('DELETE FROM labels WHERE id = ?').run(l.id)).toThrow(/append-only: DELETE is forbidden/);
    expect(() => db.prepare('DELETE FROM labels').run()).toThrow(/append-only/);
    expect(currentLabels(db, recordId, { raterId: rater.id })[0]!.value).toBe('partly');
  });

  it('rejects INSERT OR REPLACE of an existing label id (it would rewrite the label without a trace)', () => {
    const rater = createRater(db, 'Eve');
    const l = appendLabel(db, { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'no' });
    const columns = 'id, rater_id, created_at, record_id, target_kind, target_key, value, reasons, note';
    for (const verb of ['INSERT OR REPLACE INTO', 'REPLACE INTO', 'INSERT OR IGNORE INTO', 'INSERT INTO']) {
      expect(() =>
        db
          .prepare(`${verb} labels (${columns}) VALUES (?, ?, ?, ?, 'plausible', 'plausible', 'yes', '[]', '')`)
          .run(l.id, rater.id, l.createdAt, recordId),
      ).toThrow(/append-only: label id exists/);
    }
    const rows = db.prepare('SELECT value FROM labels WHERE id = ?').all(l.id);
    expect(rows).toEqual([{ value: 'no' }]);
  });

  it('keeps raters blind to each other and shows everyone without a rater filter', () => {
    const a = createRater(db, 'Cara');
    const b = createRater(db, 'Dan');
    appendLabel(db, { raterId: a.id, target: { kind: 'agree-class', recordId, className: 'NORM' }, value: 'yes' });
    appendLabel(db, { raterId: b.id, target: { kind: 'agree-class', recordId, className: 'NORM' }, value: 'no' });
    expect(currentLabels(db, recordId, { raterId: a.id }).map((l) => l.value)).toEqual(['yes']);
    expect(currentLabels(db, recordId, { raterId: b.id }).map((l) => l.value)).toEqual(['no']);
    const all = currentLabels(db, recordId).filter((l) => l.targetKind === 'agree-class');
    expect(all.map((l) => l.raterId).sort()).toEqual([a.id, b.id].sort());
    // the audit trail of one rater (what a rater's own report reads in a blinded study)
    const study = ensureStudy(db, 'labels');
    expect(labelHistory(db, { studyId: study.id, raterId: a.id }).map((l) => [l.raterId, l.value])).toEqual([[a.id, 'yes']]);
    expect(new Set(labelHistory(db, { studyId: study.id }).map((l) => l.raterId))).toEqual(
      new Set([...labelHistory(db).map((l) => l.raterId)]),
    );
    const own = loadStudyData(db, { study: 'labels', onlyRater: b.id });
    expect(own.labels.map((l) => [l.raterId, l.value])).toEqual([[b.id, 'no']]);
    expect(own.raters.map((r) => r.id)).toEqual([b.id]);
  });

  it('lets only the owner of a blinded study, with a protected name, read every rater’s labels', () => {
    const blinding = { blinded: true, hideProbability: false, hideReference: false, ownerId: 'owner' };
    expect(readableLabels(blinding, 'owner', true)).toEqual({ kind: 'everyone' });
    // an owner anyone could pick in the rater list (a study blinded before passphrases) reads like any rater
    expect(readableLabels(blinding, 'owner', false)).toEqual({ kind: 'own', raterId: 'owner' });
    expect(readableLabels(blinding, 'rater', true)).toEqual({ kind: 'own', raterId: 'rater' });
    expect(readableLabels(blinding, undefined, true)).toBeNull();
    expect(readableLabels({ ...blinding, ownerId: null }, 'rater', false)).toEqual({ kind: 'own', raterId: 'rater' });
    expect(readableLabels({ ...blinding, blinded: false }, 'rater', false)).toEqual({ kind: 'everyone' });
    expect(readableLabels({ ...blinding, blinded: false }, undefined, false)).toEqual({ kind: 'everyone' });
  });

  it('lets a rater read or write labels in a blinded study only under a protected name', () => {
    expect(labelAccessRefusal({ blinded: true }, false)).toBe('needs-passphrase');
    expect(labelAccessRefusal({ blinded: true }, true)).toBeNull();
    // a study that is not blinded keeps the one-click rater switch
    expect(labelAccessRefusal({ blinded: false }, false)).toBeNull();
    expect(labelAccessRefusal({ blinded: false }, true)).toBeNull();
  });

  it('lets the owner change study settings, and blind them only with a protected name', () => {
    const open = { blinded: false, hideProbability: false, hideReference: false, ownerId: null };
    // not blinded: the first caller becomes the owner, as before passphrases
    expect(settingsRefusal(open, { blinded: false }, 'a', false)).toBeNull();
    expect(settingsRefusal(open, { blinded: true }, 'a', false)).toBe('needs-passphrase');
    expect(settingsRefusal(open, { blinded: true }, 'a', true)).toBeNull();
    const owned = { ...open, ownerId: 'a' };
    expect(settingsRefusal(owned, { blinded: false }, 'b', true)).toBe('not-owner');
    expect(settingsRefusal(owned, { blinded: true }, 'a', true)).toBeNull();
    // a study blinded before passphrases: its owner protects their name before changing anything
    expect(settingsRefusal({ ...owned, blinded: true }, { blinded: false }, 'a', false)).toBe('needs-passphrase');
    expect(settingsRefusal({ ...owned, blinded: true }, { blinded: false }, 'b', true)).toBe('not-owner');
  });

  it('stores user-drawn regions and reports them in the worklist progress', () => {
    const rater = createRater(db, 'Eve');
    appendLabel(db, {
      raterId: rater.id,
      target: { kind: 'drawn-region', recordId, className: 'MI', lead: 'V2', startSample: 120, endSample: 180 },
      value: 'valid',
      reasons: ['st_t', 'misses_key_finding'],
      scale: 'fixed',
    });
    appendLabel(db, { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'yes' });
    const [item] = worklist(db, 1, { raterId: rater.id });
    expect(item).toMatchObject({ recordId, labelsByRater: 2, reviewedByRater: true });
    expect(item!.topClass).not.toBeNull();
    expect(worklist(db, 1, { raterId: createRater(db, 'New').id })[0]).toMatchObject({ labelsByRater: 0, reviewedByRater: false });
  });

  it("rejects bad values, unknown reasons, other raters' labels and labels that are not current", () => {
    const a = createRater(db, 'Fay');
    const b = createRater(db, 'Gus');
    const bad = (fn: () => unknown, problem: string): void => {
      expect(fn).toThrow(StoreError);
      try {
        fn();
      } catch (err) {
        expect((err as StoreError).problem).toBe(problem);
      }
    };
    bad(() => appendLabel(db, { raterId: a.id, target: { kind: 'plausible', recordId }, value: 'valid' }), 'invalid');
    bad(
      () => appendLabel(db, { raterId: a.id, target: { kind: 'region', regionId }, value: 'valid', reasons: ['vibes' as never] }),
      'invalid',
    );
    bad(() => appendLabel(db, { raterId: a.id, target: { kind: 'region', regionId: 999_999 }, value: 'valid' }), 'not-found');
    bad(() => appendLabel(db, { raterId: 'nobody', target: { kind: 'plausible', recordId }, value: 'yes' }), 'not-found');
    const mine = appendLabel(db, { raterId: a.id, target: { kind: 'region', regionId }, value: 'unsure' });
    bad(() => appendLabel(db, { raterId: b.id, target: { kind: 'region', regionId }, value: 'valid', supersedes: mine.id }), 'conflict');
    appendLabel(db, { raterId: a.id, target: { kind: 'region', regionId }, value: 'valid', supersedes: mine.id });
    bad(
      () => appendLabel(db, { raterId: a.id, target: { kind: 'region', regionId }, value: 'not_valid', supersedes: mine.id }),
      'conflict',
    );
  });

  it('withdraws a first label: the target is unlabelled again, the trail keeps both rows', () => {
    const rater = createRater(db, 'Hal');
    const region = { kind: 'region', regionId } as const;
    const plausible = { kind: 'plausible', recordId } as const;
    const first = appendLabel(db, { raterId: rater.id, target: region, value: 'not_valid', reasons: ['qrs'] });
    const verdict = appendLabel(db, { raterId: rater.id, target: plausible, value: 'no' });
    expect(worklist(db, 1, { raterId: rater.id })[0]).toMatchObject({ labelsByRater: 2, reviewedByRater: true });

    const withdrawal = appendLabel(db, { raterId: rater.id, target: region, value: 'withdrawn' });
    expect(withdrawal).toMatchObject({ value: 'withdrawn', supersedes: first.id, reasons: [], targetKey: first.targetKey });
    appendLabel(db, { raterId: rater.id, target: plausible, value: 'withdrawn' });
    expect(currentLabels(db, recordId, { raterId: rater.id })).toEqual([]);
    expect(currentLabels(db, recordId).some((l) => l.value === 'withdrawn')).toBe(false);
    expect(worklist(db, 1, { raterId: rater.id })[0]).toMatchObject({ labelsByRater: 0, reviewedByRater: false });
    // rows written in the same millisecond sort by id, so compare as a set
    const trail = labelHistory(db).filter((h) => h.raterId === rater.id);
    expect(trail.map((h) => [h.value, h.supersedes, h.current])).toHaveLength(4);
    expect(trail.map((h) => [h.value, h.supersedes, h.current])).toEqual(
      expect.arrayContaining([
        ['not_valid', null, false],
        ['no', null, false],
        ['withdrawn', first.id, true],
        ['withdrawn', verdict.id, true],
      ]),
    );

    // nothing left to withdraw; a withdrawal has no reasons; labelling again supersedes the withdrawal
    expect(() => appendLabel(db, { raterId: rater.id, target: region, value: 'withdrawn' })).toThrow(
      /no label on region:\d+ .* to withdraw/,
    );
    const other = createRater(db, 'Ida');
    expect(() => appendLabel(db, { raterId: other.id, target: plausible, value: 'withdrawn' })).toThrow(StoreError);
    expect(() => appendLabel(db, { raterId: rater.id, target: plausible, value: 'withdrawn', reasons: ['qrs'] })).toThrow(
      /withdrawal carries no reasons/,
    );
    const again = appendLabel(db, { raterId: rater.id, target: region, value: 'valid' });
    expect(again.supersedes).toBe(withdrawal.id);
    expect(currentLabels(db, recordId, { raterId: rater.id }).map((l) => l.id)).toEqual([again.id]);
  });

  it('enforces at the database level that a withdrawal withdraws a label and carries no reasons', () => {
    const rater = createRater(db, 'Jo');
    const insert = (reasons: string, supersedes: string | null): unknown =>
      db
        .prepare(
          `INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, value, reasons, note, supersedes)
           VALUES (lower(hex(randomblob(16))), ?, '2026-01-01T00:00:00.000Z', ?, 'plausible', 'plausible', 'withdrawn', ?, '', ?)`,
        )
        .run(rater.id, recordId, reasons, supersedes);
    expect(() => insert('[]', null)).toThrow(/CHECK constraint failed/);
    const l = appendLabel(db, { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'yes' });
    expect(() => insert('["qrs"]', l.id)).toThrow(/CHECK constraint failed/);
  });
});
