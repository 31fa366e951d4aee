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
 * owner's report holds every rater's. The owner's name is protected by a passphrase (blinding needs it): the
 * rater picker asks for it.
 */
let dir: string;
let server: BrowserServer;
let browser: Browser;
const ownerLabelIds: string[] = [];
const OWNER_PASSPHRASE = 'owner passphrase';
/** The owner's session, sent with every call of this file's setup. */
let ownerSession = '';

async function call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ecg-audit-token': server.token, 'x-ecg-audit-session': ownerSession },
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
  await call('labels.setBlinding', { studyId: study!.id, raterId: owner.id, blinded: true, hideProbability: false, hideReference: false });
  for (const { recordId } of (await call('records.worklist', { studyId: study!.id, raterId: owner.id })).items) {
    ownerLabelIds.push((await call('labels.append', { raterId: owner.id, target: { kind: 'plausible', recordId }, value: 'no' })).id);
    await call('labels.append', { raterId: rater.id, target: { kind: 'plausible', recordId }, value: 'yes' });
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
  if (name === 'Dr Owner') {
    await page.getByTestId('signin-passphrase').fill(OWNER_PASSPHRASE);
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
