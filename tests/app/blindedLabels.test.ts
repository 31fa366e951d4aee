/**
 * A blinded study over the browser-mode server (real HTTP, real handlers, real database): every API method is
 * tried as a rater who does not own the study, and no reply, no file a call writes and no report holds another
 * rater's labels. The owner still reads every rater's labels in reports and label exports, signed in with
 * the passphrase that protects their name; someone who picks the owner's name without it is refused on every
 * call that names the owner. A rater whose name is not protected reads and writes no labels in the blinded
 * study, so whoever picks their name gets none of theirs either. A new API method fails this file until a case
 * here tries it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandlers, dispatch } from '../../src/app/index.ts';
import { startBrowserServer, type BrowserServer } from '../../src/server/browserServer.ts';
import { apiContract, type ApiEnvelope, type ApiMethod, type ApiRequest, type ApiResponse } from '../../src/shared/api/index.ts';
import type { RaterDto } from '../../src/shared/api/labels.ts';
import type { ComparisonTaskDto, ReportTaskDto } from '../../src/shared/api/reports.ts';
import { buildViewerDb, ludbRecordFiles, viewerContext } from '../renderer/viewerDb.ts';

let dir: string;
let server: BrowserServer;
let owner: RaterDto;
let rater: RaterDto;
/** A rater who labelled before the study was blinded and never protected their name. */
let open: RaterDto;
let studyId: number;
let studyName: string;
let recordIds: number[];
/** Label ids and notes the rater must never receive. */
const ownerSecrets: string[] = [];
/** Notes and label ids of the unprotected rater's, which nobody picking their name may read back. */
const openSecrets: string[] = [];
let openReport: ReportTaskDto;
let ownerReport: ReportTaskDto;
let ownerComparison: ComparisonTaskDto;
const OWNER_PASSPHRASE = 'owner passphrase 1';
/** The owner's session (labels.setPassphrase); every call of the owner's carries it. */
let ownerSession: string;
/** The rater's: their name is protected, which rating in a blinded study needs. */
let raterSession: string;
const RATER_PASSPHRASE = 'rater passphrase 1';
let blindingUnprotected: ApiEnvelope<unknown>;

async function send(method: ApiMethod, request: unknown, session?: string): Promise<ApiEnvelope<unknown>> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ecg-audit-token': server.token, 'x-ecg-audit-session': session ?? '' },
    body: JSON.stringify(request),
  });
  return (await res.json()) as ApiEnvelope<unknown>;
}

/** A call of the owner's (signed in). */
async function call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
  const reply = await send(method, request, ownerSession);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
  return reply.value as ApiResponse<M>;
}

/** What the rater gets back from a call, checked for the owner's labels; the reply itself for further checks. */
async function asRater(method: ApiMethod, request: unknown): Promise<ApiEnvelope<unknown>> {
  const reply = await send(method, request, raterSession);
  expectNoSecret(JSON.stringify(reply), `${method} reply`);
  return reply;
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of ownerSecrets) expect(text.includes(secret), `${where} holds the owner's label ${secret}`).toBe(false);
}

