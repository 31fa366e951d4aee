import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelHistory, listRaters, openStore } from '../../src/core/store/index.ts';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchBrowserMode } from '../../src/server/launch.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { buildResearcherDb, STUDY } from '../package/fixture.ts';

/**
 * The whole round trip in Chromium against two real browser-mode servers, a researcher's and a rater's
 * installation: export a study package, open it as the rater's database, label in the viewer, return the
 * labels, merge them (twice), and see a forged labels file refused.
 */
describe('audit package round trip in Chromium', () => {
  let dir: string;
  let researcher: BrowserServer;
  let rater: BrowserServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-e2e-package-'));
    await buildResearcherDb(join(dir, 'researcher.sqlite'), 4);
    // Both installations have the study's model installed, as the rater's app must to recompute the maps.
    const modelsDir = dirname(TINY_MODEL_DIR);
    researcher = await launchBrowserMode({ dbPath: join(dir, 'researcher.sqlite'), modelsDir });
    rater = await launchBrowserMode({ dbPath: join(dir, 'rater-home.sqlite'), modelsDir });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await researcher?.close();
    await rater?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pageErrors: string[] = [];

  async function newPage(server: BrowserServer): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    return page;
  }

  async function packagesPage(server: BrowserServer): Promise<Page> {
    const page = await newPage(server);
    await page.getByTestId('nav-packages').click();
    await page.getByTestId('packages-view').waitFor();
    return page;
  }

  async function outcome(page: Page): Promise<string> {
    await expect
      .poll(async () => (await page.getByTestId('packages-result').count()) + (await page.getByTestId('packages-error').count()))
      .toBeGreaterThan(0);
    if (await page.getByTestId('packages-error').count())
      throw new Error(`UI error: ${await page.getByTestId('packages-error').textContent()}`);
    return (await page.getByTestId('packages-result').textContent()) ?? '';
  }

  it('exports, opens, labels, returns and merges through the UI', async () => {
    const sent = join(dir, 'study.ecgaudit');
    const home = await packagesPage(researcher);
    await home.getByTestId('export-out').fill(sent);
    await home.getByTestId('export-hide').check();
    await home.getByTestId('export-submit').click();
    expect(await outcome(home)).toMatch(/^Wrote .*study\.ecgaudit: 4 records/);

    // The rater receives the file, starts the app, says who they are and opens the package as their database.
    const received = join(dir, 'received.ecgaudit');
    copyFileSync(sent, received);
    const page = await newPage(rater);
    await page.getByTestId('rater-name').fill('Dr. Round Trip');
    await page.getByTestId('rater-create').click();
    await page.getByTestId('current-rater').waitFor();
    // They protected their name in their own database; passphrases do not travel into the package's.
    await page.getByTestId('protect-name').click();
    await page.getByTestId('new-passphrase').fill('home database passphrase');
    await page.getByTestId('protect-submit').click();
    await page.getByTestId('name-protected').waitFor();
    await page.getByTestId('nav-packages').click();
    await page.getByTestId('open-path').fill(received);
    await page.getByTestId('open-submit').click();
    // The page is rebuilt for the rater as the package's database knows them (unprotected there): it names the open package.
    await expect
      .poll(async () => (await page.getByTestId('packages-open-db').textContent()) ?? '')
      .toMatch(/received\.ecgaudit.*study package “ludb-audit”, 4 records\s*\(probabilities hidden\)/s);

    // Label in the viewer: a plausibility verdict, a region verdict changed once (a superseding label), next record.
    await page.getByTestId('nav-viewer').click();
    // the package's study is blinded: the rater protects their name in the package's database before any label shows
    await page.getByTestId('protect-first').waitFor();
    await page.getByTestId('protect-name').click();
    await page.getByTestId('new-passphrase').fill('round trip passphrase');
    await page.getByTestId('protect-submit').click();
    await page.getByTestId('name-protected').waitFor();
    await expect.poll(async () => (await page.getByTestId('record-title').textContent())?.trim() ?? '').toMatch(/^S\d+-\d{4}$/);
    expect(await page.getByTestId('hide-probability').isChecked()).toBe(true);
    await page.getByTestId('plausible-partly').click();
    await expect.poll(async () => page.getByTestId('plausible-partly').getAttribute('class')).toContain('active');
    await page.keyboard.press('1');
    await expect.poll(() => page.getByTestId('region-list').locator('li[data-label]').first().getAttribute('data-label')).toBe('valid');
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('region-list').locator('li[data-label]').first().getAttribute('data-label')).toBe('not_valid');
    const first = (await page.getByTestId('record-title').textContent())?.trim();
    await page.getByTestId('next-record').click();
    await expect.poll(async () => (await page.getByTestId('record-title').textContent())?.trim()).not.toBe(first);
    await page.getByTestId('plausible-no').click();
    await expect.poll(async () => page.getByTestId('plausible-no').getAttribute('class')).toContain('active');

    // Return the labels.
    const returned = join(dir, 'returned-labels.ecgaudit');
    await page.getByTestId('nav-packages').click();
    await page.getByTestId('labels-out').fill(returned);
    await page.getByTestId('labels-submit').click();
    expect(await outcome(page)).toMatch(/returned-labels\.ecgaudit: 4 labels by 1 rater\(s\)/);
    await page.close();

    // The researcher merges them; merging again changes nothing.
    await home.getByTestId('merge-paths').fill(returned);
    await home.getByTestId('merge-submit').click();
    expect(await outcome(home)).toBe('Merged 1 package(s): 4 labels added, 0 already present, 1 new rater(s)');
    await home.getByTestId('merge-submit').click();
    await expect
      .poll(() => home.getByTestId('packages-result').textContent())
      .toBe('Merged 1 package(s): 0 labels added, 4 already present, 0 new rater(s)');

    // The rater keeps one id across their own database and the package; the history arrived whole.
    const homeDb = openStore(join(dir, 'rater-home.sqlite'), { readonly: true });
    const raterId = listRaters(homeDb)[0]!.id;
    homeDb.close();
    const db = openStore(join(dir, 'researcher.sqlite'), { readonly: true });
    const history = labelHistory(db);
    db.close();
    expect(history.map((l) => [l.raterId, l.raterName, l.studyName])).toEqual(Array(4).fill([raterId, 'Dr. Round Trip', STUDY]));
    expect(history.filter((l) => !l.current)).toHaveLength(1);
    expect(history.find((l) => !l.current)!.value).toBe('valid');

    // A labels file edited on the way is refused, and the researcher's database is left as it was.
    const forged = join(dir, 'forged-labels.ecgaudit');
    copyFileSync(returned, forged);
    const raw = new Database(forged);
    raw.prepare(`UPDATE raters SET display_name = 'Dr. Impostor'`).run();
    raw.close();
    await home.getByTestId('merge-paths').fill(forged);
    await home.getByTestId('merge-submit').click();
    await expect
      .poll(() => home.getByTestId('packages-error').textContent())
      .toMatch(/forged-labels\.ecgaudit: package content does not match its hash/);
    const after = openStore(join(dir, 'researcher.sqlite'), { readonly: true });
    expect(labelHistory(after)).toHaveLength(4);
    after.close();
    await home.close();
    expect(pageErrors).toEqual([]);
  });
});
