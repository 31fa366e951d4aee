import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserServer } from '../../src/server/browserServer.ts';
import { labelHistory, openStore } from '../../src/core/store/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { repoPath } from '../helpers/sharedData.ts';
import { buildDb, buildViewerDb, ptbxlRecordFiles, startViewerServer } from '../renderer/viewerDb.ts';

/** Set UPDATE_SCREENSHOTS=1 to rewrite the checked-in images (and docs/screenshot-viewer.png) instead of comparing. */
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';
/** Share of pixels allowed to differ (font hinting, anti-aliasing across machines). */
const MAX_DIFF_SHARE = 0.01;
const REAL_MODEL_DIR = repoPath('resources', 'models', 'ecg-imn-ptbxl-superdiag-100hz');

let server: BrowserServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-viewer-e2e-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2, 3]);
  server = await startViewerServer(dbPath);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openAs(name: string, page?: Page): Promise<Page> {
  const p = page ?? (await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 }));
  if (!page) await p.goto(server.url);
  await p.getByTestId('rater-picker').waitFor();
  const existing = p.getByTestId(`rater-${name}`);
  if (await existing.count()) await existing.click();
  else {
    await p.getByTestId('rater-name').fill(name);
    await p.getByTestId('rater-create').click();
  }
  await waitForFrame(p, 'S1-0001');
  return p;
}

/** Waits until the canvas shows this record (and class, when given) with its overlay drawn. */
async function waitForFrame(page: Page, pseudonym: string, classCode?: string): Promise<void> {
  await expect.poll(() => page.getByTestId('record-title').textContent()).toBe(pseudonym);
  await expect
    .poll(async () => {
      const tag = (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag')) ?? '';
      return tag.endsWith(':overlay') && (!classCode || tag.includes(`:${classCode}:`));
    })
    .toBe(true);
}

async function regionLabels(page: Page): Promise<string[]> {
  return page
    .getByTestId('region-list')
    .locator('li[data-label]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-label') ?? ''));
}

