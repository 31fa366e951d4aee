import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appClient as app } from '../helpers/appClient.ts';
import { buildResearcherDb, STUDY } from './fixture.ts';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-package-app-'));
  await buildResearcherDb(join(dir, 'researcher.sqlite'), 5);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packages API', () => {
  it('exports, opens a package as the database with the same rater, returns labels and merges them', async () => {
    const researcher = app(join(dir, 'researcher.sqlite'));
    const pkg = join(dir, 'study.ecgaudit');
    const exported = await researcher.call('packages.exportStudy', { studyName: STUDY, out: pkg, hideProbabilities: true });
    expect(exported).toMatchObject({ kind: 'study', records: 5 });
    expect((await researcher.call('packages.current', {})).package).toBeNull();

    // A rater's installation: their own database, their rater, then the package opened as the database.
    const rater = app(join(dir, 'rater-home.sqlite'));
    const me = await rater.call('labels.createRater', { displayName: 'Dr. Api' });
    const copy = join(dir, 'rater.ecgaudit');
    copyFileSync(pkg, copy);
    const opened = await rater.call('packages.open', { path: copy, raterId: me.id });
    expect(opened.dbPath).toBe(copy);
    expect(opened.package).toMatchObject({ sha256: exported.sha256, studyName: STUDY, records: 5, blinding: { hideProbabilities: true } });
    expect((await rater.call('system.info', {})).dbPath).toBe(copy);
    expect((await rater.call('labels.raters', {})).map((r) => r.id)).toEqual([me.id]);
    const [study] = await rater.call('records.studies', {});
    expect(await rater.call('labels.blinding', { studyId: study!.id, raterId: me.id })).toMatchObject({
      blinded: true,
      hideProbability: true,
      owner: { id: 'package-sender', isMe: false },
    });
    // the package's settings belong to its sender: a rater cannot unblind themselves
    expect(
      await rater.error('labels.setBlinding', {
        studyId: study!.id,
        raterId: me.id,
        blinded: false,
        hideProbability: false,
        hideReference: false,
      }),
    ).toMatchObject({ code: 'unauthorized' });
    // the package is blinded: the rater protects their name before they see or give labels in it
    expect(await rater.error('records.worklist', { studyId: study!.id, raterId: me.id })).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/protect your name/),
    });
    rater.useSession((await rater.call('labels.setPassphrase', { raterId: me.id, passphrase: 'api passphrase' })).session);
    const worklist = (await rater.call('records.worklist', { studyId: study!.id, raterId: me.id })).items;
    for (const item of worklist) {
      await rater.call('labels.append', { raterId: me.id, target: { kind: 'plausible', recordId: item.recordId }, value: 'partly' });
    }
    await rater.call('labels.append', { raterId: me.id, target: { kind: 'plausible', recordId: worklist[0]!.recordId }, value: 'yes' });
    const out = join(dir, 'labels.ecgaudit');
    const returned = await rater.call('packages.exportLabels', { studyName: STUDY, out, raterId: me.id });
    expect(returned).toMatchObject({ kind: 'labels', labels: 6, raters: 1 });

    const merged = await researcher.call('packages.merge', { paths: [out] });
    expect(merged).toMatchObject({ labelsAdded: 6, ratersAdded: 1 });
    expect(await researcher.call('packages.merge', { paths: [out] })).toMatchObject({ labelsAdded: 0, labelsAlreadyPresent: 6 });
    expect((await researcher.call('labels.raters', {})).map((r) => [r.id, r.displayName])).toEqual([[me.id, 'Dr. Api']]);
  });

  it('answers bad packages with the right error codes', async () => {
    const researcher = app(join(dir, 'researcher.sqlite'));
    expect(await researcher.error('packages.open', { path: join(dir, 'nope.ecgaudit') })).toMatchObject({ code: 'not-found' });
    expect(await researcher.error('packages.open', { path: join(dir, 'researcher.sqlite') })).toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/not an audit package/),
    });
    expect(await researcher.error('packages.merge', { paths: [] })).toMatchObject({ code: 'bad-request' });
    expect(await researcher.error('packages.exportStudy', { studyName: STUDY, out: join(dir, 'researcher.sqlite') })).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/file already exists/),
    });
  });

  it('imports a study package into the open database', async () => {
    const researcher = app(join(dir, 'researcher.sqlite'));
    const pkg = join(dir, 'for-import.ecgaudit');
    await researcher.call('packages.exportStudy', { studyName: STUDY, out: pkg, randomiseOrder: true, seed: 1 });
    const own = app(join(dir, 'own.sqlite'));
    const imported = await own.call('packages.import', { path: pkg });
    expect(imported).toMatchObject({ recordsAdded: 5, recordsAlreadyPresent: 0 });
    expect((await own.call('records.studies', {})).map((s) => [s.name, s.records])).toEqual([[STUDY, 5]]);
  });
});
