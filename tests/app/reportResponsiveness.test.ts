/**
 * The faithfulness report runs its model work on the app's worker pool: the thread that answers API calls stays
 * free (checked against the in-process engine, which blocks it), and the numbers are the engine's, bit for bit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAppPools, createAppContext, createHandlers, dispatch, type AppContext } from '../../src/app/index.ts';
import type { Report } from '../../src/core/report/build.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { openStore } from '../../src/core/store/index.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../renderer/viewerDb.ts';
import { repoPath } from '../helpers/sharedData.ts';

const MODELS_DIR = repoPath('resources', 'models');
const RECORDS = [1, 2, 3, 4];
/**
 * Longest time a call may wait for the thread. What still runs on it during a report is bookkeeping and, at the
 * end, the report's own rendering (ECharts SVG and the files, 35-90 ms here); one in-process deletion/insertion
 * run of the real model blocks it for about 250 ms on the 2-core test machine.
 */
const RESPONSIVE_MS = 150;

let dir: string;
let ctx: AppContext;
let handlers: ReturnType<typeof createHandlers>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-report-responsive-'));
  const dbPath = join(dir, 'audit.sqlite');
  await buildDb(dbPath, ludbRecordFiles(RECORDS), RECORDS.length, join(MODELS_DIR, 'ecg-imn-ptbxl-superdiag-100hz'));
  ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: MODELS_DIR }, repoPath());
  handlers = createHandlers(ctx);
}, 120_000);

afterAll(async () => {
  await closeAppPools(ctx);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `work` while a system.info call is due every 10 ms; a call's latency counts from when it was due, so
 * time spent waiting for a blocked thread counts (as it does for an IPC call arriving then).
 */
async function probe<T>(work: () => Promise<T>): Promise<{ result: T; slowestCallMs: number; calls: number }> {
  let finished = false;
  let slowestCallMs = 0;
  let calls = 0;
  const running = work().finally(() => (finished = true));
  for (let due = performance.now(); !finished; due += 10) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const reply = await dispatch(handlers, 'system.info', {});
    expect(reply.ok).toBe(true);
    slowestCallMs = Math.max(slowestCallMs, performance.now() - due);
    calls++;
    // after a stall, the calls that fell due meanwhile were all waiting; the next one is due now
    due = Math.max(due, performance.now() - 10);
  }
  return { result: await running, slowestCallMs, calls };
}

const settings = { study: VIEWER_STUDY, pdf: false, bootstrapResamples: 20, faithfulnessMaxRecords: 0 } as const;

describe('faithfulness report through the app handlers', () => {
  let viaApp: Report;

  it('leaves the main thread answering API calls meanwhile', async () => {
    const { result, slowestCallMs, calls } = await probe(() => dispatch(handlers, 'reports.generate', settings));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    const { outDir, summary } = result.value as { outDir: string; summary: { faithfulness: { recordsEvaluated: number } } };
    expect(summary.faithfulness.recordsEvaluated).toBe(RECORDS.length);
    viaApp = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
    expect(calls).toBeGreaterThan(5);
    expect(slowestCallMs).toBeLessThan(RESPONSIVE_MS);
  }, 120_000);

  it('gives the in-process engine’s faithfulness numbers exactly, which block the thread meanwhile', async () => {
    expect(viaApp).toBeDefined();
    const db = openStore(ctx.dbPath, { readonly: true });
    try {
      const { result, slowestCallMs } = await probe(() =>
        generateReport(db, {
          outDir: join(dir, 'in-process'),
          study: VIEWER_STUDY,
          modelsDir: MODELS_DIR,
          settings: { bootstrapResamples: settings.bootstrapResamples, faithfulnessMaxRecords: settings.faithfulnessMaxRecords },
          pdf: null,
        }),
      );
      // the probe sees a blocked thread: the in-process engine's runs stall it
      expect(slowestCallMs).toBeGreaterThan(RESPONSIVE_MS);
      const inProcess = JSON.parse(JSON.stringify(result.report)) as Report;
      const timeless = (r: Report) => ({ ...r.faithfulness, deletionInsertionMsPerRecord: null });
      expect(timeless(viaApp)).toEqual(timeless(inProcess));
    } finally {
      db.close();
    }
  }, 120_000);
});
