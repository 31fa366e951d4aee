/**
 * Study roles at the API: blinding and what raters see are the study owner's settings. A rater who is not the
 * owner cannot change them (so cannot unblind themselves), and hidden predictions never leave the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../src/app/index.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { buildViewerDb, viewerContext } from '../renderer/viewerDb.ts';

let dir: string;
let call: <M extends ApiMethod>(method: M, request: ApiRequest<M>) => Promise<ApiResponse<M>>;
let refused: (method: ApiMethod, request: unknown) => Promise<{ code: string; message: string } | undefined>;
/** The owner's session once their name is protected; calls naming other raters ignore it. */
let session: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-study-settings-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2]);
  const handlers = createHandlers(viewerContext(dbPath));
  call = async (method, request) => {
    const reply = await dispatch(handlers, method, request, { session });
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
    return reply.value as never;
  };
  refused = async (method, request) => {
    const reply = await dispatch(handlers, method, request, { session });
    return reply.ok ? undefined : reply.error;
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPEN = { blinded: false, hideProbability: false, hideReference: false };

describe('study settings belong to the study owner', () => {
  it('the first rater to set them owns them; another rater can neither unblind nor change anything', async () => {
    const [study] = await call('records.studies', {});
    const studyId = study!.id;
    const owner = await call('labels.createRater', { displayName: 'Dr Owner' });
    const rater = await call('labels.createRater', { displayName: 'Dr Rater' });
    expect(await call('labels.blinding', { studyId, raterId: rater.id })).toEqual({ ...OPEN, owner: null });

    // blinding needs a name nobody else can pick: refused until the owner protects theirs with a passphrase
    expect(await refused('labels.setBlinding', { studyId, raterId: owner.id, ...OPEN, blinded: true })).toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('passphrase'),
    });
    expect(await call('labels.blinding', { studyId, raterId: rater.id })).toEqual({ ...OPEN, owner: null });
    session = (await call('labels.setPassphrase', { raterId: owner.id, passphrase: 'owner passphrase' })).session;
    const set = await call('labels.setBlinding', { studyId, raterId: owner.id, ...OPEN, blinded: true });
    expect(set).toEqual({ ...OPEN, blinded: true, owner: { id: owner.id, name: 'Dr Owner', isMe: true } });
    expect(await call('labels.blinding', { studyId, raterId: rater.id })).toMatchObject({
      blinded: true,
      owner: { id: owner.id, name: 'Dr Owner', isMe: false },
    });

    // the rater tries to unblind through the API: refused, and the study stays blinded
    const refusal = await refused('labels.setBlinding', { studyId, raterId: rater.id, ...OPEN });
    expect(refusal).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Dr Owner') });
    expect(await refused('labels.setBlinding', { studyId, raterId: 'nobody', ...OPEN })).toMatchObject({ code: 'not-found' });
    expect(await call('labels.blinding', { studyId, raterId: rater.id })).toMatchObject({ blinded: true });

    // so the owner's labels stay out of the rater's replies
    const [item] = (await call('records.worklist', { studyId, raterId: owner.id })).items;
    const { run } = await call('records.run', { recordId: item!.recordId });
    await call('labels.append', { raterId: owner.id, target: { kind: 'region', regionId: run!.regions[0]!.id }, value: 'not_valid' });
    await call('labels.append', { raterId: owner.id, target: { kind: 'plausible', recordId: item!.recordId }, value: 'no' });
    // in a blinded study a rater sees labels only under a protected name
    expect(await refused('labels.current', { recordId: item!.recordId, raterId: rater.id })).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/protect your name/),
    });
    const ownerSession = session;
    session = (await call('labels.setPassphrase', { raterId: rater.id, passphrase: 'rater passphrase' })).session;
    const seen = await call('labels.current', { recordId: item!.recordId, raterId: rater.id });
    expect(seen.labels).toEqual([]);
    const list = (await call('records.worklist', { studyId, raterId: rater.id })).items;
    expect(list.every((i) => !i.disagreement && i.labelsByMe === 0)).toBe(true);
    session = ownerSession;

    // the owner can change them back
    expect(await call('labels.setBlinding', { studyId, raterId: owner.id, ...OPEN })).toMatchObject({ blinded: false });
  });

  it('hidden probabilities hide the predicted classes in the worklist too', async () => {
    const [study] = await call('records.studies', {});
    const studyId = study!.id;
    const { owner } = await call('labels.blinding', { studyId, raterId: 'x' });
    const visible = (await call('records.worklist', { studyId, raterId: owner!.id })).items;
    expect(visible.every((i) => i.predicted.length > 0 && i.topProbability !== null && i.topClass !== null)).toBe(true);
    await call('labels.setBlinding', { studyId, raterId: owner!.id, ...OPEN, hideProbability: true });
    const hidden = (await call('records.worklist', { studyId, raterId: owner!.id })).items;
    expect(hidden.map((i) => i.recordId)).toEqual(visible.map((i) => i.recordId));
    for (const i of hidden) expect(i).toMatchObject({ predicted: [], topClass: null, topProbability: null });
  });
});
