import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../src/app/index.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { recordsApi } from '../../src/shared/api/records.ts';
import { decodeFloat32 } from '../../src/renderer/src/ecg/binary.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { preprocessSpec } from '../../src/core/inference/manifest.ts';
import { preprocessRecord } from '../../src/core/signal/preprocess.ts';
import { getRecord, labelHistory, openStore } from '../../src/core/store/index.ts';
import { predictedClasses } from '../../src/core/store/viewerQueries.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { buildViewerDb, viewerContext } from './viewerDb.ts';

let dir: string;
let dbPath: string;
let call: <M extends ApiMethod>(method: M, request: ApiRequest<M>) => Promise<ApiResponse<M>>;
let raw: (method: string, request: unknown) => Promise<{ ok: boolean; error?: { code: string; message: string } }>;
/** A signed-in rater's session (blinding needs one); calls naming unprotected raters ignore it. */
let session: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-viewer-api-'));
  dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2]);
  const handlers = createHandlers(viewerContext(dbPath));
  raw = async (method, request) => (await dispatch(handlers, method, request, { session })) as never;
  call = async (method, request) => {
    const reply = await dispatch(handlers, method, request, { session });
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
    return reply.value as never;
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function firstRecord(): Promise<{ studyId: number; recordId: number }> {
  const [study] = await call('records.studies', {});
  const rater = await call('labels.createRater', { displayName: 'probe' });
  const [item] = (await call('records.worklist', { studyId: study!.id, raterId: rater.id })).items;
  return { studyId: study!.id, recordId: item!.recordId };
}

describe('predicted classes', () => {
  it('are the classes at or above 0.5, most probable first, else the top class alone', () => {
    expect(
      predictedClasses([
        { code: 'A', probability: 0.6 },
        { code: 'B', probability: 0.9 },
        { code: 'C', probability: 0.1 },
      ]),
    ).toEqual(['B', 'A']);
    expect(
      predictedClasses([
        { code: 'A', probability: 0.2 },
        { code: 'B', probability: 0.4 },
      ]),
    ).toEqual(['B']);
    expect(predictedClasses([])).toEqual([]);
  });
});

describe('viewer API over a real imported database', () => {
  it('sends the signal and the attribution maps as float32 payloads of the stated sizes', async () => {
    const { recordId } = await firstRecord();
    const rec = await call('records.get', { recordId });
    expect(rec.leads).toHaveLength(12);
    expect(rec.samplingRateHz).toBe(500);
    const signal = decodeFloat32(rec.signal.data, rec.signal.length);
    expect(signal.length).toBe(12 * rec.samplesPerLead);
    expect(signal.some((v) => v !== 0)).toBe(true);
    const { run } = await call('records.run', { recordId });
    expect(run).not.toBeNull();
    const a = decodeFloat32(run!.attribution.data, run!.attribution.length);
    expect(a.length).toBe(run!.classes.length * run!.leads.length * run!.mapSamples);
    expect(run!.mapRateHz).toBe(100);
    expect(run!.regions.length).toBeGreaterThan(0);
    expect(run!.provider).toBe('cpu');
  });

  it('rejects a payload whose size does not match the reply (validated on the main side)', () => {
    const bad = recordsApi['records.get'].response.safeParse({
      id: 1,
      studyId: 1,
      pseudonym: 'x',
      recordName: 'x',
      samplingRateHz: 500,
      samplesPerLead: 10,
      durationS: 0.02,
      leads: ['I'],
      signal: { encoding: 'f32le-base64', length: 10, data: 'AAAA' },
      age: null,
      sex: null,
      warnings: [],
    });
    expect(bad.success).toBe(false);
  });

  it('raw W times the model input gives back the stored W*x (one window per 10 s record)', async () => {
    const { recordId } = await firstRecord();
    const { run } = await call('records.run', { recordId });
    const k = 1;
    const w = await call('records.weights', { runId: run!.id, classCode: run!.classes[k]!.code });
    const W = decodeFloat32(w.weights.data, w.weights.length);
    const size = run!.leads.length * run!.mapSamples;
    const A = decodeFloat32(run!.attribution.data, run!.attribution.length).subarray(k * size, (k + 1) * size);
    const db = openStore(dbPath, { readonly: true });
    const input = preprocessRecord(getRecord(db, recordId), preprocessSpec(loadModelFolder(TINY_MODEL_DIR).manifest));
    db.close();
    expect(input.windowStarts).toEqual([0]);
    // A is recomputed in float32 (and checked against the import's digest): W*x exactly
    let differing = 0;
    for (let i = 0; i < size; i++) if (A[i] !== Math.fround(W[i]! * input.windows[i]!)) differing++;
    expect(differing).toBe(0);
    expect(run!.mapsCheck.status).toBe('recomputed');
    expect(w).toMatchObject({ window: 0, windowStart: 0 });
  });

  it('what-if: removing the top regions or a lead re-runs the model and reports both probabilities', async () => {
    const { recordId } = await firstRecord();
    const { run } = await call('records.run', { recordId });
    const cls = run!.classes.find((c) => run!.regions.some((r) => r.classCode === c.code))!;
    const top = await call('records.whatIf', { runId: run!.id, classCode: cls.code, occlude: { kind: 'top-regions', n: 3 } });
    expect(top.original.probability).toBeCloseTo(cls.probability, 5);
    expect(top.occluded.length).toBeGreaterThan(0);
    expect(top.whatIf.logit).not.toBe(top.original.logit);
    const lead = await call('records.whatIf', { runId: run!.id, classCode: cls.code, occlude: { kind: 'lead', lead: 'V1' } });
    expect(lead.occluded).toEqual([{ lead: 'V1', startSample: 0, endSample: run!.mapSamples }]);
    const region = run!.regions.find((r) => r.classCode === cls.code)!;
    const one = await call('records.whatIf', { runId: run!.id, classCode: cls.code, occlude: { kind: 'region', regionId: region.id } });
    expect(one.occluded).toEqual([{ lead: region.lead, startSample: region.startSample, endSample: region.endSample }]);
    const missing = await raw('records.whatIf', { runId: run!.id, classCode: 'NOPE', occlude: { kind: 'lead', lead: 'V1' } });
    expect(missing.error?.code).toBe('not-found');
  });

  it('blinded mode: the server returns only the caller’s labels; unblinded, everyone’s', async () => {
    const { studyId, recordId } = await firstRecord();
    const { run } = await call('records.run', { recordId });
    const regionId = run!.regions[0]!.id;
    const a = await call('labels.createRater', { displayName: 'Dr A' });
    const b = await call('labels.createRater', { displayName: 'Dr B' });
    await call('labels.append', { raterId: a.id, target: { kind: 'region', regionId }, value: 'valid' });
    await call('labels.append', { raterId: b.id, target: { kind: 'region', regionId }, value: 'not_valid', reasons: ['noise_artifact'] });
    session = (await call('labels.setPassphrase', { raterId: a.id, passphrase: 'passphrase of A' })).session;
    await call('labels.setBlinding', { studyId, raterId: a.id, blinded: true, hideProbability: false, hideReference: false });
    const seenByA = await call('labels.current', { recordId, raterId: a.id });
    expect(seenByA.blinded).toBe(true);
    expect(seenByA.labels.map((l) => l.raterName)).toEqual(['Dr A']);
    await call('labels.setBlinding', { studyId, raterId: a.id, blinded: false, hideProbability: false, hideReference: false });
    const all = await call('labels.current', { recordId, raterId: a.id });
    expect(all.labels.map((l) => l.raterName).sort()).toEqual(['Dr A', 'Dr B']);
    // the two raters disagree on the record, so it shows in the disagreement filter (unblinded)
    await call('labels.append', { raterId: a.id, target: { kind: 'plausible', recordId }, value: 'yes' });
    await call('labels.append', { raterId: b.id, target: { kind: 'plausible', recordId }, value: 'no' });
    const list = (await call('records.worklist', { studyId, raterId: a.id })).items;
    expect(list.find((i) => i.recordId === recordId)).toMatchObject({ disagreement: true, reviewedByMe: true });
  });

  it('a change supersedes the old label (nothing deleted) and a bad value is a bad request', async () => {
    const { recordId } = await firstRecord();
    const { run } = await call('records.run', { recordId });
    const regionId = run!.regions[1]!.id;
    const r = await call('labels.createRater', { displayName: 'Dr C' });
    const first = await call('labels.append', { raterId: r.id, target: { kind: 'region', regionId }, value: 'valid' });
    const second = await call('labels.append', { raterId: r.id, target: { kind: 'region', regionId }, value: 'unsure', note: 'T wave?' });
    expect(second.supersedes).toBe(first.id);
    const current = await call('labels.current', { recordId, raterId: r.id });
    expect(current.labels.filter((l) => l.raterId === r.id && l.regionId === regionId).map((l) => l.value)).toEqual(['unsure']);
    const bad = await raw('labels.append', { raterId: r.id, target: { kind: 'region', regionId }, value: 'yes' });
    expect(bad.error?.code).toBe('bad-request');
  });

  it('a withdrawal takes a first label back: unlabelled for labels.current and the worklist, kept in the trail', async () => {
    const [study] = await call('records.studies', {});
    const r = await call('labels.createRater', { displayName: 'Dr W' });
    const recordId = (await call('records.worklist', { studyId: study!.id, raterId: r.id })).items[1]!.recordId;
    const { run } = await call('records.run', { recordId });
    const region = { kind: 'region', regionId: run!.regions[0]!.id } as const;
    const plausible = { kind: 'plausible', recordId } as const;
    await call('labels.append', { raterId: r.id, target: region, value: 'not_valid' });
    const verdict = await call('labels.append', { raterId: r.id, target: plausible, value: 'no' });
    const item = async () =>
      (await call('records.worklist', { studyId: study!.id, raterId: r.id })).items.find((i) => i.recordId === recordId);
    expect(await item()).toMatchObject({ reviewedByMe: true, disagreement: true });

    const withdrawal = await call('labels.append', { raterId: r.id, target: plausible, value: 'withdrawn' });
    expect(withdrawal).toMatchObject({ value: 'withdrawn', supersedes: verdict.id, raterName: 'Dr W' });
    await call('labels.append', { raterId: r.id, target: region, value: 'withdrawn' });
    expect((await call('labels.current', { recordId, raterId: r.id })).labels.filter((l) => l.raterId === r.id)).toEqual([]);
    expect(await item()).toMatchObject({ reviewedByMe: false, disagreement: false });
    const again = await raw('labels.append', { raterId: r.id, target: plausible, value: 'withdrawn' });
    expect(again.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no label on plausible .* to withdraw/) });
    const db = openStore(dbPath);
    try {
      const trail = labelHistory(db).filter((l) => l.raterId === r.id);
      expect(trail.map((l) => l.value).sort()).toEqual(['no', 'not_valid', 'withdrawn', 'withdrawn']);
    } finally {
      db.close();
    }
  });

  it('keeps the display settings', async () => {
    const before = await call('records.viewerSettings', {});
    expect(before.pxPerMm).toBeCloseTo(96 / 25.4);
    const after = await call('records.saveViewerSettings', { pxPerMm: 4.2, layout: '6x2' });
    expect(after).toMatchObject({ pxPerMm: 4.2, layout: '6x2', speedMmPerS: 25 });
    expect(await call('records.viewerSettings', {})).toEqual(after);
    const bad = await raw('records.saveViewerSettings', { gainMmPerMv: 7 });
    expect(bad.error?.code).toBe('bad-request');
  });
});