/** The raters whose labels a labels package (a store database) holds. */
function packageRaters(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT DISTINCT rater_id AS id FROM labels').all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** Waits for the report `raterId` started, asking in their session. */
function waitForReport(jobId: number, raterId: string, session: string | undefined): Promise<ReportTaskDto> {
  return vi.waitFor(
    async () => {
      const reply = await send('reports.status', { jobId, raterId }, session);
      if (!reply.ok) throw new Error(`reports.status: ${reply.error.message}`);
      const t = reply.value as ReportTaskDto;
      if (t.running) throw new Error(`report ${jobId} still ${t.progress.phase}`);
      return t;
    },
    { timeout: 120_000, interval: 50 },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-blinded-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2, 3]);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const handlers = createHandlers(viewerContext(dbPath));
  server = await startBrowserServer({ rendererDir: dir, dispatch: (m, r, c) => dispatch(handlers, m, r, c) });

  const [study] = await call('records.studies', {});
  studyId = study!.id;
  studyName = study!.name;
  owner = await call('labels.createRater', { displayName: 'Dr Owner' });
  rater = await call('labels.createRater', { displayName: 'Dr Rater' });
  open = await call('labels.createRater', { displayName: 'Dr Open' });
  raterSession = (await call('labels.setPassphrase', { raterId: rater.id, passphrase: RATER_PASSPHRASE })).session;
  // before the study is blinded, the unprotected rater labels every record and starts a report of their own
  for (const { recordId } of (await call('records.worklist', { studyId, raterId: open.id })).items) {
    const label = await call('labels.append', {
      raterId: open.id,
      target: { kind: 'plausible', recordId },
      value: 'partly',
      note: `open-note-${recordId}`,
    });
    openSecrets.push(label.id, label.note);
  }
  const openStarted = await call('reports.start', {
    study: studyName,
    raterId: open.id,
    faithfulness: false,
    pdf: false,
    includeIdentifiers: true,
    bootstrapResamples: 50,
  });
  openReport = await waitForReport(openStarted.jobId, open.id, undefined);
  const blind = { studyId, raterId: owner.id, blinded: true, hideProbability: false, hideReference: false };
  blindingUnprotected = await send('labels.setBlinding', blind);
  ownerSession = (await call('labels.setPassphrase', { raterId: owner.id, passphrase: OWNER_PASSPHRASE })).session;
  await call('labels.setBlinding', blind);
  recordIds = (await call('records.worklist', { studyId, raterId: owner.id })).items.map((i) => i.recordId);
  for (const recordId of recordIds) {
    const { run } = await call('records.run', { recordId });
    for (const label of [
      await call('labels.append', {
        raterId: owner.id,
        target: { kind: 'region', regionId: run!.regions[0]!.id },
        value: 'not_valid',
        note: `owner-note-${recordId}`,
      }),
      await call('labels.append', {
        raterId: owner.id,
        target: { kind: 'plausible', recordId },
        value: 'no',
        note: `owner-verdict-${recordId}`,
      }),
    ]) {
      ownerSecrets.push(label.id, label.note);
    }
    // the rater disagrees with the owner on every record: unblinded, each record would be flagged
    expect(
      await send('labels.append', { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'yes' }, raterSession),
    ).toMatchObject({
      ok: true,
    });
  }
  // the owner's report (every rater's labels), for the rater to try to pick up
  const started = await call('reports.start', {
    study: studyName,
    raterId: owner.id,
    faithfulness: false,
    pdf: false,
    includeIdentifiers: true,
    bootstrapResamples: 50,
  });
  ownerReport = await waitForReport(started.jobId, owner.id, ownerSession);
}, 300_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the study owner', () => {
  it('blinds the study only once their name is protected by a passphrase', () => {
    expect(blindingUnprotected).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/passphrase/) } });
  });

  it('reads every rater’s labels in a report and a labels export', async () => {
    expect(ownerReport.labelsOf).toBeNull();
    expect(ownerReport.result!.summary.counts).toMatchObject({ raters: 3, labels: recordIds.length * 4 });
    const csv = readFileSync(ownerReport.result!.files.find((f) => f.name === 'labels.csv')!.path, 'utf8');
    for (const secret of ownerSecrets) expect(csv).toContain(secret);
    const out = join(dir, 'owner-labels.ecgaudit');
    await call('packages.exportLabels', { studyName, out, raterId: owner.id, everyone: true });
    expect(packageRaters(out).sort()).toEqual([owner.id, rater.id, open.id].sort());
  });
});

/**
 * Every call that names a rater, made with the owner's id by someone without the owner's session (no session,
 * or the rater's own): each is refused, whatever it asks.
 */
