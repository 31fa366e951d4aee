/**
 * The faithfulness report runs its model work on the app's worker pool: the thread that answers API calls stays
 * free (checked against the in-process engine, which blocks it), and the numbers are the engine's, bit for bit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAppPools, createAppContext, createHandlers, dispatch, type AppContext } from '../../src/app/index.ts';
import type { Report } from '../../src/core/report/build.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { openStore } from '../../src/core/store/index.ts';
import { buildDb, ludbRecordFiles, VIEWER_STUDY } from '../renderer/viewerDb.ts';
import { repoPath } from '../helpers/sharedData.ts';

const MODELS_DIR = repoPath('resources', 'models');
const RECORDS = [1, 2, 3, 4];
/** The answer time the brief asks for; one in-process deletion/insertion run of the real model takes several times this. */
const RESPONSIVE_MS = 100;

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

/** Runs `work` while calling system.info back to back; returns the slowest answer and the event loop's longest stall. */
async function probe<T>(work: () => Promise<T>): Promise<{ result: T; slowestCallMs: number; calls: number; maxStallMs: number }> {
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  let finished = false;
  let slowestCallMs = 0;
  let calls = 0;
  const running = work().finally(() => (finished = true));
  while (!finished) {
    const started = performance.now();
    const reply = await dispatch(handlers, 'system.info', {});
    slowestCallMs = Math.max(slowestCallMs, performance.now() - started);
    expect(reply.ok).toBe(true);
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  stalls.disable();
  return { result: await running, slowestCallMs, calls, maxStallMs: stalls.max / 1e6 };
}

const settings = { study: VIEWER_STUDY, pdf: false, bootstrapResamples: 20, faithfulnessMaxRecords: 0 } as const;

describe('faithfulness report through the app handlers', () => {
  let viaApp: Report;

  it('leaves the main thread answering API calls within 100 ms', async () => {
    const { result, slowestCallMs, calls, maxStallMs } = await probe(() => dispatch(handlers, 'reports.generate', settings));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    const { outDir, summary } = result.value as { outDir: string; summary: { faithfulness: { recordsEvaluated: number } } };
    expect(summary.faithfulness.recordsEvaluated).toBe(RECORDS.length);
    viaApp = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
    expect(calls).toBeGreaterThan(5);
    expect(slowestCallMs).toBeLessThan(RESPONSIVE_MS);
    expect(maxStallMs).toBeLessThan(RESPONSIVE_MS);
  }, 120_000);

  it('gives the in-process engine’s faithfulness numbers exactly, which block the thread meanwhile', async () => {
    expect(viaApp).toBeDefined();
    const db = openStore(ctx.dbPath, { readonly: true });
    try {
      const { result, maxStallMs } = await probe(() =>
        generateReport(db, {
          outDir: join(dir, 'in-process'),
          study: VIEWER_STUDY,
          modelsDir: MODELS_DIR,
          settings: { bootstrapResamples: settings.bootstrapResamples, faithfulnessMaxRecords: settings.faithfulnessMaxRecords },
          pdf: null,
        }),
      );
      // the probe can see a blocked thread: the engine's runs stall it
      expect(maxStallMs).toBeGreaterThan(RESPONSIVE_MS);
      const inProcess = JSON.parse(JSON.stringify(result.report)) as Report;
      const timeless = (r: Report) => ({ ...r.faithfulness, deletionInsertionMsPerRecord: null });
      expect(timeless(viaApp)).toEqual(timeless(inProcess));
    } finally {
      db.close();
    }
  }, 120_000);
});
