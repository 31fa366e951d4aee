/**
 * The worklist in SQL over a real imported study (LUDB records through the batch import and the tiny model),
 * grown to 300 records by cloning its rows: pages, filters, search, the per-rater shuffle and moving through it
 * agree with the same computed in JavaScript from the rows themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLabel, createRater, type Db, findStudy, openStore } from '../../src/core/store/index.ts';
import { predictedClasses } from '../../src/core/store/viewerQueries.ts';
import { ALL_RECORDS, type WorklistQuery, worklistPage, worklistStep, worklistSummary } from '../../src/core/store/worklistQuery.ts';
import { cloneStudy } from '../helpers/largeStudy.ts';
import { buildViewerDb, VIEWER_STUDY } from '../renderer/viewerDb.ts';

const N = 300;
let dir: string;
let db: Db;
let studyId: number;
let me: string;
let other: string;
/** Every record as the rows say: id, pseudonym, file name, clinical text, top probability, predicted classes. */
let all: { id: number; pseudonym: string; name: string; clinical: string; top: number; predicted: string[] }[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-worklist-'));
  const path = join(dir, 'audit.sqlite');
  await buildViewerDb(path, [1, 2, 3]);
  db = openStore(path);
  studyId = findStudy(db, VIEWER_STUDY)!.id;
  cloneStudy(db, studyId, N, 2);
  me = createRater(db, 'Dr Me').id;
  other = createRater(db, 'Dr Other').id;
  all = (
    db
      .prepare(
        `SELECT r.id, r.pseudonym, r.record_name AS name, r.clinical, run.top_probability AS top, run.classes
         FROM records r JOIN runs run ON run.record_id = r.id WHERE r.study_id = ? ORDER BY r.id`,
      )
      .all(studyId) as { id: number; pseudonym: string; name: string; clinical: string; top: number; classes: string }[]
  ).map((r) => ({ ...r, predicted: predictedClasses(JSON.parse(r.classes)) }));
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const query = (over: Partial<WorklistQuery> = {}): WorklistQuery => ({
  studyId,
  raterId: me,
  blinded: false,
  filter: ALL_RECORDS,
  shuffleSeed: null,
  searchClinical: true,
  ...over,
});
const ids = (q: WorklistQuery): number[] => worklistPage(db, q, 0, 1000).rows.map((r) => r.recordId);

describe('worklist pages', () => {
  it('cover the study in record order, page by page, with the total', () => {
    expect(all).toHaveLength(N);
    const pages = [0, 1, 2, 3].map((p) => worklistPage(db, query(), p * 100, 100));
    expect(pages.map((p) => p.total)).toEqual([N, N, N, N]);
    expect(pages.flatMap((p) => p.rows.map((r) => r.recordId))).toEqual(all.map((r) => r.id));
    const first = pages[0]!.rows[0]!;
    expect(first).toMatchObject({ pseudonym: 'S1-0001', predicted: all[0]!.predicted, labelsByRater: 0, reviewedByRater: false });
  });

  it('shuffle every record into a per-seed order', () => {
    const a = ids(query({ shuffleSeed: 12345 }));
    expect([...a].sort((x, y) => x - y)).toEqual(all.map((r) => r.id));
    expect(a).not.toEqual(all.map((r) => r.id));
    expect(ids(query({ shuffleSeed: 12345 }))).toEqual(a);
    expect(ids(query({ shuffleSeed: 777 }))).not.toEqual(a);
  });
});

describe('worklist filters and search', () => {
  it('filter by predicted class and probability band as the run rows say', () => {
    for (const code of ['NORM', 'MI', 'STTC', 'CD', 'HYP']) {
      expect(ids(query({ filter: { ...ALL_RECORDS, classCode: code } }))).toEqual(
        all.filter((r) => r.predicted.includes(code)).map((r) => r.id),
      );
    }
    const band = { ...ALL_RECORDS, minProbability: 0.5, maxProbability: 0.9 };
    expect(ids(query({ filter: band }))).toEqual(all.filter((r) => r.top >= 0.5 && r.top <= 0.9).map((r) => r.id));
  });

  it('search pseudonym, file name and diagnosis text, any case, with LIKE wildcards taken literally', () => {
    expect(ids(query({ filter: { ...ALL_RECORDS, search: 's1-0002' } }))).toEqual([all[1]!.id]);
    const copies = all.filter((r) => r.name.toLowerCase().includes('copy12')).map((r) => r.id);
    expect(copies.length).toBe(11);
    expect(ids(query({ filter: { ...ALL_RECORDS, search: 'COPY12' } }))).toEqual(copies);
    const brady = all.filter((r) => r.clinical.toLowerCase().includes('bradycardia')).map((r) => r.id);
    expect(brady.length).toBe(N / 3);
    expect(ids(query({ filter: { ...ALL_RECORDS, search: 'Bradycardia' } }))).toEqual(brady);
    // where the study hides reference diagnoses, the search does not look into them
    expect(ids(query({ filter: { ...ALL_RECORDS, search: 'Bradycardia' }, searchClinical: false }))).toEqual([]);
    expect(ids(query({ filter: { ...ALL_RECORDS, search: '%' } }))).toEqual([]);
    expect(ids(query({ filter: { ...ALL_RECORDS, search: '_' } }))).toEqual([]);
  });

  it('filter my unlabelled records and disagreements, blinded or not', () => {
    const [a, b, c] = [all[4]!.id, all[5]!.id, all[6]!.id];
    appendLabel(db, { raterId: me, target: { kind: 'plausible', recordId: a }, value: 'yes' });
    appendLabel(db, { raterId: me, target: { kind: 'plausible', recordId: b }, value: 'no' });
    appendLabel(db, { raterId: me, target: { kind: 'plausible', recordId: c }, value: 'yes' });
    appendLabel(db, { raterId: other, target: { kind: 'plausible', recordId: c }, value: 'partly' });
    const unlabelled = ids(query({ filter: { ...ALL_RECORDS, unlabeledByMe: true } }));
    expect(unlabelled).toEqual(all.map((r) => r.id).filter((id) => ![a, b, c].includes(id)));
    expect(ids(query({ filter: { ...ALL_RECORDS, disagreementOnly: true } }))).toEqual([b, c]);
    expect(ids(query({ filter: { ...ALL_RECORDS, disagreementOnly: true }, blinded: true }))).toEqual([b]);
    const page = worklistPage(db, query(), 0, 10).rows;
    expect(page[4]).toMatchObject({ reviewedByRater: true, labelsByRater: 1, disagreement: false });
    expect(page[5]).toMatchObject({ reviewedByRater: true, disagreement: true });
    expect(worklistSummary(db, studyId, me)).toMatchObject({ records: N, reviewed: 3 });
    expect(worklistSummary(db, studyId, me).classCodes.sort()).toEqual(['CD', 'HYP', 'MI', 'NORM', 'STTC']);
  });
});

describe('moving through the worklist', () => {
  it('finds the first, the next, the previous and this record with their index, in either order', () => {
    for (const shuffleSeed of [null, 4242]) {
      const order = ids(query({ shuffleSeed }));
      const q = query({ shuffleSeed });
      expect(worklistStep(db, q, null, 'first')).toEqual({ recordId: order[0], index: 0 });
      expect(worklistStep(db, q, order[10]!, 'next')).toEqual({ recordId: order[11], index: 11 });
      expect(worklistStep(db, q, order[10]!, 'previous')).toEqual({ recordId: order[9], index: 9 });
      expect(worklistStep(db, q, order[10]!, 'this')).toEqual({ recordId: order[10], index: 10 });
      expect(worklistStep(db, q, order[N - 1]!, 'next')).toBeNull();
      expect(worklistStep(db, q, order[0]!, 'previous')).toBeNull();
    }
  });

  it('moves within the filtered list from a record outside it, and to the next record without my verdict, wrapping', () => {
    const q = query({ filter: { ...ALL_RECORDS, search: 'bradycardia' } });
    const brady = ids(q);
    expect(worklistStep(db, q, all[1]!.id, 'next')).toEqual({ recordId: brady[1], index: 1 });
    expect(worklistStep(db, q, all[1]!.id, 'this')).toBeNull();
    // records 5-7 carry my verdict: from 4 the next unreviewed is 8; from the last it wraps to the first
    const ordered = ids(query());
    expect(worklistStep(db, query(), ordered[3]!, 'next-unreviewed')?.recordId).toBe(ordered[7]);
    expect(worklistStep(db, query(), ordered[N - 1]!, 'next-unreviewed')?.recordId).toBe(ordered[0]);
  });
});
