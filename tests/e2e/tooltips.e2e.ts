import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { buildViewerDb, ludbRecordFiles, startViewerServer } from '../renderer/viewerDb.ts';

/**
 * Every control (the pages, the shell, the rater picker, the study settings, the viewer) says in plain words what
 * it does when the pointer rests on it: its own `title`, or the title of the `<label>` it sits in.
 * The sweep opens each page in the states that show more controls (an import with problems and a job list, a
 * finished report, the package options) and lists every visible control without one.
 */
let dir: string;
let server: BrowserServer;
let browser: Browser;

const CONTROLS = 'button, input:not([type="hidden"]), select, textarea, summary, a[href], [role="button"], [tabindex]:not([tabindex="-1"])';

/** The visible controls under `root` (a test id; the whole page when null) that show no tooltip. */
async function withoutTooltip(page: Page, root: string | null): Promise<string[]> {
  return page.evaluate(
    ({ selector, root }) => {
      const scope = root === null ? document : document.querySelector(`[data-testid="${root}"]`);
      if (!scope) return [`no element ${root}`];
      const tip = (el: Element): string => ((el as HTMLElement).title || (el.closest('label') as HTMLElement | null)?.title || '').trim();
      return [...scope.querySelectorAll(selector)]
        .filter((el) => el.getClientRects().length > 0 && tip(el) === '')
        .map((el) => {
          const id = el.getAttribute('data-testid');
          const text = (el.textContent || (el as HTMLInputElement).placeholder || '').trim().slice(0, 40);
          return `<${el.tagName.toLowerCase()}${id ? ` data-testid="${id}"` : ''}> ${text}`;
        });
    },
    { selector: CONTROLS, root },
  );
}

async function page(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await p.goto(server.url);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-tooltips-e2e-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1]);
  server = await startViewerServer(dbPath);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('every control has a plain-language tooltip', () => {
  it('the rater picker, the page bar, the study settings and the viewer', async () => {
    const p = await page();
    await p.getByTestId('rater-picker').waitFor();
    await p.getByTestId('rater-name').fill('Dr Tip');
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.getByTestId('rater-create').click();
    await p.getByTestId('study-settings').waitFor();
    expect(await withoutTooltip(p, 'study-settings')).toEqual([]);
    // and the viewer around them, once its record, classes, regions and reference are shown
    await expect.poll(() => p.getByTestId('region-list').locator('li').count()).toBeGreaterThan(0);
    await p.getByText(/\d+ statements/).waitFor();
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.getByTestId('nav-report').click();
    await p.getByTestId('report-view').waitFor();
    // the shell: page buttons and the rater switch
    expect(await withoutTooltip(p, null).then((all) => all.filter((c) => /nav-|switch-rater/.test(c)))).toEqual([]);
    await p.close();
  });

  it('protecting a name with a passphrase, and signing in with it', async () => {
    const p = await page();
    await p.getByTestId('rater-picker').waitFor();
    await p.getByTestId('rater-name').fill('Dr Lock');
    await p.getByTestId('rater-create').click();
    await p.getByTestId('protect-name').click();
    await p.getByTestId('new-passphrase').fill('tooltip passphrase');
    expect(await withoutTooltip(p, 'protect-form')).toEqual([]);
    await p.getByTestId('protect-submit').click();
    await p.getByTestId('name-protected').waitFor();
    expect(await withoutTooltip(p, null).then((all) => all.filter((c) => /protect|switch-rater/.test(c)))).toEqual([]);
    expect(await p.getByTestId('name-protected').getAttribute('title')).toMatch(/passphrase/);
    await p.getByTestId('switch-rater').click();
    await p.getByTestId('rater-Dr Lock').click();
    await p.getByTestId('signin-passphrase').fill('x');
    expect(await withoutTooltip(p, 'rater-picker')).toEqual([]);
    await p.screenshot({ path: join(tmpdir(), 'ecg-audit-signin.png') });
    await p.close();
  });

  it('the Import page, with a finished import, its problems and the jobs list', async () => {
    const p = await page();
    await p.getByTestId('nav-import').click();
    await p.getByTestId('import-view').waitFor();
    expect(await withoutTooltip(p, null)).toEqual([]);
    const folder = join(dir, 'mixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'not an ECG\n');
    await p.getByTestId('import-paths').fill([folder, ...ludbRecordFiles([2])].join('\n'));
    await p.getByTestId('import-study').fill('Tooltips');
    await p.getByTestId('import-start').click();
    await p.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    await p.getByTestId('import-problems').waitFor();
    await p.getByTestId('import-jobs').waitFor();
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.screenshot({ path: join(tmpdir(), 'ecg-audit-import-tooltips.png'), fullPage: true });
    await p.close();
  });

  it('the Reports page, before and after a report', async () => {
    const p = await page();
    await p.getByTestId('nav-report').click();
    await p.getByTestId('report-view').waitFor();
    await expect.poll(() => p.getByTestId('report-study').inputValue()).not.toBe('');
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.getByTestId('report-faithfulness').uncheck();
    await p.getByTestId('report-pdf').uncheck();
    await p.getByTestId('report-generate').click();
    await p.getByTestId('report-result').waitFor({ timeout: 120_000 });
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.screenshot({ path: join(tmpdir(), 'ecg-audit-report-tooltips.png'), fullPage: true });
    await p.close();
  });

  it('the Packages page, with every option shown', async () => {
    const p = await page();
    await p.getByTestId('nav-packages').click();
    await p.getByTestId('packages-view').waitFor();
    await p.getByTestId('packages-study').waitFor();
    await p.getByTestId('export-randomise').check();
    await p.getByTestId('export-seed').waitFor();
    expect(await withoutTooltip(p, null)).toEqual([]);
    await p.screenshot({ path: join(tmpdir(), 'ecg-audit-packages-tooltips.png'), fullPage: true });
    await p.close();
  });
});
