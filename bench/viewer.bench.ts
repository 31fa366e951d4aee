/// <reference lib="dom" />
/**
 * Audit viewer speed in Chromium (browser mode, real server and database built by the batch import with the
 * tiny model, LUDB records at 500 Hz x 10 s): selecting a record until the 12-lead view with its overlay is
 * drawn, switching class, and zoom/pan frame times. Timed inside the page (performance.now) from the click to
 * the frame that shows the new content. Needs `npm run build` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { findStudy, openStore } from '../src/core/store/index.ts';
import { launchChromium } from '../tests/helpers/chromium.ts';
import { cloneStudy } from '../tests/helpers/largeStudy.ts';
import { buildViewerDb, startViewerServer, VIEWER_STUDY } from '../tests/renderer/viewerDb.ts';
import { type BenchFigure, type BenchResult, withRatio, median, percentile } from './harness.ts';

const RECORDS = [1, 2, 3, 4];
const ROUNDS = 20;
/** The large study: that many worklist rows; the first LARGE_COMPLETE open like imported records. */
const LARGE = 100_000;
const LARGE_COMPLETE = 60;

/** Clicks `selector` and resolves with the ms until the canvas shows a frame whose tag passes `done`. */
async function timeToFrame(page: Page, selector: string, tagPrefix: string, tagSuffix: string): Promise<number> {
  return page.evaluate(
    ([sel, prefix, suffix]) =>
      new Promise<number>((resolve, reject) => {
        const canvas = document.querySelector('[data-testid="ecg-canvas"]') as HTMLCanvasElement;
        const target = document.querySelector(sel) as HTMLElement | null;
        if (!target) return reject(new Error(`no element ${sel}`));
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          const tag = canvas.dataset.frameTag ?? '';
          if (tag.startsWith(prefix) && tag.endsWith(suffix)) {
            obs.disconnect();
            resolve(performance.now() - t0);
          }
        });
        obs.observe(canvas, { attributes: true, attributeFilter: ['data-frame-tag', 'data-frames'] });
        target.click();
      }),
    [selector, tagPrefix, tagSuffix] as const,
  );
}

/** The three API calls a record needs, without decoding or drawing: the transport's share of opening a record. */
async function fetchOnly(page: Page, token: string, recordId: number, raterId: string): Promise<number> {
  return page.evaluate(
    async ([tok, id, rater]) => {
      // no named helpers in here: the page gets this function's source, without tsx's __name wrapper
      const calls: [string, object][] = [
        ['records.get', { recordId: id }],
        ['records.run', { recordId: id }],
        ['labels.current', { recordId: id, raterId: rater }],
      ];
      const t0 = performance.now();
      await Promise.all(
        calls.map(([m, body]) =>
          fetch(`/api/${m}`, { method: 'POST', headers: { 'x-ecg-audit-token': tok }, body: JSON.stringify(body) }).then((r) => r.json()),
        ),
      );
      return performance.now() - t0;
    },
    [token, recordId, raterId] as const,
  );
}

/** Frame draw times and frame intervals while wheel-zooming and panning at display rate. */
async function zoomPan(page: Page): Promise<{ drawMs: number[]; intervalMs: number[]; idleIntervalMs: number[] }> {
  return page.evaluate(async () => {
    const canvas = document.querySelector('[data-testid="ecg-canvas"]') as HTMLCanvasElement;
    const rect = canvas.getBoundingClientRect();
    const idleIntervalMs: number[] = [];
    let last = await new Promise<number>((r) => requestAnimationFrame(r));
    for (let i = 0; i < 60; i++) {
      const t = await new Promise<number>((r) => requestAnimationFrame(r));
      idleIntervalMs.push(t - last);
      last = t;
    }
    const drawMs: number[] = [];
    const intervalMs: number[] = [];
    const steps = [
      ...Array(30).fill({ deltaY: -100, shiftKey: false }),
      ...Array(60).fill({ deltaY: 120, shiftKey: true }),
      ...Array(30).fill({ deltaY: 100, shiftKey: false }),
    ];
    last = await new Promise<number>((r) => requestAnimationFrame(r));
    for (const s of steps) {
      const before = Number(canvas.dataset.frames);
      canvas.dispatchEvent(
        new WheelEvent('wheel', {
          deltaY: s.deltaY,
          shiftKey: s.shiftKey,
          clientX: rect.left + rect.width * 0.4,
          clientY: rect.top + 60,
          bubbles: true,
          cancelable: true,
        }),
      );
      const t = await new Promise<number>((r) => requestAnimationFrame(r));
      // the viewer draws in its own rAF callback, registered before ours, so the frame is done here
      if (Number(canvas.dataset.frames) > before) {
        drawMs.push(Number(canvas.dataset.frameMs));
        intervalMs.push(t - last);
      }
      last = t;
    }
    return { drawMs, intervalMs, idleIntervalMs };
  });
}

/** Presses a key (in the page) and resolves with the ms until the canvas shows a frame of another record. */
async function keyToNewRecord(page: Page, key: string): Promise<number> {
  return page.evaluate(
    (k) =>
      new Promise<number>((resolve) => {
        // no named helpers in here: the page gets this function's source, without tsx's __name wrapper
        const canvas = document.querySelector('[data-testid="ecg-canvas"]') as HTMLCanvasElement;
        const from = (canvas.dataset.frameTag ?? '').split(':')[0];
        const obs = new MutationObserver(() => {
          const tag = canvas.dataset.frameTag ?? '';
          if (tag.split(':')[0] !== from && tag.endsWith(':overlay')) {
            obs.disconnect();
            resolve(performance.now() - t0);
          }
        });
        obs.observe(canvas, { attributes: true, attributeFilter: ['data-frame-tag', 'data-frames'] });
        const t0 = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
      }),
    key,
  );
}

