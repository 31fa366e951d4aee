import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../src/app/index.ts';
import { ReferenceResolver } from '../../src/core/dataset/reference.ts';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { getRecordSummary, getRun, openStore } from '../../src/core/store/index.ts';
import { predictedClasses } from '../../src/core/store/viewerQueries.ts';
import { classificationMetrics, type Label } from '../../src/core/audit/classification.ts';
import { buildReport, DEFAULT_SETTINGS } from '../../src/core/report/build.ts';
import { loadStudyData } from '../../src/core/report/data.ts';
import { reportHtml } from '../../src/core/report/html.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { buildDb, ludbRecordFiles, ptbxlRecordFiles, viewerContext } from '../renderer/viewerDb.ts';

let dir: string;
let dbPath: string;
let call: <M extends ApiMethod>(method: M, request: ApiRequest<M>) => Promise<ApiResponse<M>>;
let studyId: number;
let raterId: string;
const cinc = ['E00009', 'E00793', 'HR00599', 'Q0001'].flatMap((n) =>
  ['hea', 'mat'].map((e) => join(sharedDataDir(), 'cinc2020', `${n}.${e}`)),
);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-reference-'));
  dbPath = join(dir, 'audit.sqlite');
  // 6 PTB-XL (one without a diagnostic superclass would be kept as a record, without a reference), 4 CinC, 4 LUDB
  await buildDb(dbPath, [...ptbxlRecordFiles([1, 8, 9, 11, 12, 25]), ...cinc, ...ludbRecordFiles([1, 2, 3, 4])], 14);
  const handlers = createHandlers(viewerContext(dbPath));
  call = async (method, request) => {
    const reply = await dispatch(handlers, method, request);
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
    return reply.value as never;
  };
  studyId = (await call('records.studies', {}))[0]!.id;
  raterId = (await call('labels.createRater', { displayName: 'r' })).id;
}, 400_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reference diagnoses in the app', () => {
  it('are stored at import as the resolver finds them, without identifying data, and served per record', async () => {
    const items = (await call('records.worklist', { studyId, raterId })).items;
    const db = openStore(dbPath, { readonly: true });
    const resolver = new ReferenceResolver();
    try {
      for (const it of items) {
        const expected = resolver.forRecord(await readEcgFile(getRecordSummary(db, it.recordId).sourcePath));
        const { reference, hidden } = await call('records.reference', { recordId: it.recordId });
        expect(hidden).toBe(false);
        if (!expected || 'refused' in expected) expect(reference).toBeNull();
        else {
          const { fold: _fold, ...stored } = expected;
          expect(reference).toEqual(stored);
          expect(it.reference).toEqual(expected.superclasses);
        }
        expect(JSON.stringify(reference)).not.toMatch(/patient|"age"|"sex"|recording_date|report/i);
      }
      expect(items.filter((i) => i.reference !== null).length).toBeGreaterThanOrEqual(13);
    } finally {
      db.close();
    }
  });

  it('filter the worklist in SQL: reference class X, and model disagrees with the reference', async () => {
    const all = (await call('records.worklist', { studyId, raterId })).items;
    const db = openStore(dbPath, { readonly: true });
    try {
      for (const cls of ['NORM', 'MI', 'STTC', 'CD', 'HYP']) {
        const got = (await call('records.worklist', { studyId, raterId, filter: { referenceClass: cls } })).items;
        expect(got.map((i) => i.recordId)).toEqual(all.filter((i) => i.reference?.includes(cls)).map((i) => i.recordId));
      }
      const disagree = (await call('records.worklist', { studyId, raterId, filter: { disagreesWithReference: true } })).items;
      const expected = [];
      for (const it of all) {
        const { reference } = await call('records.reference', { recordId: it.recordId });
        if (!reference) continue;
        const predicted = predictedClasses(getRun(db, it.recordId)!.classes);
        const decided = ['NORM', 'MI', 'STTC', 'CD', 'HYP'].filter((c) => !reference.undetermined.includes(c));
        if (decided.some((c) => predicted.includes(c) !== reference.superclasses.includes(c))) expected.push(it.recordId);
      }
      expect(disagree.map((i) => i.recordId)).toEqual(expected);
      const both = (await call('records.worklist', { studyId, raterId, filter: { disagreesWithReference: true, referenceClass: 'HYP' } }))
        .items;
      expect(both.map((i) => i.recordId)).toEqual(disagree.filter((i) => i.reference?.includes('HYP')).map((i) => i.recordId));
    } finally {
      db.close();
    }
  });

  it('are kept from raters when the study hides them', async () => {
    const [first] = (await call('records.worklist', { studyId, raterId })).items;
    const { owner: _owner, ...b } = await call('labels.blinding', { studyId, raterId });
    await call('labels.setBlinding', { studyId, raterId, ...b, hideReference: true });
    try {
      expect(await call('records.reference', { recordId: first!.recordId })).toEqual({ reference: null, hidden: true });
      expect((await call('records.worklist', { studyId, raterId })).items.every((i) => i.reference === null)).toBe(true);
      await expect(call('records.worklist', { studyId, raterId, filter: { referenceClass: 'MI' } })).rejects.toThrow(/hides the reference/);
      // leaving the flag out of a later change keeps it
      await call('labels.setBlinding', { studyId, raterId, blinded: b.blinded, hideProbability: true });
      expect((await call('labels.blinding', { studyId, raterId })).hideReference).toBe(true);
    } finally {
      await call('labels.setBlinding', { studyId, raterId, ...b, hideReference: false });
    }
  });

  it("give the report a 'model on this study' section: evaluate figures, confusion, verdicts on wrong predictions", async () => {
    const items = (await call('records.worklist', { studyId, raterId })).items;
    const codes = ['NORM', 'MI', 'STTC', 'CD', 'HYP'];
    const labels: Label[][] = [];
    const probabilities: number[][] = [];
    let wrongRegion: { id: number; classCode: string } | null = null;
    const db0 = openStore(dbPath, { readonly: true });
    try {
      for (const it of items) {
        const { reference } = await call('records.reference', { recordId: it.recordId });
        if (!reference) continue;
        const run = getRun(db0, it.recordId)!;
        const label = codes.map((c): Label => (reference.undetermined.includes(c) ? null : reference.superclasses.includes(c) ? 1 : 0));
        labels.push(label);
        probabilities.push(codes.map((c) => run.classes.find((k) => k.code === c)!.probability));
        const predicted = predictedClasses(run.classes);
        const k = codes.findIndex((c, i) => label[i] !== null && predicted.includes(c) !== (label[i] === 1));
        if (!wrongRegion && k >= 0) {
          const region = run.regions.find((g) => g.classCode === codes[k]);
          if (region) wrongRegion = { id: region.id, classCode: codes[k]! };
        }
      }
    } finally {
      db0.close();
    }
    expect(wrongRegion).not.toBeNull();
    await call('labels.append', { raterId, target: { kind: 'region', regionId: wrongRegion!.id }, value: 'not_valid' });

    const db = openStore(dbPath, { readonly: true });
    try {
      const data = loadStudyData(db);
      const settings = { ...DEFAULT_SETTINGS, study: data.study.name, modelId: null, faithfulness: false, bootstrapResamples: 100 };
      const report = await buildReport(db, data, { settings, runner: null });
      const m = report.modelOnStudy!;
      expect(m.records).toBe(labels.length);
      const expected = classificationMetrics(codes, labels, probabilities, { threshold: 0.5, replicates: 100, seed: settings.seed });
      expect(m.classes).toEqual(expected.classes);
      const w = m.wrong.find((x) => x.classCode === wrongRegion!.classCode)!;
      expect(w.notValid).toBe(1);
      expect(m.wrongRegions.filter((r) => r.verdicts.not_valid === 1)).toHaveLength(1);
      const html = reportHtml(report);
      expect(html).toContain('<h2>Model on this study</h2>');
      expect(html).toContain('Evidence behind wrong predictions');
    } finally {
      db.close();
    }
  });
});
