import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
/** The whole screen holds text: a little more room for font rendering. */
const MAX_SCREEN_DIFF_SHARE = 0.02;
/** Waits on a model re-run in the server (raw W, what-if): seconds on a loaded machine. */
const MODEL_RUN = { timeout: 30_000 };
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

/** Passphrases of the raters who protected their names in these tests. */
const passphrases = new Map<string, string>();

/** Opens the viewer as `name` (creating the rater if need be); `frame` false: no record is expected to open. */
async function openAs(name: string, page?: Page, frame = true): Promise<Page> {
  const p = page ?? (await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 }));
  if (!page) await p.goto(server.url);
  await p.getByTestId('rater-picker').waitFor();
  const existing = p.getByTestId(`rater-${name}`);
  if (await existing.count()) {
    await existing.click();
    const passphrase = passphrases.get(name);
    if (passphrase !== undefined) {
      await p.getByTestId('signin-passphrase').fill(passphrase);
      await p.getByTestId('signin-submit').click();
    }
  } else {
    await p.getByTestId('rater-name').fill(name);
    await p.getByTestId('rater-create').click();
  }
  if (frame) await waitForFrame(p, 'S1-0001');
  return p;
}

/** Waits until the canvas shows this record (and class, when given) with its overlay drawn. */
async function waitForFrame(page: Page, pseudonym: string, classCode?: string): Promise<void> {
  // generous: on a loaded machine opening a record waits for several API calls
  await expect.poll(() => page.getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe(pseudonym);
  await expect
    .poll(
      async () => {
        const tag = (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag')) ?? '';
        return tag.endsWith(':overlay') && (!classCode || tag.includes(`:${classCode}:`));
      },
      { timeout: 20_000 },
    )
    .toBe(true);
}

/** The display settings as stored (they are saved a moment after a change). */
async function storedSettings(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async (token) => {
    const res = await fetch('/api/records.viewerSettings', { method: 'POST', headers: { 'x-ecg-audit-token': token }, body: '{}' });
    return (await res.json()).value;
  }, server.token);
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
    const apiCalls: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') apiCalls.push(r.url().split('/').pop() ?? '');
    });
    await page.goto(server.url);
    await openAs('Dr Keys', page);
    await page.waitForLoadState('networkidle');
    // the first record opens once: its run (maps recomputed on the pool) is asked for once, not by two watchers
    expect(apiCalls.filter((m) => m === 'records.run')).toHaveLength(1);
    await expect.poll(() => page.getByTestId('viewer-status').textContent()).toMatch(/on\s+cpu/);
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
      .poll(async () => (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag'))?.endsWith(':NORM:w:overlay'), MODEL_RUN)
      .toBe(true);
    expect(await page.getByTestId('legend').textContent()).toContain('(raw W) for Normal ECG');
    await page.keyboard.press('w');
    await waitForFrame(page, 'S1-0001', 'NORM');
    // keyboard: c cycles the class
    await page.keyboard.press('c');
    await expect
      .poll(async () => (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag'))?.includes(':NORM:'), { timeout: 20_000 })
      .toBe(false);
    // what-if: the model's probability without the top 3 regions, beside the original
    await page.getByTestId('whatif-top').click();
    await expect.poll(() => page.getByTestId('whatif-results').textContent(), MODEL_RUN).toMatch(/P \d\.\d{3,6} → \d\.\d{3,6}/);
    // and on the selected region, from the keyboard
    await page.keyboard.press('i');
    await expect.poll(() => page.getByTestId('whatif-results').textContent(), MODEL_RUN).toMatch(/without region 1 .*score [+−]\d\.\d\d/);
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
    for (const text of ['Selected region: valid', 'Next evidence region', 'Next record', 'Undo', 'Reason: on the QRS complex', 'disagree'])
      expect(help).toContain(text);
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
    await expect.poll(() => page.getByTestId('label-notice').textContent()).toContain('withdrawal');
    // the same for a record verdict: the record counts as not reviewed again
    await page.keyboard.press('n');
    await waitForFrame(page, 'S1-0002');
    await page.keyboard.press('y');
    await expect.poll(() => page.getByTestId('worklist-progress').textContent()).toContain('2 / 3');
    await page.keyboard.press('z');
    await expect.poll(() => page.getByTestId('worklist-progress').textContent()).toContain('1 / 3');
    expect(await page.getByTestId('plausible-yes').getAttribute('class')).not.toContain('active');

    // a reload comes back to the record being read
    await page.reload();
    await waitForFrame(page, 'S1-0002');
    await page.keyboard.press('p');
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

  it('in blinded mode two raters do not see each other’s labels, and only the study owner can unblind', async () => {
    // the first rater to set the study's settings owns them; blinding needs their name protected first
    const a = await openAs('Dr Blind A');
    await a.getByTestId('protect-name').click();
    await a.getByTestId('new-passphrase').fill('blind A passphrase');
    await a.getByTestId('protect-submit').click();
    await a.getByTestId('name-protected').waitFor();
    passphrases.set('Dr Blind A', 'blind A passphrase');
    await a.getByTestId('blinded').click();
    await expect.poll(() => a.getByTestId('blinded').isChecked()).toBe(true);
    await expect.poll(() => a.getByTestId('study-owner').textContent()).toContain('yours');
    await a.keyboard.press('2');
    await expect.poll(() => regionLabels(a).then((l) => l[0])).toBe('not_valid');
    await a.close();

    // B's name is not protected: in a blinded study B is asked to protect it before any label shows
    const b = await openAs('Dr Blind B', undefined, false);
    await b.getByTestId('protect-first').waitFor();
    expect(await b.getByTestId('label-panel').count()).toBe(0);
    await b.getByTestId('protect-name').click();
    await b.getByTestId('new-passphrase').fill('blind B passphrase');
    await b.getByTestId('protect-submit').click();
    await b.getByTestId('name-protected').waitFor();
    passphrases.set('Dr Blind B', 'blind B passphrase');
    await waitForFrame(b, 'S1-0001');
    expect(await b.getByTestId('blinded').isChecked()).toBe(true);
    // B cannot untick it: the control is read-only, naming the owner
    expect(await b.getByTestId('blinded').isDisabled()).toBe(true);
    expect(await b.getByTestId('study-owner').textContent()).toContain('Dr Blind A');
    expect(await regionLabels(b).then((l) => l[0])).toBe('');
    for (const id of ['label-panel', 'region-list']) {
      const text = await b.getByTestId(id).textContent();
      expect(text).not.toContain('Dr Blind A');
      expect(text).not.toContain('Dr Keys');
    }
    await b.keyboard.press('1');
    await expect.poll(() => regionLabels(b).then((l) => l[0])).toBe('valid');
    // nor through the API: the server refuses to unblind B and to hand out A's label
    const reply = await b.evaluate(async (token) => {
      // with B's session (the tab keeps it), as the screen sends it
      const session = sessionStorage.getItem('ecg-audit-session') ?? '';
      const post = async (method: string, body: object) =>
        (
          await fetch(`/api/${method}`, {
            method: 'POST',
            headers: { 'x-ecg-audit-token': token, 'x-ecg-audit-session': session },
            body: JSON.stringify(body),
          })
        ).json();
      const raters = await post('labels.raters', {});
      const me = raters.value.find((r: { displayName: string }) => r.displayName === 'Dr Blind B');
      const owner = raters.value.find((r: { displayName: string }) => r.displayName === 'Dr Blind A');
      const [study] = (await post('records.studies', {})).value;
      const unblind = await post('labels.setBlinding', {
        studyId: study.id,
        raterId: me.id,
        blinded: false,
        hideProbability: false,
        hideReference: false,
      });
      const current = await post('labels.current', { recordId: 1, raterId: me.id });
      // sending the owner's id instead of one's own: refused without the owner's passphrase
      const asOwner = await post('labels.current', { recordId: 1, raterId: owner.id });
      const unblindAsOwner = await post('labels.setBlinding', {
        studyId: study.id,
        raterId: owner.id,
        blinded: false,
        hideProbability: false,
        hideReference: false,
      });
      return {
        unblind: unblind.error?.code,
        names: current.value.labels.map((l: { raterName: string }) => l.raterName),
        asOwner: asOwner.error?.code,
        unblindAsOwner: unblindAsOwner.error?.code,
      };
    }, server.token);
    expect(reply).toMatchObject({ unblind: 'unauthorized', asOwner: 'unauthorized', unblindAsOwner: 'unauthorized' });
    expect(new Set(reply.names)).toEqual(new Set(['Dr Blind B']));
    // nor by picking the owner's name: the picker asks for the owner's passphrase, and a wrong one gets nowhere
    await b.getByTestId('switch-rater').click();
    await b.getByTestId('rater-Dr Blind A').click();
    await b.getByTestId('signin-passphrase').fill('a wrong guess');
    await b.getByTestId('signin-submit').click();
    await expect.poll(() => b.getByTestId('signin-error').textContent()).toContain('Wrong passphrase for Dr Blind A');
    expect(await b.getByTestId('current-rater').count()).toBe(0);
    expect(await b.getByTestId('label-panel').count()).toBe(0);
    await b.close();

    // the owner unblinds: then B sees A's verdict next to the region
    const owner = await openAs('Dr Blind A');
    await owner.getByTestId('blinded').click();
    await expect.poll(() => owner.getByTestId('blinded').isChecked()).toBe(false);
    await owner.close();
    const b2 = await openAs('Dr Blind B');
    await expect.poll(() => b2.getByTestId('region-list').textContent()).toContain('Dr Blind A: not valid');
    await b2.close();

    // hiding the model's output hides its classes in the worklist too
    const owner2 = await openAs('Dr Blind A');
    await owner2.getByTestId('blinded').click();
    await expect.poll(() => owner2.getByTestId('blinded').isChecked()).toBe(true);
    await owner2.getByTestId('hide-probability').click();
    await expect.poll(() => owner2.getByTestId('hide-probability').isChecked()).toBe(true);
    await expect.poll(() => owner2.getByTestId('class-selector').locator('ul').textContent()).not.toMatch(/0\.\d{2}/);
    await expect.poll(() => owner2.getByTestId('worklist-items').textContent()).not.toMatch(/NORM|MI|STTC|CD|HYP|0\.\d{2}/);
    expect(await owner2.getByTestId('agree-yes').count()).toBe(0);
    await owner2.getByTestId('hide-probability').click();
    await expect.poll(() => owner2.getByTestId('hide-probability').isChecked()).toBe(false);
    await expect.poll(() => owner2.getByTestId('class-selector').locator('ul').textContent()).toMatch(/0\.\d{2}/);
    // unblinded again: the later tests' raters (names not protected) rate with one click
    await owner2.getByTestId('blinded').click();
    await expect.poll(() => owner2.getByTestId('blinded').isChecked()).toBe(false);
    await owner2.close();
  });

  it('shows the reference diagnosis beside the model classes, filters by it, and hides it when the study says so', async () => {
    // the study's owner (the blinded test made Dr Blind A the owner) changes hide-reference
    const page = await openAs('Dr Blind A');
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
    await expect.poll(() => page.getByTestId('hide-reference').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('reference-panel').count()).toBe(0);
    await expect.poll(() => page.getByTestId('filter-reference').count()).toBe(0);
    await page.getByTestId('hide-reference').click();
    await expect.poll(() => page.getByTestId('hide-reference').isChecked()).toBe(false);
    await page.getByTestId('reference-panel').waitFor();
    await page.close();
  });

  it('measures with calipers, zooms, draws a missed region and keeps its reasons', async () => {
    const page = await openAs('Dr Tools');
    // true scale: the calipers below are placed in millimetres at the default 96 dpi
    await page.keyboard.press('f');
    await expect.poll(() => page.getByTestId('paper-true').getAttribute('class')).toContain('active');
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
    await page.getByTestId('paper-fit').click();
    await expect.poll(() => storedSettings(page)).toMatchObject({ paperSize: 'fit', layout: '3x4' });
    await page.close();
  });

  it('labels ten regions across three records at 1280x800 with the keyboard alone, three keys each, without scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await openAs('Dr Ten', page);
    let keys = 0;
    const press = async (key: string): Promise<void> => {
      keys++;
      await page.keyboard.press(key);
    };
    // everything needed to judge is on the screen at once: ECG, classes, thumbnails, the region's verdict, reasons, record verdict
    const onScreen = async (): Promise<void> => {
      for (const id of ['ecg-canvas', 'class-selector', 'region-strip', 'region-editor', 'record-verdict', 'worklist-items']) {
        const box = (await page.getByTestId(id).boundingBox())!;
        expect(box, id).not.toBeNull();
        expect(box.y + box.height, `${id} bottom`).toBeLessThanOrEqual(800);
        expect(box.x + box.width, `${id} right`).toBeLessThanOrEqual(1280);
      }
      const scrolled = await page.evaluate(() => ({
        window: window.scrollY,
        page: document.documentElement.scrollHeight - document.documentElement.clientHeight,
        content: document.querySelector('main.content')!.scrollHeight - document.querySelector('main.content')!.clientHeight,
      }));
      expect(scrolled).toEqual({ window: 0, page: 0, content: 0 });
    };
    // per record: region i gets a verdict, a reason, and J to the next one (N to the next record after the last)
    const plan: [string, string][][] = [
      [
        ['1', 'q'],
        ['2', 'r'],
        ['1', 't'],
        ['3', 'b'],
      ],
      [
        ['2', 'v'],
        ['1', 'q'],
        ['1', 'a'],
      ],
      [
        ['1', 's'],
        ['2', 'e'],
        ['3', 't'],
      ],
    ];
    const records = ['S1-0001', 'S1-0002', 'S1-0003'];
    const reasonOf: Record<string, string> = {
      q: 'qrs',
      r: 'noise_artifact',
      t: 'st_t',
      b: 'baseline',
      v: 'wrong_lead',
      a: 'p_wave',
      s: 'pacing_spike',
      e: 'misses_key_finding',
    };
    const valueOf: Record<string, string> = { '1': 'valid', '2': 'not_valid', '3': 'unsure' };
    let labelled = 0;
    for (const [r, steps] of plan.entries()) {
      await waitForFrame(page, records[r]!);
      await onScreen();
      for (const [i, [verdict, reason]] of steps.entries()) {
        await press(verdict);
        await press(reason);
        // the region keeps its verdict and reason, on the list and on its thumbnail
        await expect.poll(() => page.getByTestId(`region-item-${i + 1}`).getAttribute('data-label')).toBe(valueOf[verdict]);
        await expect.poll(() => page.getByTestId(`reason-${reasonOf[reason]}`).isChecked()).toBe(true);
        labelled++;
        await press(i === steps.length - 1 ? 'n' : 'j');
      }
    }
    expect(labelled).toBe(10);
    expect(keys / labelled).toBeLessThanOrEqual(3);
    expect(keys).toBe(30);

    // the store has the ten labels with their reasons, one current label per region
    const db = openStore(join(dir, 'audit.sqlite'), { readonly: true });
    try {
      const mine = labelHistory(db).filter((l) => l.raterName === 'Dr Ten' && l.current);
      expect(mine).toHaveLength(10);
      expect(mine.every((l) => l.targetKind === 'region' && l.reasons.length === 1)).toBe(true);
    } finally {
      db.close();
    }

    // the page moved on to no record past the last, and the record verdict fits in too
    await waitForFrame(page, 'S1-0003');
    await press('y');
    await expect.poll(() => page.getByTestId('plausible-yes').getAttribute('class')).toContain('active');
    await onScreen();
    await page.close();
  });

  it('shows the heart rate and, on a delineated LUDB record, the intervals and the P/QRS/T marks (H)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await openAs('Dr Waves', page);
    const measurements = async () =>
      page.evaluate(async (token) => {
        const call = async (method: string, body: object) =>
          (
            await (
              await fetch(`/api/${method}`, { method: 'POST', headers: { 'x-ecg-audit-token': token }, body: JSON.stringify(body) })
            ).json()
          ).value;
        const title = document.querySelector('[data-testid=record-title]')?.textContent;
        const [study] = await call('records.studies', {});
        const { items } = await call('records.worklist', { studyId: study.id, raterId: 'any' });
        const item = items.find((i: { pseudonym: string }) => i.pseudonym === title);
        return call('records.measurements', { recordId: item.recordId });
      }, server.token);
    await expect.poll(() => page.getByTestId('heart-rate').textContent(), { timeout: 20_000 }).toMatch(/Heart rate \d+(–\d+)? bpm/);
    const m = await measurements();
    const rate = m.heartRate.regular
      ? `${Math.round(m.heartRate.medianBpm)} bpm`
      : `${Math.round(m.heartRate.minBpm)}–${Math.round(m.heartRate.maxBpm)} bpm`;
    expect(await page.getByTestId('heart-rate').textContent()).toContain(rate);
    expect(await page.getByTestId('rr-range').textContent()).toMatch(/RR \d\.\d\d–\d\.\d\d s/);
    const iv = m.delineation.intervals;
    expect(await page.getByTestId('interval-pr').textContent()).toBe(`PR ${Math.round(iv.prMs)} ms`);
    expect(await page.getByTestId('interval-qrs').textContent()).toBe(`QRS ${Math.round(iv.qrsMs)} ms`);
    expect(await page.getByTestId('interval-qt').textContent()).toBe(`QT ${Math.round(iv.qtMs)} ms`);
    expect(await page.getByTestId('interval-qtc').textContent()).toBe(`QTc ${Math.round(iv.qtcBazettMs)} ms (Bazett)`);
    // the whole line fits at 1280x800, nothing cut off
    const aids = page.getByTestId('reading-aids');
    expect(await aids.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    // H draws the annotated waves on the print; ? lists the key
    expect(await page.getByTestId('ecg-canvas').getAttribute('data-wave-marks')).toBe('0');
    await page.keyboard.press('h');
    await expect.poll(async () => Number(await page.getByTestId('ecg-canvas').getAttribute('data-wave-marks'))).toBeGreaterThan(30);
    expect(await page.getByTestId('toggle-waves').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('?');
    expect(await page.getByTestId('help-overlay').textContent()).toContain('P, QRS and T marks');
    await page.keyboard.press('Escape');
    // the marks stay on for the next record
    await page.keyboard.press('n');
    await waitForFrame(page, 'S1-0002');
    await expect.poll(async () => Number(await page.getByTestId('ecg-canvas').getAttribute('data-wave-marks'))).toBeGreaterThan(30);
    await page.getByTestId('toggle-waves').click();
    await expect.poll(() => page.getByTestId('ecg-canvas').getAttribute('data-wave-marks')).toBe('0');
    await page.close();
  });

  it('on the demo study’s LUDB records: one rate in sinus rhythm, a range in atrial fibrillation, intervals and marks', async () => {
    const demo = repoPath('resources', 'demo', 'ludb', 'data');
    const files = readdirSync(demo).map((f) => join(demo, f));
    const dbPath = join(dir, 'demo-ludb.sqlite');
    await buildDb(dbPath, files, new Set(files.map((f) => f.replace(/\.[^.]+$/, ''))).size);
    const demoServer = await startViewerServer(dbPath);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
      await page.goto(demoServer.url);
      await page.getByTestId('rater-name').fill('Dr Demo');
      await page.getByTestId('rater-create').click();
      const openRecord = async (file: string): Promise<void> => {
        await page.getByTestId('worklist-search').fill(file);
        const rows = page.getByTestId('worklist-items').locator('li[role=option]');
        await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
        const pseudonym = (await rows.first().getAttribute('data-testid'))!.replace('worklist-item-', '');
        await rows.first().click();
        await expect.poll(() => page.getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe(pseudonym);
      };
      // LUDB 14: sinus rhythm
      await openRecord('14');
      await expect.poll(() => page.getByTestId('heart-rate').textContent(), { timeout: 20_000 }).toMatch(/^Heart rate \d+ bpm$/);
      expect(await page.getByTestId('interval-pr').textContent()).toMatch(/^PR \d+ ms$/);
      // LUDB 88: atrial fibrillation: a range, never one number, and no PR
      await openRecord('88');
      await expect
        .poll(() => page.getByTestId('heart-rate').textContent(), { timeout: 20_000 })
        .toMatch(/^Heart rate \d+–\d+ bpm, irregular$/);
      expect(await page.getByTestId('interval-pr').textContent()).toBe('PR —');
      expect(await page.getByTestId('interval-qrs').textContent()).toMatch(/^QRS \d+ ms$/);
      expect(await page.getByTestId('interval-qtc').textContent()).toMatch(/^QTc \d+ ms \(Bazett\)$/);
      await page.getByTestId('toggle-waves').click();
      await expect.poll(async () => Number(await page.getByTestId('ecg-canvas').getAttribute('data-wave-marks'))).toBeGreaterThan(30);
      await page.close();
    } finally {
      await demoServer.close();
    }
  });

  it('walks the focus worklist -> classes -> regions -> label panel with Tab, and keeps the place across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await openAs('Dr Tab', page);
    await page.getByTestId('worklist-search').fill('0002');
    await expect.poll(() => page.getByTestId('worklist-items').locator('li[role=option]').count(), { timeout: 20_000 }).toBe(1);
    await page.getByTestId('worklist-item-S1-0002').click();
    await waitForFrame(page, 'S1-0002');
    await page.getByTestId('worklist-search').focus();
    const order: string[] = [];
    for (let i = 0; i < 20 && !order.includes('verdict-valid'); i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
      order.push(id);
    }
    const at = (id: string): number => order.indexOf(id);
    expect(at('worklist-items')).toBeGreaterThan(-1);
    expect(at('class-list')).toBeGreaterThan(at('worklist-items'));
    expect(at('region-list')).toBeGreaterThan(at('class-list'));
    expect(at('verdict-valid')).toBeGreaterThan(at('region-list'));
    // within a list the arrows move: the next class
    await page.getByTestId('class-list').focus();
    const before = await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('ecg-canvas').getAttribute('data-frame-tag')).not.toBe(before);

    // a reload comes back to the same record with the same search
    await page.reload();
    await waitForFrame(page, 'S1-0002');
    expect(await page.getByTestId('worklist-search').inputValue()).toBe('0002');
    await page.getByTestId('worklist-search').fill('');
    await page.close();
  });

  it('fills the screen at 1280x800 and 1920x1080 (visual regression of the whole screen)', async () => {
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
      await page.goto(server.url);
      await openAs('Dr Keys', page);
      await page.getByTestId('class-MI').click();
      await waitForFrame(page, 'S1-0001', 'MI');
      await page.keyboard.press('j');
      await expect.poll(() => page.getByTestId('thumb-2').getAttribute('class')).toContain('selected');
      await expect.poll(() => page.getByTestId('ecg-canvas').getAttribute('data-frame-layout')).toBe('3x4');
      await expect.poll(() => page.getByTestId('interval-qtc').count()).toBe(1);
      if (width === 1920) {
        // the larger screen with LUDB's P/QRS/T marks on
        await page.keyboard.press('h');
        await expect.poll(async () => Number(await page.getByTestId('ecg-canvas').getAttribute('data-wave-marks'))).toBeGreaterThan(0);
        await expect.poll(() => page.getByTestId('thumb-2').getAttribute('class')).toContain('selected');
      }
      const shot = await page.screenshot();
      const file = repoPath('tests', 'e2e', 'screenshots', `viewer-screen-${width}x${height}.png`);
      if (UPDATE || !existsSync(file)) writeFileSync(file, shot);
      else {
        const share = await diffShare(page, readFileSync(file), shot);
        expect(share, `${file} differs in ${(share * 100).toFixed(2)}% of pixels (UPDATE_SCREENSHOTS=1 regenerates)`).toBeLessThan(
          MAX_SCREEN_DIFF_SHARE,
        );
      }
      await page.close();
    }
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
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
      await page.goto(real.url);
      await page.getByTestId('rater-name').fill('Dr Example');
      await page.getByTestId('rater-create').click();
      await page.getByTestId('worklist-item-S1-0002').click();
      await waitForFrame(page, 'S1-0002');
      await page.getByTestId('whatif-top').click();
      await expect.poll(() => page.getByTestId('whatif-results').textContent(), MODEL_RUN).toContain('→');
      // a record without delineation: a heart rate, no intervals, a wave switch that says why it is off
      await expect.poll(() => page.getByTestId('heart-rate').textContent()).toMatch(/Heart rate \d+(–\d+)? bpm/);
      expect(await page.getByTestId('interval-qtc').count()).toBe(0);
      expect(await page.getByTestId('toggle-waves').isDisabled()).toBe(true);
      await page.keyboard.press('1');
      await expect.poll(() => page.getByTestId('label-notice').textContent()).toContain('Saved');
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