/**
 * A 100,000-record study (four real records imported, their rows cloned in SQL): from choosing a rater to the
 * first record drawn, and next / previous record (N / P) to drawn, with the worklist paged by the database.
 */
async function largeStudy(browser: Awaited<ReturnType<typeof launchChromium>>, dir: string): Promise<{ first: number; steps: number[] }> {
  const dbPath = join(dir, 'large.sqlite');
  await buildViewerDb(dbPath, RECORDS);
  const db = openStore(dbPath);
  try {
    cloneStudy(db, findStudy(db, VIEWER_STUDY)!.id, LARGE, LARGE_COMPLETE);
  } finally {
    db.close();
  }
  const server = await startViewerServer(dbPath);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await page.getByTestId('rater-name').fill('Bench large');
    const t0 = Date.now();
    await page.getByTestId('rater-create').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="ecg-canvas"]')?.getAttribute('data-frame-tag')?.endsWith(':overlay'),
      null,
      {
        polling: 'raf',
        timeout: 60_000,
      },
    );
    const first = Date.now() - t0;
    const steps: number[] = [];
    for (let i = 0; i < ROUNDS; i++) steps.push(await keyToNewRecord(page, i % 4 === 3 ? 'p' : 'n'));
    return { first, steps };
  } finally {
    await server.close();
  }
}

export default async function viewerBench(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-viewer-bench-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, RECORDS);
  const server = await startViewerServer(dbPath);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    await page.goto(server.url);
    await page.getByTestId('rater-name').fill('Bench');
    await page.getByTestId('rater-create').click();
    await page.getByTestId('ecg-canvas').waitFor();
    const raterId = await page.evaluate(() => localStorage.getItem('ecg-audit-rater') ?? '');

    const open: number[] = [];
    const fetches: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const n = RECORDS[1 + (i % (RECORDS.length - 1))]!;
      const pseudonym = `S1-${String(n).padStart(4, '0')}`;
      open.push(await timeToFrame(page, `[data-testid="worklist-item-${pseudonym}"]`, `${n}:`, ':overlay'));
      fetches.push(await fetchOnly(page, server.token, n, raterId));
    }

    const classes = ['NORM', 'MI', 'STTC', 'CD', 'HYP'];
    const switchMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const code = classes[i % classes.length]!;
      const tag = (await page.getByTestId('ecg-canvas').getAttribute('data-frame-tag')) ?? '';
      if (tag.includes(`:${code}:`)) continue;
      switchMs.push(await timeToFrame(page, `[data-testid="class-${code}"]`, tag.split(':')[0] + ':', `:${code}:wx:overlay`));
    }

    const { drawMs, intervalMs, idleIntervalMs } = await zoomPan(page);
    const idle = median(idleIntervalMs);
    const large = await largeStudy(browser, dir);
    const figures: BenchFigure[] = [
      withRatio({
        metric: 'select record -> 12-lead view with overlay drawn (median)',
        value: median(open),
        unit: 'ms',
        baseline: { name: 'the three API calls alone (median)', value: median(fetches) },
        goal: '< 150 ms',
      }),
      { metric: 'select record -> drawn (p95)', value: percentile(open, 95), unit: 'ms', goal: '< 150 ms' },
      withRatio({
        metric: 'switch class -> redrawn (median)',
        value: median(switchMs),
        unit: 'ms',
        baseline: { name: 'one zoom/pan frame draw (median)', value: median(drawMs) },
        goal: '< 50 ms',
      }),
      withRatio({
        metric: `${LARGE.toLocaleString('en')}-record study: choose a rater -> first record drawn`,
        value: large.first,
        unit: 'ms',
        baseline: { name: `select record -> drawn, ${RECORDS.length}-record study (median)`, value: median(open) },
        goal: '< 1000 ms',
      }),
      withRatio({
        metric: `${LARGE.toLocaleString('en')}-record study: next / previous record (N / P) -> drawn (median)`,
        value: median(large.steps),
        unit: 'ms',
        baseline: { name: `select record -> drawn, ${RECORDS.length}-record study (median)`, value: median(open) },
        goal: '< 150 ms',
      }),
      {
        metric: `${LARGE.toLocaleString('en')}-record study: next / previous -> drawn (p95)`,
        value: percentile(large.steps, 95),
        unit: 'ms',
        goal: '< 150 ms',
      },
      withRatio({
        metric: 'zoom/pan frame draw time (p95)',
        value: percentile(drawMs, 95),
        unit: 'ms',
        baseline: { name: 'frame budget at 60 fps', value: 1000 / 60 },
        goal: '< 16.7 ms (60 fps)',
      }),
      withRatio({
        metric: 'zoom/pan frame interval (median)',
        value: median(intervalMs),
        unit: 'ms',
        baseline: { name: 'idle rAF interval of this browser', value: idle },
        goal: '60 fps',
      }),
    ];
    return {
      name: 'viewer',
      description: 'Audit viewer in headless Chromium: open a 500 Hz x 10 s 12-lead record with overlay, switch class, zoom/pan',
      figures,
      notes: [
        `LUDB records ${RECORDS.join(', ')} imported with the tiny test model; ${ROUNDS} rounds each; viewport 1600x1000 at 1x`,
        `Large study: the same records' rows cloned in SQL to ${LARGE.toLocaleString('en')} records (tests/helpers/largeStudy.ts); the first ${LARGE_COMPLETE} clones carry signals and maps, the rest record and run rows (the worklist reads only those); viewport 1280x800`,
        'Times are measured inside the page from the click to the end of the frame that shows the new content.',
        'Headless Chromium with --disable-gpu draws the canvas in software; a desktop GPU is faster.',
      ],
    };
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
