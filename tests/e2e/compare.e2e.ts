import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport } from '../../src/core/import/index.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { InferencePool } from '../../src/core/inference/pool.ts';
import { findStudy, openStore } from '../../src/core/store/index.ts';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { synthesizeLabels } from '../helpers/syntheticLabels.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { buildDb, ludbRecordFiles, startViewerServer, VIEWER_STUDY } from '../renderer/viewerDb.ts';

/**
 * Comparing two audits from the Reports page in Chromium against the real browser-mode server: two studies
 * sharing four LUDB records, chosen in the form, compared as a job (progress, then the files and the paired
 * differences).
 */
describe('comparison on the Reports page', () => {
  let dir: string;
  let server: BrowserServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-e2e-compare-'));
    const dbPath = join(dir, 'audit.sqlite');
    await buildDb(dbPath, ludbRecordFiles([1, 2, 3, 4, 5, 6]), 6);
    const db = openStore(dbPath);
    const pool = await InferencePool.open(TINY_MODEL_DIR, { providers: ['cpu'] });
    try {
      const model = { manifest: loadModelFolder(TINY_MODEL_DIR).manifest, predictBatch: pool.predictBatch.bind(pool) };
      const second = await startImport(db, { inputs: ludbRecordFiles([3, 4, 5, 6, 7, 8]), study: 'Second audit', model }).done;
      synthesizeLabels(db, { studyId: findStudy(db, VIEWER_STUDY)!.id, raterNames: ['Rater One', 'Rater Two'], seed: 3, missing: 0 });
      synthesizeLabels(db, { studyId: second.studyId, raterNames: ['Rater One', 'Rater Two'], seed: 4, missing: 0 });
    } finally {
      await pool.close();
      db.close();
    }
    server = await startViewerServer(dbPath);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('chooses two studies, compares them as a job and lists the files and paired differences', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(server.url);
    await page.getByTestId('nav-report').click();
    await page.getByTestId('compare-view').waitFor();
    // the two studies are offered on each side, each with its model
    await expect.poll(() => page.getByTestId('compare-study-a').inputValue()).toBe(VIEWER_STUDY);
    await expect.poll(() => page.getByTestId('compare-study-b').inputValue()).toBe('Second audit');
    expect(await page.getByTestId('compare-model-b').inputValue()).toBe('tiny-imn');
    // the controls explain themselves
    for (const id of ['compare-faithfulness', 'compare-pdf']) {
      expect(await page.getByTestId(id).locator('xpath=..').getAttribute('title')).toMatch(/\w+ \w+ \w+/);
    }
    // one study against itself under the same model is not a comparison
    await page.getByTestId('compare-study-b').selectOption(VIEWER_STUDY);
    await expect.poll(() => page.getByTestId('compare-generate').isDisabled()).toBe(true);
    await page.getByTestId('compare-study-b').selectOption('Second audit');
    await page.getByTestId('compare-max-records').fill('2');
    await page.getByTestId('compare-generate').click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('compare-result').count()) +
          (await page.getByTestId('compare-error').count()) +
          (await page.getByTestId('compare-task-error').count()),
        { timeout: 150_000 },
      )
      .toBeGreaterThan(0);
    for (const id of ['compare-error', 'compare-task-error'])
      if (await page.getByTestId(id).count()) throw new Error(`UI error: ${await page.getByTestId(id).textContent()}`);
    for (const name of ['compare.json', 'compare.html', 'compare.pdf']) {
      const path = (await page.getByTestId(`compare-file-${name}`).locator('code').textContent())!;
      expect(existsSync(path), path).toBe(true);
      expect(path.startsWith(join(dir, 'reports'))).toBe(true);
    }
    const result = (await page.getByTestId('compare-result').textContent())!;
    expect(result).toContain('4 records in both, 2 re-run');
    const rows = page.getByTestId('compare-differences').locator('tbody tr');
    expect(await rows.count()).toBe(4);
    // every shared record has plausibility verdicts on both sides; two were re-run for the AUCs
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe('4');
    expect(await rows.nth(2).locator('td').nth(1).textContent()).toBe('2');
    await page.screenshot({ path: join(tmpdir(), 'ecg-audit-compare-view.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
