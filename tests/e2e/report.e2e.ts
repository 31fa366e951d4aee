import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport } from '../../src/core/import/index.ts';
import { openStore } from '../../src/core/store/index.ts';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchBrowserMode } from '../../src/server/launch.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { synthesizeLabels } from '../helpers/syntheticLabels.ts';
import { tinyModel } from '../import/helpers.ts';

/** The report screen in Chromium against the real browser-mode server: choose a study, generate, see the files. */
describe('report screen', () => {
  let dir: string;
  let server: BrowserServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-e2e-report-'));
    const db = openStore(join(dir, 'audit.sqlite'));
    const { model, close } = await tinyModel();
    const ludb = join(sharedDataDir(), 'ludb', 'data');
    const summary = await startImport(db, { inputs: [1, 2, 3, 4, 5, 6].map((i) => join(ludb, `${i}.hea`)), study: 'E2E report', model })
      .done;
    await close();
    synthesizeLabels(db, { studyId: summary.studyId, raterNames: ['Rater One', 'Rater Two'], seed: 3, missing: 0 });
    db.close();
    server = await launchBrowserMode({ dbPath: join(dir, 'audit.sqlite') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates the report and lists its files and summary', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(server.url);
    await page.getByTestId('nav-report').click();
    await page.getByTestId('report-view').waitFor();
    await expect.poll(() => page.getByTestId('report-study').inputValue()).toBe('E2E report');
    await page.getByTestId('report-faithfulness').uncheck();
    await page.getByTestId('report-generate').click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('report-result').count()) +
          (await page.getByTestId('report-error').count()) +
          (await page.getByTestId('report-task-error').count()),
        { timeout: 120_000 },
      )
      .toBeGreaterThan(0);
    for (const id of ['report-error', 'report-task-error'])
      if (await page.getByTestId(id).count()) throw new Error(`UI error: ${await page.getByTestId(id).textContent()}`);
    for (const name of ['report.json', 'labels.csv', 'metrics.csv', 'report.html', 'report.pdf']) {
      const path = (await page.getByTestId(`report-file-${name}`).locator('code').textContent())!;
      expect(existsSync(path), path).toBe(true);
      expect(path.startsWith(join(dir, 'reports'))).toBe(true);
    }
    expect(await page.getByTestId('report-agreement').textContent()).toContain('evidence regions');
    await page.screenshot({ path: join(tmpdir(), 'ecg-audit-report-view.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