const asOwner: Partial<Record<ApiMethod, () => Record<string, unknown>>> = {
  'labels.current': () => ({ recordId: recordIds[0]! }),
  'labels.append': () => ({ target: { kind: 'plausible', recordId: recordIds[0]! }, value: 'yes' }),
  'labels.blinding': () => ({ studyId }),
  'labels.setBlinding': () => ({ studyId, blinded: false, hideProbability: false, hideReference: false }),
  'labels.setPassphrase': () => ({ passphrase: 'taken over 1' }),
  'records.worklist': () => ({ studyId }),
  'records.worklistStep': () => ({ studyId, recordId: null, move: 'first' }),
  'reports.start': () => ({ study: studyName, faithfulness: false, pdf: false }),
  'reports.status': () => ({ jobId: ownerReport.jobId }),
  'reports.cancel': () => ({ jobId: ownerReport.jobId }),
  'reports.latest': () => ({}),
  'reports.compareStart': () => ({ a: { study: studyName }, b: { study: studyName }, pdf: false }),
  'reports.compareStatus': () => ({ jobId: ownerReport.jobId }),
  'reports.compareCancel': () => ({ jobId: ownerReport.jobId }),
  'reports.compareLatest': () => ({}),
  'packages.exportLabels': () => ({ studyName, out: join(dir, 'impersonated.ecgaudit'), everyone: true }),
  'packages.open': () => ({ path: join(dir, 'r-study.ecgaudit') }),
};

describe('someone who picks the owner’s name without the passphrase', () => {
  it('is tried on every method whose request names a rater (signIn: the labels.signIn case above)', () => {
    const namingRater = Object.entries(apiContract)
      .filter(([, e]) => 'raterId' in e.request.shape)
      .map(([m]) => m);
    expect([...Object.keys(asOwner), 'labels.signIn'].sort()).toEqual(namingRater.sort());
  });

  let impostorSession: string;
  beforeAll(async () => {
    const impostor = await call('labels.createRater', { displayName: 'Dr Impostor' });
    impostorSession = (await call('labels.setPassphrase', { raterId: impostor.id, passphrase: 'impostor passphrase' })).session;
  });

  it.each(Object.keys(asOwner) as ApiMethod[])('%s is refused', async (method) => {
    for (const session of [undefined, impostorSession, 'made-up']) {
      const reply = await send(method, { ...asOwner[method]!(), raterId: owner.id }, session);
      expectNoSecret(JSON.stringify(reply), `${method} reply`);
      expect(reply, `${method} with session ${session}`).toMatchObject({
        ok: false,
        error: { code: 'unauthorized', message: expect.stringMatching(/Dr Owner’s name is protected by a passphrase/) },
      });
    }
    // and nothing changed: the study is still blinded and owned, the owner's passphrase still works
    expect(await call('labels.blinding', { studyId, raterId: owner.id })).toMatchObject({ blinded: true, owner: { isMe: true } });
  });
});

/**
 * Every call that reads or writes labels, or figures drawn from them, made with the unprotected rater's id (what
 * picking their name in the rater picker does): refused, and none of their labels comes back. The other methods
 * that name a rater touch no labels (signing in, protecting a name, the study's settings, opening a package).
 */
const asOpen: Partial<Record<ApiMethod, () => Record<string, unknown>>> = {
  'labels.current': () => ({ recordId: recordIds[0]! }),
  'labels.append': () => ({ target: { kind: 'plausible', recordId: recordIds[0]! }, value: 'no' }),
  'records.worklist': () => ({ studyId }),
  'records.worklistStep': () => ({ studyId, recordId: null, move: 'next-unreviewed' }),
  'reports.start': () => ({ study: studyName, faithfulness: false, pdf: false }),
  'reports.status': () => ({ jobId: openReport.jobId }),
  'reports.cancel': () => ({ jobId: openReport.jobId }),
  'reports.latest': () => ({}),
  'reports.compareStart': () => ({ a: { study: studyName }, b: { study: studyName }, pdf: false }),
  'reports.compareStatus': () => ({ jobId: 1 }),
  'reports.compareCancel': () => ({ jobId: 1 }),
  'reports.compareLatest': () => ({}),
  'packages.exportLabels': () => ({ studyName, out: join(dir, 'open.ecgaudit') }),
};

