/**
 * Comparing two audits from the app: the same LUDB records in two studies, one imported with the tiny model and
 * one with the hand-built linear model, compared through the app's handlers as a job on the app's pools (progress,
 * cancel, one job at a time), with the figures of `generateComparison` called directly.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeAppPools, createAppContext, createHandlers, dispatch, type AppContext } from '../../src/app/index.ts';
import { startImport } from '../../src/core/import/index.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { InferencePool } from '../../src/core/inference/pool.ts';
import type { Comparison } from '../../src/core/report/compare.ts';
import { generateComparison } from '../../src/core/report/generateCompare.ts';
import { openStore } from '../../src/core/store/index.ts';
import type { ApiMethod, ApiRequest } from '../../src/shared/api/index.ts';
import type { ComparisonTaskDto } from '../../src/shared/api/reports.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { writeLinearModel } from '../helpers/linearModel.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { synthesizeLabels } from '../helpers/syntheticLabels.ts';

const RECORDS = 12;
const SETTINGS = { faithfulness: true, pdf: false, bootstrapResamples: 100, faithfulnessMaxRecords: 4 } as const;

let dir: string;
let ctx: AppContext;
let handlers: ReturnType<typeof createHandlers>;

async function call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ComparisonTaskDto> {
  const reply = await dispatch(handlers, method, request);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
  return reply.value as ComparisonTaskDto;
}

function until(jobId: number, done: (t: ComparisonTaskDto) => boolean): Promise<ComparisonTaskDto> {
  return vi.waitFor(
    async () => {
      const t = await call('reports.compareStatus', { jobId });
      if (!done(t)) throw new Error(`comparison job ${jobId}: still ${t.progress.phase}`);
      return t;
    },
    { timeout: 240_000, interval: 50 },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-compare-app-'));
  // both models in one models folder, as the app finds them by id
  const linearDir = writeLinearModel();
  const modelsDir = dirname(linearDir);
  cpSync(TINY_MODEL_DIR, join(modelsDir, basename(TINY_MODEL_DIR)), { recursive: true });
  const dbPath = join(dir, 'audit.sqlite');
  const db = openStore(dbPath);
  const ludb = join(sharedDataDir(), 'ludb', 'data');
  for (const [study, modelDir, seed] of [
    ['tiny', join(modelsDir, 'tiny-imn'), 1],
    ['linear', linearDir, 2],
  ] as const) {
    const pool = await InferencePool.open(modelDir, { providers: ['cpu'] });
    const inputs = Array.from({ length: RECORDS }, (_, i) => join(ludb, `${i + 1}.hea`));
    const model = { manifest: loadModelFolder(modelDir).manifest, predictBatch: pool.predictBatch.bind(pool) };
    const summary = await startImport(db, { inputs, study, model }).done;
    await pool.close();
    synthesizeLabels(db, { studyId: summary.studyId, raterNames: ['R one', 'R two'], seed });
  }
  db.close();
  ctx = createAppContext({ mode: 'browser', dbPath, modelsDir }, repoPath());
  handlers = createHandlers(ctx);
}, 300_000);

afterAll(async () => {
  await closeAppPools(ctx);
  rmSync(dir, { recursive: true, force: true });
});

describe('comparison of two audits through the app handlers', () => {
  it('offers each study with the models that have runs on it', async () => {
    const reply = await dispatch(handlers, 'reports.compareChoices', {});
    expect(reply.ok && reply.value).toEqual({
      studies: [
        { name: 'tiny', records: RECORDS, models: [{ id: 'tiny-imn', name: expect.any(String), runs: RECORDS }] },
        { name: 'linear', records: RECORDS, models: [{ id: 'linear-imn', name: expect.any(String), runs: RECORDS }] },
      ],
    });
  });

  it('runs as a job with progress and gives the figures of generateComparison', async () => {
    const started = await call('reports.compareStart', {
      a: { study: 'tiny' },
      b: { study: 'linear', modelId: 'linear-imn' },
      ...SETTINGS,
    });
    expect(started.title).toBe('tiny vs linear (linear-imn)');
    // one report or comparison at a time
    const second = await dispatch(handlers, 'reports.start', { study: 'tiny', pdf: false });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const seen = new Set<number>();
    const finished = await until(started.jobId, (t) => {
      seen.add(t.progress.recordsDone);
      return !t.running;
    });
    expect(finished.error).toBeNull();
    expect(finished.progress).toMatchObject({ phase: 'completed', recordsDone: 4, recordsTotal: 4 });
    expect([...seen].some((n) => n > 0 && n < 4)).toBe(true);
    const { outDir, files, summary } = finished.result!;
    expect(files.map((f) => f.name)).toEqual(['compare.json', 'compare.html']);
    expect(summary).toMatchObject({
      a: { study: 'tiny', modelId: 'tiny-imn', records: RECORDS },
      b: { study: 'linear', modelId: 'linear-imn', records: RECORDS },
      sharedRecords: RECORDS,
      faithfulnessRecords: 4,
    });

    const viaApp = JSON.parse(readFileSync(join(outDir, 'compare.json'), 'utf8')) as Comparison;
    const db = openStore(ctx.dbPath, { readonly: true });
    try {
      const { comparison } = await generateComparison(
        { db, label: 'A', study: 'tiny' },
        { db, label: 'B', study: 'linear', modelId: 'linear-imn' },
        {
          outDir: join(dir, 'direct'),
          modelsDir: ctx.modelsDir,
          faithfulness: true,
          settings: { bootstrapResamples: 100, faithfulnessMaxRecords: 4 },
          pdf: null,
          now: () => new Date(viaApp.generatedAt),
        },
      );
      expect(viaApp).toEqual(JSON.parse(JSON.stringify(comparison)));
    } finally {
      db.close();
    }
    for (const d of summary.differences) {
      const same = viaApp.differences.find((x) => x.metric === d.metric)!;
      expect(d.difference.estimate).toBe(same.difference.estimate);
      expect(d.figure.length).toBeGreaterThan(10);
    }
  }, 300_000);

  it('a comparison cancelled while re-running the models writes nothing', async () => {
    const before = readdirSync(join(dir, 'reports'));
    const started = await call('reports.compareStart', {
      a: { study: 'tiny' },
      b: { study: 'linear' },
      ...SETTINGS,
      faithfulnessMaxRecords: 0,
    });
    await until(started.jobId, (t) => t.progress.phase === 'faithfulness');
    const cancelled = await call('reports.compareCancel', { jobId: started.jobId });
    expect(cancelled.progress.cancellable).toBe(false);
    const ended = await until(started.jobId, (t) => !t.running);
    expect(ended.progress.phase).toBe('cancelled');
    expect(ended.progress.recordsDone).toBeLessThan(RECORDS);
    expect(ended.result).toBeNull();
    expect(readdirSync(join(dir, 'reports'))).toEqual(before);
    const latest = await dispatch(handlers, 'reports.compareLatest', {});
    expect(latest.ok && (latest.value as ComparisonTaskDto).jobId).toBe(started.jobId);
  }, 300_000);

  it('refuses an unknown study and a report job id', async () => {
    const unknown = await dispatch(handlers, 'reports.compareStart', { a: { study: 'tiny' }, b: { study: 'nope' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('"nope"') } });
    expect(existsSync(join(dir, 'reports'))).toBe(true);
    const started = await dispatch(handlers, 'reports.start', { study: 'tiny', pdf: false, faithfulness: false, bootstrapResamples: 0 });
    expect(started.ok).toBe(true);
    const jobId = started.ok ? (started.value as { jobId: number }).jobId : 0;
    expect(await dispatch(handlers, 'reports.compareStatus', { jobId })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await vi.waitFor(
      async () => {
        const r = await dispatch(handlers, 'reports.status', { jobId });
        if (!r.ok || (r.value as { running: boolean }).running) throw new Error('still running');
      },
      { timeout: 120_000, interval: 50 },
    );
  }, 180_000);
});
