import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchBrowserMode } from '../../src/server/launch.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

/** Set E2E_SCREENSHOT_DIR to keep pictures of the import screen after each run (to look at, not compared). */
const SHOTS = process.env.E2E_SCREENSHOT_DIR;
const LUDB = join(sharedDataDir(), 'ludb', 'data');

/**
 * The import screen as a research nurse uses it, in Chromium against the real browser-mode server with the
 * bundled model: a folder with real records, a text file and a truncated record goes in; progress, the summary,
 * the problem list and its CSV come out, and the study shows in the viewer. Then a whole dataset is paused,
 * resumed, stopped and resumed from the jobs list.
 */
describe('import screen in Chromium (browser mode, real import and model)', () => {
  let dir: string;
  let folder: string;
  let server: BrowserServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-e2e-import-'));
    // the nurse's folder: three LUDB records with their annotation files, a note, and record 4 cut short
    folder = join(dir, 'ward 3', 'ecgs');
    mkdirSync(folder, { recursive: true });
    for (const n of [1, 2, 3])
      for (const ext of ['hea', 'dat', 'i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'])
        copyFileSync(join(LUDB, `${n}.${ext}`), join(folder, `${n}.${ext}`));
    copyFileSync(join(LUDB, '4.hea'), join(folder, '4.hea'));
    writeFileSync(join(folder, '4.dat'), readFileSync(join(LUDB, '4.dat')).subarray(0, 50_000));
    writeFileSync(join(folder, 'notes.txt'), 'ECGs of ward 3, taken on admission\n');
    server = await launchBrowserMode({ dbPath: join(dir, 'audit.sqlite') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function importPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.getByTestId('nav-import').click();
    await page.getByTestId('import-view').waitFor();
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  const counts = (page: Page) => page.getByTestId('import-counts').textContent();

  it('imports a folder, shows progress, the summary and the problems, and the study appears in the viewer', async () => {
    const page = await importPage();
    // the bundled model is offered and chosen; nothing starts without inputs and a study
    await expect.poll(() => page.getByTestId('import-model').inputValue()).toBe('ecg-imn-ptbxl-superdiag-100hz');
    expect(await page.getByTestId('import-start').isDisabled()).toBe(true);
    await page.getByTestId('import-paths').fill(folder);
    await page.getByTestId('import-study').fill('Ward 3 admissions');
    await page.getByTestId('import-start').click();

    await page.getByTestId('import-progress').waitFor();
    await expect.poll(() => page.getByTestId('import-summary').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('import-summary').textContent()).toMatch(
      /^\s*Finished: study “Ward 3 admissions”, 3 records imported, 0 duplicates, 2 files skipped, 1 failed, in \d+(\.\d)? s\.\s*$/,
    );
    // 3 x 14 files of the good records, the note and the two files of record 4, all accounted for
    expect(await counts(page)).toMatch(/^\s*45 \/ 45 files \(100%\) · 3 imported · 0 duplicates · 2 skipped ·\s*1 failed\s*$/);
    expect(await page.getByTestId('import-bar').getAttribute('value')).toBe('45');
    expect(await page.getByTestId('import-pause').count()).toBe(0);

    // what was not imported, and why, in words a nurse can act on
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    expect(await problems.locator('h3').textContent()).toMatch(/: 3 files$/);
    const rows = await problems
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    const byFile = new Map(rows.map(([file, outcome, problem]) => [file!.slice(folder.length + 1), { outcome, problem }]));
    expect([...byFile.keys()].sort()).toEqual(['4.dat', '4.hea', 'notes.txt']);
    expect(byFile.get('4.hea')).toEqual({
      outcome: 'failed',
      problem: expect.stringMatching(/declares 5000 samples per signal, the file holds \d+/),
    });
    expect(byFile.get('notes.txt')).toEqual({ outcome: 'skipped', problem: 'not an ECG: text document' });
    expect(byFile.get('4.dat')).toEqual({ outcome: 'skipped', problem: expect.stringMatching(/part of a record that was not imported/) });

    // the error report saved as CSV holds the same three files
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-problems-csv').click()]);
    expect(download.suggestedFilename()).toBe('import-1-problems.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    for (const name of ['4.hea', '4.dat', 'notes.txt']) expect(csv).toContain(join(folder, name));
    expect(csv).toMatch(/declares 5000 samples per signal/);

    const job = page.getByTestId('import-job-1');
    expect((await job.locator('td').allTextContents()).slice(0, 7)).toEqual(['1', 'Ward 3 admissions', 'completed', '3', '0', '2', '1']);
    await shoot(page, 'import-finished');

    // the records are ready for auditing: the study is in the viewer's list with its three records
    await page.getByTestId('nav-viewer').click();
    await page.getByTestId('rater-name').fill('Nurse Rivera');
    await page.getByTestId('rater-create').click();
    await expect.poll(() => page.getByTestId('study-select').locator('option').allTextContents()).toContain('Ward 3 admissions (3)');
    await expect.poll(async () => (await page.getByTestId('record-title').textContent())?.trim()).toBe('S1-0001');
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('explains, in browser mode, that a dropped folder must be typed instead', async () => {
    const page = await importPage();
    const transfer = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['#'], '1.hea'));
      return data;
    });
    await page.getByTestId('import-form').dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => page.getByTestId('drop-hint').textContent()).toContain('type or paste the folder path');
    expect(await page.getByTestId('import-paths').inputValue()).toBe('');
    await page.close();
  });

  it('pauses, resumes and stops a whole dataset, then resumes it from the jobs list without importing twice', async () => {
    const page = await importPage();
    await page.getByTestId('import-paths').fill(LUDB);
    await page.getByTestId('import-study').fill('LUDB complete');
    await page.getByTestId('import-start').click();

    await page.getByTestId('import-pause').click();
    await page.getByTestId('import-resume').waitFor();
    await expect.poll(() => page.getByTestId('import-progress').locator('h3').textContent()).toMatch(/^Job 2 — paused$/);
    const whilePaused = await counts(page);
    const [done, total] = /(\d+) \/ (\d+) files/
      .exec(whilePaused ?? '')!
      .slice(1)
      .map(Number);
    expect(total).toBe(200 * 14);
    expect(done).toBeLessThan(total!);
    // two more status answers while paused (the page polls): the job was seen since, and nothing moved
    for (let i = 0; i < 2; i++) await page.waitForResponse((r) => r.url().endsWith('/api/import.status'));
    expect(await counts(page)).toBe(whilePaused);
    // the jobs list follows the live job
    const imported = /· (\d+) imported/.exec(whilePaused ?? '')![1];
    await expect
      .poll(async () => (await page.getByTestId('import-job-2').locator('td').allTextContents()).slice(1, 4))
      .toEqual(['LUDB complete', 'paused', imported]);
    await shoot(page, 'import-paused');

    await page.getByTestId('import-resume').click();
    await page.getByTestId('import-cancel').click();
    await expect.poll(() => page.getByTestId('import-summary').textContent(), { timeout: 60_000 }).toMatch(/^\s*Stopped — resume it/);
    const stoppedAt = Number(/(\d+) records imported/.exec((await page.getByTestId('import-summary').textContent()) ?? '')![1]);
    expect(stoppedAt).toBeLessThan(200);
    expect(await page.getByTestId('import-job-2').locator('td').nth(2).textContent()).toBe('cancelled');

    await page.getByTestId('import-job-resume-2').click();
    // the resumed job counts what both runs imported; nothing came in twice
    await expect
      .poll(() => page.getByTestId('import-summary').textContent(), { timeout: 120_000 })
      .toMatch(/^\s*Finished: study “LUDB complete”, 200 records imported, 0 duplicates, 0 files skipped, 0 failed/);
    expect((await page.getByTestId('import-job-2').locator('td').allTextContents()).slice(2, 5)).toEqual(['completed', '200', '0']);
    expect(await page.getByTestId('import-jobs').locator('tbody tr').count()).toBe(2);
    await shoot(page, 'import-resumed');
    await page.getByTestId('nav-viewer').click();
    await page.getByTestId('rater-name').fill('Nurse Okafor');
    await page.getByTestId('rater-create').click();
    await expect.poll(() => page.getByTestId('study-select').locator('option').allTextContents()).toContain('LUDB complete (200)');
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('says on the import page why a folder gave no ECG, and leaves no empty study behind', async () => {
    const notes = join(dir, 'ward 4', 'letters');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'notes.txt'), 'no ECG in here\n');
    const broken = join(dir, 'ward 4', 'broken');
    mkdirSync(broken, { recursive: true });
    copyFileSync(join(LUDB, '4.hea'), join(broken, '4.hea'));
    writeFileSync(join(broken, '4.dat'), readFileSync(join(LUDB, '4.dat')).subarray(0, 50_000));

    const page = await importPage();
    const jobRows = () => page.getByTestId('import-jobs').locator('tbody tr').count();
    await expect.poll(jobRows).toBe(2);
    for (const [folderPath, study, why] of [
      [notes, 'Ward 4 letters', `No ECG files found in ${notes}: its one file is not an ECG this app reads`],
      [broken, 'Ward 4 broken', `Nothing imported from ${broken}: the one file that looked like an ECG failed`],
    ] as const) {
      await page.getByTestId('import-paths').fill(folderPath);
      await page.getByTestId('import-study').fill(study);
      await page.getByTestId('import-start').click();
      await expect.poll(() => page.getByTestId('import-nothing').textContent(), { timeout: 60_000 }).toContain(why);
      expect(await page.getByTestId('import-nothing').textContent()).toContain(`study “${study}” was not created`);
      expect(await page.getByTestId('import-summary').count()).toBe(0);
      // the failure report is there, beside the message
      await expect.poll(() => page.getByTestId('import-problems').textContent()).toContain(folderPath);
      await shoot(page, `import-nothing-${study.replace(/\W+/g, '-')}`);
    }
    expect(await page.getByTestId('import-problems').textContent()).toMatch(/declares 5000 samples per signal/);
    // no job and no study for either folder
    expect(await jobRows()).toBe(2);
    await page.getByTestId('nav-report').click();
    const options = () => page.getByTestId('report-study').locator('option').allTextContents();
    await expect.poll(options).toContain('Ward 3 admissions (3 records)');
    expect((await options()).some((o) => o.startsWith('Ward 4'))).toBe(false);
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