describe('audit viewer in Chromium (browser mode, real server and database)', () => {
  it('opens a record with its explanation, switches class, and shows model status', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    await page.goto(server.url);
    await openAs('Dr Keys', page);
    await expect.poll(() => page.getByTestId('viewer-status').textContent()).toMatch(/execution provider\s+cpu/);
    expect(await page.getByTestId('completeness').textContent()).toMatch(/e-/);
    const classes = await page.getByTestId('class-selector').locator('li').allTextContents();
    expect(classes.length).toBe(5);
    expect(classes.join('|')).toContain('Myocardial infarction');
    await page.getByTestId('class-NORM').click();
    await waitForFrame(page, 'S1-0001', 'NORM');
    expect(await page.getByTestId('legend').textContent()).toContain('Normal ECG');
    // raw W instead of W*x: the server re-runs the model; the legend says which map is shown
    await page.getByTestId('toggle-raw-w').click();
    await expect
      .poll(async () => (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag'))?.endsWith(':NORM:w:overlay'))
      .toBe(true);
    expect(await page.getByTestId('legend').textContent()).toContain('raw W for Normal ECG');
    await page.keyboard.press('w');
    await waitForFrame(page, 'S1-0001', 'NORM');
    // keyboard: c cycles the class
    await page.keyboard.press('c');
    await expect.poll(async () => (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag'))?.includes(':NORM:')).toBe(false);
    // what-if: the model's probability without the top 3 regions, beside the original
    await page.getByTestId('whatif-top').click();
    await expect.poll(() => page.getByTestId('whatif-results').textContent()).toMatch(/P \d\.\d{3} → \d\.\d{3}/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('labels regions with the keyboard only, undoes by appending, and keeps the labels across a reload', async () => {
    const page = await openAs('Dr Keys');
    // the first region is selected on load; J moves on
    await page.keyboard.press('1');
    await page.keyboard.press('j');
    await page.keyboard.press('2');
    await page.keyboard.press('j');
    await page.keyboard.press('3');
    await expect.poll(() => regionLabels(page).then((l) => l.slice(0, 3))).toEqual(['valid', 'not_valid', 'unsure']);
    // change the third region to valid, then undo: back to unsure through a superseding label
    await page.keyboard.press('1');
    await expect.poll(() => regionLabels(page).then((l) => l[2])).toBe('valid');
    await page.keyboard.press('z');
    await expect.poll(() => regionLabels(page).then((l) => l[2])).toBe('unsure');
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await page.keyboard.press('y');
    await expect.poll(async () => page.getByTestId('plausible-yes').getAttribute('class')).toContain('active');
    // help overlay lists every key
    await page.keyboard.press('?');
    const help = await page.getByTestId('help-overlay').textContent();
    for (const text of ['Selected region: valid', 'Next evidence region', 'Next record', 'Undo']) expect(help).toContain(text);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('help-overlay').count()).toBe(0);
    // next record and back
    await page.keyboard.press('n');
    await waitForFrame(page, 'S1-0002');
    await page.keyboard.press('p');
    await waitForFrame(page, 'S1-0001');

    await page.reload();
    await waitForFrame(page, 'S1-0001');
    expect((await regionLabels(page)).slice(0, 3)).toEqual(['valid', 'not_valid', 'unsure']);
    expect(await page.getByTestId('plausible-yes').getAttribute('class')).toContain('active');
    expect(await page.getByTestId('worklist-progress').textContent()).toContain('1 / 3');

    // Z on a first label appends a withdrawal: the fourth region is unlabelled at once and after a reload
    expect((await regionLabels(page))[3]).toBe('');
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    await page.keyboard.press('1');
    await expect.poll(() => regionLabels(page).then((l) => l[3])).toBe('valid');
    await page.keyboard.press('z');
    await expect.poll(() => regionLabels(page).then((l) => l[3])).toBe('');
    await expect.poll(() => page.getByTestId('viewer-message').textContent()).toContain('withdrawal');
    // the same for a record verdict: the record counts as not reviewed again
    await page.keyboard.press('n');
    await waitForFrame(page, 'S1-0002');
    await page.keyboard.press('y');
    await expect.poll(() => page.getByTestId('worklist-progress').textContent()).toContain('2 / 3');
    await page.keyboard.press('z');
    await expect.poll(() => page.getByTestId('worklist-progress').textContent()).toContain('1 / 3');
    expect(await page.getByTestId('plausible-yes').getAttribute('class')).not.toContain('active');

    await page.reload();
    await waitForFrame(page, 'S1-0001');
    expect((await regionLabels(page)).slice(0, 4)).toEqual(['valid', 'not_valid', 'unsure', '']);
    expect(await page.getByTestId('worklist-progress').textContent()).toContain('1 / 3');
    // the audit trail keeps the labels and their withdrawals
    const db = openStore(join(dir, 'audit.sqlite'), { readonly: true });
    try {
      const trail = labelHistory(db).filter((l) => l.raterName === 'Dr Keys');
      const withdrawals = trail.filter((l) => l.value === 'withdrawn');
      expect(withdrawals.map((w) => w.targetKind).sort()).toEqual(['plausible', 'region']);
      for (const w of withdrawals) {
        expect(w.current).toBe(true);
        expect(trail.find((l) => l.id === w.supersedes)).toMatchObject({
          value: w.targetKind === 'region' ? 'valid' : 'yes',
          current: false,
        });
      }
    } finally {
      db.close();
    }
    await page.close();
  });

  it('in blinded mode two raters do not see each other’s labels', async () => {
    const a = await openAs('Dr Blind A');
    // these boxes show the server's state: click, then wait for it (check() demands the change at once)
    await a.getByTestId('blinded').click();
    await expect.poll(() => a.getByTestId('blinded').isChecked()).toBe(true);
    await a.keyboard.press('2');
    await expect.poll(() => regionLabels(a).then((l) => l[0])).toBe('not_valid');
    await a.close();

    const b = await openAs('Dr Blind B');
    expect(await b.getByTestId('blinded').isChecked()).toBe(true);
    expect(await regionLabels(b).then((l) => l[0])).toBe('');
    const panel = await b.getByTestId('label-panel').textContent();
    expect(panel).not.toContain('Dr Blind A');
    expect(panel).not.toContain('Dr Keys');
    await b.keyboard.press('1');
    await expect.poll(() => regionLabels(b).then((l) => l[0])).toBe('valid');
    // the server itself refuses to hand out A's label to B
    const reply = await b.evaluate(async (token) => {
      const raters = await (
        await fetch('/api/labels.raters', { method: 'POST', headers: { 'x-ecg-audit-token': token }, body: '{}' })
      ).json();
      const me = raters.value.find((r: { displayName: string }) => r.displayName === 'Dr Blind B');
      const res = await fetch('/api/labels.current', {
        method: 'POST',
        headers: { 'x-ecg-audit-token': token },
        body: JSON.stringify({ recordId: 1, raterId: me.id }),
      });
      return (await res.json()).value.labels.map((l: { raterName: string }) => l.raterName);
    }, server.token);
    expect(new Set(reply)).toEqual(new Set(['Dr Blind B']));

    // unblinded, B sees A's verdict next to the region
    await b.getByTestId('blinded').click();
    await expect.poll(() => b.getByTestId('label-panel').textContent()).toContain('Dr Blind A: not valid');
    await b.getByTestId('blinded').click();
    await expect.poll(() => b.getByTestId('blinded').isChecked()).toBe(true);
    // optionally without the model's probabilities
    await b.getByTestId('hide-probability').click();
    await expect.poll(() => b.getByTestId('class-selector').locator('ul').textContent()).not.toMatch(/0\.\d{3}/);
    await b.getByTestId('hide-probability').click();
    await expect.poll(() => b.getByTestId('class-selector').locator('ul').textContent()).toMatch(/0\.\d{3}/);
    await b.close();
  });

  it('measures with calipers, zooms, draws a missed region and keeps its reasons', async () => {
    const page = await openAs('Dr Tools');
    await page.getByTestId('layout-12x1').click();
    const canvas = page.getByTestId('ecg-canvas');
    const box = (await canvas.boundingBox())!;
    const pxPerMm = 96 / 25.4;
    // 12x1 at 25 mm/s and 10 mm/mV: 25 mm apart = 1000 ms, 10 mm apart = 1 mV
    await page.getByTestId('mode-calipers').click();
    const x0 = box.x + 40 * pxPerMm;
    const y0 = box.y + 10 * pxPerMm;
    await page.mouse.click(x0, y0);
    await page.mouse.click(x0 + 25 * pxPerMm, y0 + 10 * pxPerMm);
    await expect.poll(() => canvas.getAttribute('data-caliper')).toMatch(/Δt 100\d ms · ΔV 1\.0\d mV|Δt 99\d ms · ΔV (0\.9\d|1\.0\d) mV/);
    await page.keyboard.press('Escape');
    // zoom in time from the keyboard: the effective paper speed grows
    await page.keyboard.press('+');
    await expect.poll(() => page.getByTestId('zoom').textContent()).toBe('31 mm/s');
    await page.keyboard.press('-');
    // draw a region the model missed on the first row (lead I), 1.0 to 1.4 s
    await page.keyboard.press('d');
    const rowY = box.y + 12 * pxPerMm;
    const traceLeft = box.x + (2 + 5 + 2) * pxPerMm;
    await page.mouse.move(traceLeft + 25 * pxPerMm, rowY);
    await page.mouse.down();
    await page.mouse.move(traceLeft + 30 * pxPerMm, rowY, { steps: 4 });
    await page.mouse.move(traceLeft + 35 * pxPerMm, rowY, { steps: 4 });
    await page.mouse.up();
    const drawn = page.getByTestId('region-item-drawn');
    await expect.poll(() => drawn.getAttribute('data-label')).toBe('valid');
    expect(await drawn.textContent()).toMatch(/I (0\.9\d|1\.0\d)–1\.4\d s/);
    await page.getByTestId('reason-st_t').click();
    await expect.poll(() => page.getByTestId('reason-st_t').isChecked()).toBe(true);
    await page.reload();
    await waitForFrame(page, 'S1-0001');
    await page.getByTestId('region-item-drawn').click();
    await expect.poll(() => page.getByTestId('reason-st_t').isChecked()).toBe(true);
    await page.getByTestId('layout-3x4').click();
    await page.close();
  });

  it('shows the reference diagnosis beside the model classes, filters by it, and hides it when the study says so', async () => {
    const page = await openAs('Dr Reference');
    const panel = page.getByTestId('reference-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toMatch(/LUDB/);
    expect(await page.getByTestId('reference-NORM').textContent()).toMatch(/not stated/);
    expect(await page.getByTestId('reference-HYP').textContent()).toMatch(/yes/);
    // the choices are the reference classes present in the study: LUDB 1-3 all carry STTC and HYP
    const choices = await page
      .getByTestId('filter-reference')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(choices).toEqual(['', 'disagrees', 'HYP', 'STTC']);
    await page.getByTestId('filter-reference').selectOption('HYP');
    await expect.poll(() => page.locator('[data-testid^="worklist-item-"]').count()).toBe(3);
    await page.getByTestId('filter-reference').selectOption('');
    await page.getByTestId('hide-reference').click();
    await expect.poll(() => page.getByTestId('reference-panel').count()).toBe(0);
    await expect.poll(() => page.getByTestId('filter-reference').count()).toBe(0);
    await page.getByTestId('hide-reference').click();
    await page.getByTestId('reference-panel').waitFor();
    await page.close();
  });

  it('draws the three layouts like an ECG printout (visual regression)', async () => {
    const page = await openAs('Dr Keys');
    await page.getByTestId('class-MI').click();
    await waitForFrame(page, 'S1-0001', 'MI');
    for (const layout of ['3x4', '6x2', '12x1']) {
      await page.getByTestId(`layout-${layout}`).click();
      await expect.poll(() => page.getByTestId('ecg-canvas').getAttribute('data-frame-layout')).toBe(layout);
      // the canvas's own pixels: independent of the window size, scrolling and anything drawn over it
      const dataUrl = await page.getByTestId('ecg-canvas').evaluate((c) => (c as HTMLCanvasElement).toDataURL('image/png'));
      const shot = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
      const file = repoPath('tests', 'e2e', 'screenshots', `viewer-${layout}.png`);
      if (UPDATE || !existsSync(file)) {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, shot);
        continue;
      }
      const share = await diffShare(page, readFileSync(file), shot);
      expect(share, `${file} differs in ${(share * 100).toFixed(2)}% of pixels (UPDATE_SCREENSHOTS=1 regenerates)`).toBeLessThan(
        MAX_DIFF_SHARE,
      );
    }
    await page.getByTestId('layout-3x4').click();
    await page.close();
  });

  // The bundled model end to end on real PTB-XL records; when regenerating screenshots this is the README's picture.
  it('audits the bundled model on real PTB-XL records, what-if included', async () => {
    const dbPath = join(dir, 'real.sqlite');
    // PTB-XL ecg_id 1 (normal) and 39 (conduction disturbance), imported in this order as S1-0001, S1-0002
    await buildDb(dbPath, ptbxlRecordFiles([1, 39]), 2, REAL_MODEL_DIR);
    const real = await startViewerServer(dbPath, dirname(REAL_MODEL_DIR));
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1250 }, deviceScaleFactor: 1 });
      await page.goto(real.url);
      await page.getByTestId('rater-name').fill('Dr Example');
      await page.getByTestId('rater-create').click();
      await page.getByTestId('worklist-item-S1-0002').click();
      await waitForFrame(page, 'S1-0002');
      await page.getByTestId('whatif-top').click();
      await expect.poll(() => page.getByTestId('whatif-results').textContent()).toContain('→');
      await page.keyboard.press('1');
      await expect.poll(() => page.getByTestId('viewer-message').textContent()).toContain('Saved');
      await page.screenshot({ path: UPDATE ? repoPath('docs', 'screenshot-viewer.png') : join(dir, 'screenshot-viewer.png') });
      await page.close();
    } finally {
      await real.close();
    }
  });
});

/** Share of pixels whose colour differs by more than a small amount; decoded and compared by Chromium itself. */
async function diffShare(page: Page, expected: Buffer, actual: Buffer): Promise<number> {
  return page.evaluate(
    async ([a, b]) => {
      const load = async (b64: string) => {
        // an <img> may load data: URLs under the app's CSP (img-src), fetch may not
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const bitmap = await createImageBitmap(img);
        const c = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = c.getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      };
      const [x, y] = await Promise.all([load(a), load(b)]);
      if (x.width !== y.width || x.height !== y.height) return 1;
      let differing = 0;
      for (let i = 0; i < x.data.length; i += 4) {
        const d = Math.abs(x.data[i]! - y.data[i]!) + Math.abs(x.data[i + 1]! - y.data[i + 1]!) + Math.abs(x.data[i + 2]! - y.data[i + 2]!);
        if (d > 48) differing++;
      }
      return differing / (x.width * x.height);
    },
    [expected.toString('base64'), actual.toString('base64')] as const,
  );
}