describe('someone who picks an unprotected rater’s name in a blinded study', () => {
  it('is tried on every method that names a rater and touches labels', () => {
    const touchesNoLabels = ['labels.signIn', 'labels.setPassphrase', 'labels.blinding', 'labels.setBlinding', 'packages.open'];
    const namingRater = Object.entries(apiContract)
      .filter(([, e]) => 'raterId' in e.request.shape)
      .map(([m]) => m);
    expect([...Object.keys(asOpen), ...touchesNoLabels].sort()).toEqual(namingRater.sort());
  });

  it.each(Object.keys(asOpen) as ApiMethod[])('%s is refused', async (method) => {
    const reply = await send(method, { ...asOpen[method]!(), raterId: open.id });
    for (const secret of openSecrets) expect(JSON.stringify(reply).includes(secret), `${method} reply holds ${secret}`).toBe(false);
    // (a comparison the rater never started has nothing to refuse: there is none to find)
    const none = method === 'reports.compareLatest' ? { ok: true, value: null } : { ok: false, error: { code: 'not-found' } };
    if (method.startsWith('reports.compare') && !method.endsWith('Start')) expect(reply).toMatchObject(none);
    else
      expect(reply, method).toMatchObject({
        ok: false,
        error: { code: 'unauthorized', message: expect.stringMatching(/^This study is blinded: protect your name first/) },
      });
  });

  it('can still see that the study is blinded and protect the name; then the rater’s own labels work again', async () => {
    expect(await send('labels.blinding', { studyId, raterId: open.id })).toMatchObject({ ok: true, value: { blinded: true } });
    const reply = await send('labels.setPassphrase', { raterId: open.id, passphrase: 'open passphrase 1' });
    expect(reply).toMatchObject({ ok: true });
    const session = (reply as { value: { session: string } }).value.session;
    const current = await send('labels.current', { recordId: recordIds[0]!, raterId: open.id }, session);
    expect(current).toMatchObject({ ok: true, value: { blinded: true } });
    const { labels } = (current as { value: ApiResponse<'labels.current'> }).value;
    expect(labels.map((l) => [l.raterId, l.note])).toEqual([[open.id, `open-note-${recordIds[0]!}`]]);
    // and their name now needs the passphrase: picking it without is refused as for any protected name
    expect(await send('labels.current', { recordId: recordIds[0]!, raterId: open.id })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/Dr Open’s name is protected by a passphrase/) },
    });
  });
});

