import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { buildViewerDb, startViewerServer } from '../renderer/viewerDb.ts';

/**
 * A blinded study in Chromium: a rater who does not own it finds no other rater's labels on the Reports and
 * Packages pages (their report holds their own labels and says so; exporting everyone's is refused), while the
 * owner's report holds every rater's. Names are protected by passphrases (blinding needs the owner's, labelling
 * in a blinded study the rater's): the rater picker asks for them, and a rater whose name is not protected is
 * asked to protect it before any label shows.
 */
let dir: string;
let server: BrowserServer;
let browser: Browser;
const ownerLabelIds: string[] = [];
const OWNER_PASSPHRASE = 'owner passphrase';
const RATER_PASSPHRASE = 'rater passphrase';
const PASSPHRASES: Record<string, string> = { 'Dr Owner': OWNER_PASSPHRASE, 'Dr Rater': RATER_PASSPHRASE };
/** The owner's session, sent with the calls of this file's setup (unless another is given). */
let ownerSession = '';

async function call<M extends ApiMethod>(method: M, request: ApiRequest<M>, session = ownerSession): Promise<ApiResponse<M>> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ecg-audit-token': server.token, 'x-ecg-audit-session': session },
    body: JSON.stringify(request),
  });
  const reply = (await res.json()) as { ok: boolean; value: ApiResponse<M>; error?: { message: string } };
  if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
  return reply.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-blinding-e2e-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2]);
  server = await startViewerServer(dbPath);
  browser = await launchChromium();
  const [study] = await call('records.studies', {});
  const owner = await call('labels.createRater', { displayName: 'Dr Owner' });
  const rater = await call('labels.createRater', { displayName: 'Dr Rater' });
  ownerSession = (await call('labels.setPassphrase', { raterId: owner.id, passphrase: OWNER_PASSPHRASE })).session;
  const raterSession = (await call('labels.setPassphrase', { raterId: rater.id, passphrase: RATER_PASSPHRASE })).session;
  await call('labels.setBlinding', { studyId: study!.id, raterId: owner.id, blinded: true, hideProbability: false, hideReference: false });
  for (const { recordId } of (await call('records.worklist', { studyId: study!.id, raterId: owner.id })).items) {
    ownerLabelIds.push((await call('labels.append', { raterId: owner.id, target: { kind: 'plausible', recordId }, value: 'no' })).id);
    await call('labels.append', { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'yes' }, raterSession);
  }
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openAs(name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  await page.getByTestId(`rater-${name}`).click();
  if (PASSPHRASES[name] !== undefined) {
    await page.getByTestId('signin-passphrase').fill(PASSPHRASES[name]);
    await page.getByTestId('signin-submit').click();
  }
  await expect.poll(() => page.getByTestId('current-rater').textContent()).toContain(name);
  return page;
}

/** Generates a report from the Reports page (no faithfulness, no PDF) and returns its labels.csv. */
async function generateReport(page: Page): Promise<string> {
  await page.getByTestId('nav-report').click();
  await page.getByTestId('report-view').waitFor();
  await expect.poll(() => page.getByTestId('report-study').inputValue()).toBe('viewer-test');
  await page.getByTestId('report-faithfulness').uncheck();
  await page.getByTestId('report-pdf').uncheck();
  await page.getByTestId('report-generate').click();
  await page.getByTestId('report-result').waitFor({ timeout: 120_000 });
  const path = (await page.getByTestId('report-file-labels.csv').locator('code').textContent())!;
  return readFileSync(path, 'utf8');
}

describe('a blinded study on the Reports and Packages pages', () => {
  it('the owner’s report holds every rater’s labels', async () => {
    const page = await openAs('Dr Owner');
    const csv = await generateReport(page);
    for (const id of ownerLabelIds) expect(csv).toContain(id);
    expect(await page.getByTestId('report-own-labels').count()).toBe(0);
    expect(await page.getByTestId('report-result').textContent()).toContain('2 raters');
    await page.close();
  });

  it('a rater sees neither the owner’s report nor the owner’s labels, and cannot export them', async () => {
    const page = await openAs('Dr Rater');
    await page.getByTestId('nav-report').click();
    await page.getByTestId('report-view').waitFor();
    await expect.poll(() => page.getByTestId('report-study').inputValue()).toBe('viewer-test');
    // the owner's report is not picked up on this screen
    expect(await page.getByTestId('report-result').count()).toBe(0);
    const csv = await generateReport(page);
    for (const id of ownerLabelIds) expect(csv).not.toContain(id);
    expect(await page.getByTestId('report-own-labels').textContent()).toContain('only your labels (Dr Rater)');
    expect(await page.getByTestId('report-result').textContent()).toContain('1 raters');
    await page.screenshot({ path: join(tmpdir(), 'ecg-audit-report-blinded.png'), fullPage: true });

    await page.getByTestId('nav-packages').click();
    await page.getByTestId('labels-out').fill(join(dir, 'everyone.ecgaudit'));
    await page.getByTestId('labels-only-mine').uncheck();
    await page.getByTestId('labels-submit').click();
    await expect.poll(() => page.getByTestId('packages-error').textContent()).toContain('only its owner exports every rater’s');
    await page.getByTestId('labels-only-mine').check();
    await page.getByTestId('labels-submit').click();
    await expect.poll(() => page.getByTestId('packages-result').textContent()).toMatch(/labels by 1 rater/);
    await page.close();
  });
});

describe('a blinded study in the viewer', () => {
  it('asks a rater whose name is not protected to protect it; then they label; other names need their passphrase', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.getByTestId('rater-name').fill('Dr Newcomer');
    await page.getByTestId('rater-create').click();
    // asked where the list would be, in plain words; no list, no record, no label controls
    await expect.poll(() => page.getByTestId('protect-first').textContent()).toContain('This study is blinded: protect your name first');
    expect(await page.getByTestId('worklist-items').count()).toBe(0);
    expect(await page.getByTestId('label-panel').count()).toBe(0);

    await page.getByTestId('protect-name').click();
    await page.getByTestId('new-passphrase').fill('newcomer passphrase');
    await page.getByTestId('protect-submit').click();
    await page.getByTestId('name-protected').waitFor();
    // then the study opens as usual, and a verdict by key is kept; nobody else's labels show
    await expect.poll(() => page.getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe('S1-0001');
    expect(await page.getByTestId('protect-first').count()).toBe(0);
    await page.getByTestId('label-panel').waitFor();
    await page.keyboard.press('1');
    await expect
      .poll(() =>
        page
          .getByTestId('region-list')
          .locator('li[data-label]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))),
      )
      .toContain('valid');
    for (const id of ['label-panel', 'region-list']) {
      const text = await page.getByTestId(id).textContent();
      expect(text).not.toContain('Dr Owner');
      expect(text).not.toContain('Dr Rater');
    }

    // picking another rater's name asks for that rater's passphrase, and a wrong one gets nowhere
    await page.getByTestId('switch-rater').click();
    await page.getByTestId('rater-Dr Rater').click();
    await page.getByTestId('signin-passphrase').fill('a wrong guess');
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('signin-error').textContent()).toContain('Wrong passphrase for Dr Rater');
    expect(await page.getByTestId('current-rater').count()).toBe(0);
    expect(await page.getByTestId('label-panel').count()).toBe(0);
    await page.close();
  });
});