/** One case per API method: what a rater who does not own the blinded study tries, and what must hold. */
const cases: Record<ApiMethod, () => Promise<void>> = {
  'system.info': async () => void (await asRater('system.info', {})),
  'labels.raters': async () => void (await asRater('labels.raters', {})),
  'labels.createRater': async () => void (await asRater('labels.createRater', { displayName: 'Dr Third' })),
  'labels.signIn': async () => {
    // guessing the owner's passphrase: refused, and after a few wrong tries even the right one waits
    for (let i = 0; i < 5; i++) {
      expect(await asRater('labels.signIn', { raterId: owner.id, passphrase: `guess ${i}` })).toMatchObject({
        ok: false,
        error: { code: 'unauthorized', message: expect.stringMatching(/^Wrong passphrase/) },
      });
    }
    expect(await asRater('labels.signIn', { raterId: owner.id, passphrase: OWNER_PASSPHRASE })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', message: expect.stringMatching(/^Too many wrong passphrases for Dr Owner: try again in \d+ s/) },
    });
    // the owner's own session is untouched
    expect(await call('labels.blinding', { studyId, raterId: owner.id })).toMatchObject({ owner: { isMe: true } });
  },
  'labels.signOut': async () => {
    // a token nobody was given ends nothing; the owner stays signed in
    expect(await asRater('labels.signOut', { session: 'made-up' })).toMatchObject({ ok: true });
    expect(await call('labels.blinding', { studyId, raterId: owner.id })).toMatchObject({ owner: { isMe: true } });
  },
  'labels.setPassphrase': async () => {
    // taking over the owner's name by setting a new passphrase: refused
    expect(await asRater('labels.setPassphrase', { raterId: owner.id, passphrase: 'my new passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await call('labels.blinding', { studyId, raterId: owner.id })).toMatchObject({ owner: { isMe: true } });
    // changing their own passphrase, in their session: the cases after this one call in the new session
    const reply = await asRater('labels.setPassphrase', { raterId: rater.id, passphrase: 'rater passphrase 2' });
    expect(reply).toMatchObject({ ok: true });
    raterSession = (reply as { value: { session: string } }).value.session;
    expect(await send('labels.current', { recordId: recordIds[0]!, raterId: rater.id })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect((await call('labels.raters', {})).map((r) => [r.displayName, r.protected])).toEqual(
      expect.arrayContaining([
        ['Dr Owner', true],
        ['Dr Rater', true],
      ]),
    );
  },
  'labels.current': async () => {
    for (const recordId of recordIds) {
      const reply = await asRater('labels.current', { recordId, raterId: rater.id });
      expect(reply).toMatchObject({ ok: true, value: { blinded: true } });
      const { labels } = (reply as { value: ApiResponse<'labels.current'> }).value;
      expect(labels.map((l) => l.raterId)).toEqual([rater.id]);
    }
  },
  'labels.append': async () => {
    const { run } = await call('records.run', { recordId: recordIds[0]! });
    // the same target the owner labelled: it supersedes nothing of the owner's
    const reply = await asRater('labels.append', {
      raterId: rater.id,
      target: { kind: 'region', regionId: run!.regions[0]!.id },
      value: 'valid',
    });
    expect(reply).toMatchObject({ ok: true, value: { raterId: rater.id, supersedes: null } });
  },
  'labels.blinding': async () => {
    expect(await asRater('labels.blinding', { studyId, raterId: rater.id })).toMatchObject({
      ok: true,
      value: { blinded: true, owner: { isMe: false } },
    });
  },
  'labels.setBlinding': async () => {
    const reply = await asRater('labels.setBlinding', {
      studyId,
      raterId: rater.id,
      blinded: false,
      hideProbability: false,
      hideReference: false,
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await asRater('labels.blinding', { studyId, raterId: rater.id })).toMatchObject({ ok: true, value: { blinded: true } });
  },
  'records.studies': async () => void (await asRater('records.studies', {})),
  'records.worklist': async () => {
    for (const filter of [{}, { disagreementOnly: true }]) {
      const reply = await asRater('records.worklist', { studyId, raterId: rater.id, filter });
      const { items } = (reply as { value: ApiResponse<'records.worklist'> }).value;
      // the rater's verdicts differ from the owner's on every record, which only the owner's labels could tell
      expect(items.some((i) => i.disagreement)).toBe(false);
      if ('disagreementOnly' in filter) expect(items).toEqual([]);
    }
  },
  'records.worklistStep': async () => {
    const reply = await asRater('records.worklistStep', {
      studyId,
      raterId: rater.id,
      recordId: null,
      move: 'first',
      filter: { disagreementOnly: true },
    });
    expect(reply).toMatchObject({ ok: true, value: { found: null } });
  },
  'records.reference': async () => void (await asRater('records.reference', { recordId: recordIds[0]! })),
  'records.get': async () => void (await asRater('records.get', { recordId: recordIds[0]! })),
  'records.run': async () => void (await asRater('records.run', { recordId: recordIds[0]! })),
  'records.measurements': async () => void (await asRater('records.measurements', { recordId: recordIds[0]! })),
  'records.weights': async () => {
    const { run } = await call('records.run', { recordId: recordIds[0]! });
    await asRater('records.weights', { runId: run!.id, classCode: run!.topClass });
  },
  'records.whatIf': async () => {
    const { run } = await call('records.run', { recordId: recordIds[0]! });
    await asRater('records.whatIf', {
      runId: run!.id,
      classCode: run!.topClass,
      occlude: { kind: 'region', regionId: run!.regions[0]!.id },
    });
  },
  'records.viewerSettings': async () => void (await asRater('records.viewerSettings', {})),
  'records.saveViewerSettings': async () => void (await asRater('records.saveViewerSettings', { layout: '6x2' })),
  'reports.latest': async () => {
    for (const request of [{}, { raterId: rater.id }]) {
      const reply = await asRater('reports.latest', request);
      if (reply.ok && reply.value !== null) expect((reply.value as ReportTaskDto).jobId).not.toBe(ownerReport.jobId);
    }
  },
  'reports.status': async () => {
    for (const request of [{ jobId: ownerReport.jobId }, { jobId: ownerReport.jobId, raterId: rater.id }]) {
      expect(await asRater('reports.status', request)).toMatchObject({ ok: false });
    }
  },
  'reports.cancel': async () => {
    for (const request of [{ jobId: ownerReport.jobId }, { jobId: ownerReport.jobId, raterId: rater.id }]) {
      expect(await asRater('reports.cancel', request)).toMatchObject({ ok: false });
    }
  },
  'reports.start': async () => {
    // naming no rater: refused, since nobody may read a blinded study's labels anonymously
    const anonymous = await asRater('reports.start', {
      study: studyName,
      faithfulness: false,
      pdf: false,
      includeIdentifiers: true,
      bootstrapResamples: 50,
    });
    expect(anonymous).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // as themselves: a report of their own labels only, and it says so
    const started = await asRater('reports.start', {
      study: studyName,
      raterId: rater.id,
      faithfulness: false,
      pdf: false,
      includeIdentifiers: true,
      bootstrapResamples: 50,
    });
    expect(started).toMatchObject({ ok: true });
    const done = await waitForReport((started as { value: ReportTaskDto }).value.jobId, rater.id, raterSession);
    expectNoSecret(JSON.stringify(done), 'the rater’s report summary');
    expect(done.labelsOf).toEqual({ id: rater.id, name: 'Dr Rater' });
    expect(done.result!.summary.counts.raters).toBe(1);
    for (const file of done.result!.files) expectNoSecret(readFileSync(file.path, 'utf8'), file.name);
    const csv = readFileSync(done.result!.files.find((f) => f.name === 'labels.csv')!.path, 'utf8');
    expect(csv).toContain(rater.id);
    expect(readFileSync(done.result!.files.find((f) => f.name === 'report.html')!.path, 'utf8')).toContain('the study is blinded');
  },
  'reports.compareChoices': async () => void (await asRater('reports.compareChoices', {})),
  'reports.compareStart': async () => {
    // a comparison holds every rater's labels of both studies: refused to a rater who does not own the study
    for (const caller of [{}, { raterId: rater.id }]) {
      const reply = await asRater('reports.compareStart', { ...caller, a: { study: studyName }, b: { study: studyName }, pdf: false });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    // the owner's comparison (every rater's labels), for the rater to try to pick up
    const started = await call('reports.compareStart', {
      raterId: owner.id,
      a: { study: studyName },
      b: { study: studyName },
      faithfulness: false,
      pdf: false,
      bootstrapResamples: 20,
    });
    ownerComparison = await vi.waitFor(
      async () => {
        const t = await call('reports.compareStatus', { jobId: started.jobId, raterId: owner.id });
        if (t.running) throw new Error('comparison still running');
        return t;
      },
      { timeout: 120_000, interval: 50 },
    );
    expect(ownerComparison.result).not.toBeNull();
  },
  'reports.compareStatus': async () => {
    for (const request of [{ jobId: ownerComparison.jobId }, { jobId: ownerComparison.jobId, raterId: rater.id }]) {
      expect(await asRater('reports.compareStatus', request)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  },
  'reports.compareCancel': async () => {
    for (const request of [{ jobId: ownerComparison.jobId }, { jobId: ownerComparison.jobId, raterId: rater.id }]) {
      expect(await asRater('reports.compareCancel', request)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  },
  'reports.compareLatest': async () => {
    for (const request of [{}, { raterId: rater.id }]) {
      expect(await asRater('reports.compareLatest', request)).toMatchObject({ ok: true, value: null });
    }
  },
  'packages.current': async () => void (await asRater('packages.current', {})),
  'packages.exportLabels': async () => {
    const attempts = [
      { out: join(dir, 'r-anonymous.ecgaudit') },
      { out: join(dir, 'r-everyone.ecgaudit'), raterId: rater.id, everyone: true },
      { out: join(dir, 'r-everyone-anonymous.ecgaudit'), everyone: true },
    ];
    for (const a of attempts) {
      const reply = await asRater('packages.exportLabels', { studyName, ...a });
      expect(reply, JSON.stringify(a)).toMatchObject({ ok: false });
    }
    const mine = join(dir, 'r-mine.ecgaudit');
    expect(await asRater('packages.exportLabels', { studyName, out: mine, raterId: rater.id })).toMatchObject({ ok: true });
    expect(packageRaters(mine)).toEqual([rater.id]);
  },
  'packages.exportStudy': async () => {
    const out = join(dir, 'r-study.ecgaudit');
    expect(await asRater('packages.exportStudy', { studyName, out })).toMatchObject({ ok: true });
    expect(packageRaters(out)).toEqual([]);
  },
  'packages.import': async () => void (await asRater('packages.import', { path: join(dir, 'r-study.ecgaudit') })),
  'packages.merge': async () => void (await asRater('packages.merge', { paths: [join(dir, 'r-mine.ecgaudit')] })),
  'import.models': async () => void (await asRater('import.models', {})),
  'import.start': async () => {
    const reply = await asRater('import.start', { inputs: ludbRecordFiles([4]), study: 'second', modelId: 'tiny-imn' });
    expect(reply).toMatchObject({ ok: true });
    const jobId = (reply as { value: { jobId: number } }).value.jobId;
    await vi.waitFor(
      async () => {
        if ((await call('import.status', { jobId })).running) throw new Error('import still running');
      },
      { timeout: 60_000, interval: 50 },
    );
  },
  'import.status': async () => void (await asRater('import.status', { jobId: 1 })),
  'import.control': async () => void (await asRater('import.control', { jobId: 1, action: 'pause' })),
  'import.jobs': async () => void (await asRater('import.jobs', {})),
  'import.problems': async () => void (await asRater('import.problems', { jobId: 1 })),
  // last: it makes the exported study package the open database
  'packages.open': async () => {
    const reply = await asRater('packages.open', { path: join(dir, 'r-study.ecgaudit'), raterId: rater.id });
    expect(reply).toMatchObject({ ok: true });
    const [study] = await call('records.studies', {});
    // the package is blinded and the rater's passphrase stayed in the other database: they protect their name here
    const worklist = { studyId: study!.id, raterId: rater.id };
    expect(await asRater('records.worklist', worklist)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/protect your name/) },
    });
    const protectedHere = await asRater('labels.setPassphrase', { raterId: rater.id, passphrase: RATER_PASSPHRASE });
    expect(protectedHere).toMatchObject({ ok: true });
    raterSession = (protectedHere as { value: { session: string } }).value.session;
    const listed = await asRater('records.worklist', worklist);
    expect(listed).toMatchObject({ ok: true });
    for (const item of (listed as { value: ApiResponse<'records.worklist'> }).value.items) {
      expect(await asRater('labels.current', { recordId: item.recordId, raterId: rater.id })).toMatchObject({ ok: true });
    }
  },
};

describe('a rater who does not own a blinded study', () => {
  it('has a case for every API method', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(apiContract).sort());
  });

  it.each(Object.keys(cases) as ApiMethod[])(
    '%s gives them none of the owner’s labels',
    async (method) => {
      await cases[method]();
    },
    120_000,
  );
});
