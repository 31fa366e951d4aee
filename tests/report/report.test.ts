import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppContext, createHandlers, dispatch } from '../../src/app/index.ts';
import { cohenKappa, MISSING, ratingTable } from '../../src/core/audit/agreement.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { type ImportModel, startImport } from '../../src/core/import/index.ts';
import { ONE_RUN_PER_WINDOW } from '../../src/core/inference/perturbation.ts';
import type { BatchOutcome } from '../../src/core/inference/pool.ts';
import type { Report } from '../../src/core/report/build.ts';
import { ReportError } from '../../src/core/report/errors.ts';
import { loadStudyData } from '../../src/core/report/data.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { chromiumPdfRenderer } from '../../src/core/report/pdf.ts';
import { appendLabel, type Db, inForce, labelHistory, openStore } from '../../src/core/store/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { writeLinearModel } from '../helpers/linearModel.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { pollReport, startReportJob } from '../helpers/reportJob.ts';
import { synthesizeLabels } from '../helpers/syntheticLabels.ts';

const RATER_NAMES = ['Dr Alice Examplename', 'Dr Bob Samplename', 'Dr Carol Testname'];
let work: string;
let dbPath: string;
let modelDir: string;
let db: Db;
let ludbFiles: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ecg-report-'));
  dbPath = join(work, 'audit.sqlite');
  modelDir = writeLinearModel();
  db = openStore(dbPath);
  const ludb = join(sharedDataDir(), 'ludb', 'data');
  ludbFiles = Array.from({ length: 16 }, (_, i) => join(ludb, `${i + 1}.hea`));
  const engine = await InferenceEngine.open(modelDir);
  const model: ImportModel = {
    manifest: loadModelFolder(modelDir).manifest,
    predictBatch: async (records) => {
      const out: BatchOutcome[] = [];
      for (const r of records) {
        try {
          out.push({ ok: true, prediction: await engine.predict(r) });
        } catch (err) {
          out.push({ ok: false, error: err as Error });
        }
      }
      return out;
    },
  };
  const summary = await startImport(db, { inputs: ludbFiles, study: 'LUDB audit', model }).done;
  await engine.close();
  expect(summary.imported).toBe(16);
  synthesizeLabels(db, { studyId: summary.studyId, raterNames: RATER_NAMES, seed: 11, revise: 0.2 });
  // some judgements are withdrawn (the viewer's undo of a first label): the statistics must not count them
  const toWithdraw = labelHistory(db).filter((l) => l.current && (l.targetKind === 'region' || l.targetKind === 'plausible'));
  for (const l of toWithdraw.filter((_, i) => i % 5 === 0)) {
    const target =
      l.targetKind === 'region' ? { kind: 'region' as const, regionId: l.regionId! } : { kind: 'plausible' as const, recordId: l.recordId };
    appendLabel(db, { raterId: l.raterId, target, value: 'withdrawn' });
  }
});

afterAll(() => db?.close());

describe('report on an imported LUDB subset with seeded labels', () => {
  let out: string;
  let files: string[];
  let report: Report;

  beforeAll(async () => {
    out = process.env.REPORT_OUT ?? join(work, 'report');
    ({ files, report } = await generateReport(db, {
      outDir: out,
      modelDir,
      settings: { bootstrapResamples: 200, deletionSteps: 10 },
      pdf: chromiumPdfRenderer(),
    }));
  });

  it('writes every file', () => {
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['report.json', 'labels.csv', 'metrics.csv', 'report.html', 'report.pdf']);
    for (const f of files) expect(existsSync(f)).toBe(true);
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(json.model!.id).toBe('linear-imn');
    expect(json.model!.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.settings).toMatchObject({ study: 'LUDB audit', bootstrapResamples: 200, deletionSteps: 10, seed: expect.any(Number) });
    expect(json.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.counts.records).toBe(16);
    expect(json.counts.raters).toBe(3);
  });

  it('labels.csv has one row per label with the supersession trail', () => {
    const history = labelHistory(db);
    const lines = readFileSync(join(out, 'labels.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(history.length + 1);
    const header = lines[0]!.split(',');
    const col = (name: string): number => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    const superseded = history.filter((h) => !h.current);
    expect(superseded.length).toBeGreaterThan(0);
    for (const h of superseded) {
      const row = rows.find((r) => r[col('label_id')] === h.id)!;
      const successor = history.find((x) => x.supersedes === h.id)!;
      expect(row[col('superseded_by')]).toBe(successor.id);
      expect(row[col('current')]).toBe('false');
    }
    expect(new Set(rows.map((r) => r[col('rater')]))).toEqual(new Set(['R1', 'R2', 'R3']));
    const withdrawals = history.filter((h) => h.value === 'withdrawn');
    expect(withdrawals.length).toBeGreaterThan(0);
    for (const w of withdrawals) {
      const row = rows.find((r) => r[col('label_id')] === w.id)!;
      expect(row[col('value')]).toBe('withdrawn');
      expect(row[col('supersedes')]).toBe(w.supersedes);
      expect(row[col('current')]).toBe('true');
      const withdrawn = rows.find((r) => r[col('label_id')] === w.supersedes)!;
      expect(withdrawn[col('superseded_by')]).toBe(w.id);
      expect(withdrawn[col('value')]).not.toBe('withdrawn');
    }
  });

  it('agreement figures agree with the statistics computed directly from the store', () => {
    const history = labelHistory(db);
    const current = history.filter((l) => inForce(l) && l.targetKind === 'region');
    // withdrawn regions are no judgement: without the filter they would be counted
    expect(history.some((l) => l.current && l.targetKind === 'region' && l.value === 'withdrawn')).toBe(true);
    // R1, R2, R3 are the raters in order of their first label, superseded ones included
    const raterOrder = [...new Set(history.map((l) => l.raterId))];
    expect(report.raters.map((r) => r.alias)).toEqual(['R1', 'R2', 'R3']);
    const table = ratingTable(
      current.map((l) => ({ unit: String(l.regionId), rater: l.raterId, value: l.value })),
      { raters: raterOrder, categories: ['valid', 'not_valid', 'unsure'] },
    );
    expect(report.agreement.regionJudgements).toBe(current.length);
    const pair = report.agreement.interRater.regions.pairs[0]!;
    expect(pair.units).toBe(table.rows.filter((r) => r[0] !== MISSING && r[1] !== MISSING).length);
    expect(pair.cohenKappa.estimate).toBeCloseTo(
      cohenKappa(
        table,
        0,
        1,
        table.rows.map((_, i) => i),
      ),
      12,
    );
    const overall = report.agreement.regionShares.overall[0]!;
    expect(overall.total).toBe(current.length);
    expect(overall.shares.valid!.count).toBe(current.filter((l) => l.value === 'valid').length);
    expect(overall.shares.valid!.ci!.low).toBeLessThan(overall.shares.valid!.share!);
    const metrics = readFileSync(join(out, 'metrics.csv'), 'utf8');
    expect(metrics).toContain("inter-rater: regions,Cohen's kappa,R1 vs R2");
    expect(report.counts.currentLabels).toBe(history.filter(inForce).length);
    const plausible = history.filter((l) => inForce(l) && l.targetKind === 'plausible');
    expect(report.agreement.verdicts.plausibleByPredictedClass.find((r) => r.group === 'all records')!.total).toBe(plausible.length);
  });

  it('faithfulness is exact on the linear model, has every order on the same records and localises on LUDB delineation', () => {
    const f = report.faithfulness!;
    expect(f.recordsEvaluated).toBe(16);
    expect(f.exactness.recomputed.max!).toBeLessThan(1e-3);
    // the pass evaluates exactly the maps the raters saw (the digests stored at import)
    expect(f.exactness.mapsAsShown).toEqual({ checked: 16, equal: 16 });
    expect(f.curves.map((c) => [c.order, c.records])).toEqual([
      ['relevance', 16],
      ['random', 16],
      ['magnitude', 16],
    ]);
    for (const c of f.curves) expect(c.meanDeletion).toHaveLength(11);
    const byClass = f.curvesByClass.filter((c) => c.order === 'relevance');
    expect(byClass.reduce((n, c) => n + c.records, 0)).toBe(16);
    expect(f.baselineProbability.map((b) => b.probability.n)).toEqual([16, 16, 16]);
    // normalised AUCs exist where p(x) and p(baseline) differ; they are on the curve's own scale
    const relevance = f.curves.find((c) => c.order === 'relevance')!;
    expect(relevance.normalisedDeletionAuc.n).toBeGreaterThan(0);
    // most relevant first on a linear model: the deletion curve falls below the random one
    expect(relevance.meanDeletion[1]!).toBeLessThan(f.curves.find((c) => c.order === 'random')!.meanDeletion[1]!);
    expect(f.relevanceVsRandom.find((p) => p.curve === 'deletion' && !p.normalised)!.mean.units).toBe(16);

    // region granularity: every order on the same records, paired differences over them
    const r = f.regionLevel;
    expect(r.records).toBeGreaterThanOrEqual(10);
    expect(r.majorityRule).toMatch(/more than half/);
    for (const o of r.orders) {
      expect(o.deletionAuc.n).toBe(r.records);
      expect(o.meanDeletion).toHaveLength(r.maxRegions + 1);
    }
    for (const p of r.paired.filter((x) => !x.normalised)) expect(p.mean.units).toBe(r.records);

    // localisation only for the record's predicted classes
    const data = loadStudyData(db);
    const predicted = new Map<string, number>();
    for (const rec of data.records) {
      for (const [code, p] of Object.entries(rec.run!.probabilities)) {
        if (p >= 0.5 || code === rec.run!.topClass) predicted.set(code, (predicted.get(code) ?? 0) + 1);
      }
    }
    expect(f.localisation.delineatedRecords).toBe(16);
    const allLeads = f.localisation.rows.filter((x) => x.lead === 'all leads');
    expect(allLeads.length).toBeGreaterThan(0);
    for (const row of allLeads) {
      expect(row.records).toBeLessThanOrEqual(predicted.get(row.classCode) ?? 0);
      expect(row.meanTimeShare.QRS!).toBeGreaterThan(0.05);
      for (const k of ['P', 'QRS', 'ST-T'] as const) {
        expect(row.pooledMassShare[k]).toBeGreaterThanOrEqual(0);
        expect(row.recordMassShare[k]).toBeGreaterThanOrEqual(0);
      }
      const peaks = Object.values(row.peakLocation);
      expect(peaks.reduce((n, p) => n + p.count, 0)).toBe(row.peakLocation.QRS.total);
      expect(row.peakLocation.QRS.clusters).toBe(row.records);
    }
    expect(f.degeneracy).toHaveLength(3);
    expect(f.deletionInsertionMsPerRecord).toBeGreaterThan(0);
  });

  it('faithfulness on the worker pool, batched, equals the in-process engine running one window per run', async () => {
    const engine = await InferenceEngine.open(modelDir, { providers: ['cpu'] });
    try {
      const reference = await generateReport(db, {
        outDir: join(work, 'one-run-per-window'),
        runner: async () => engine,
        perturbation: ONE_RUN_PER_WINDOW,
        settings: { bootstrapResamples: 200, deletionSteps: 10 },
        pdf: null,
      });
      const timeless = (r: Report) => ({ ...r.faithfulness, deletionInsertionMsPerRecord: null });
      expect(timeless(report)).toEqual(timeless(reference.report));
    } finally {
      await engine.close();
    }
  });

  it('is de-identified by default: no rater name, source path or note text in any file', () => {
    for (const f of files.filter((x) => !x.endsWith('.pdf'))) {
      const text = readFileSync(f, 'utf8');
      for (const name of RATER_NAMES) expect(text, f).not.toContain(name);
      expect(text, f).not.toContain(sharedDataDir());
      expect(text, f).not.toContain('see lead II');
    }
  });

  it('report.html opens in Chromium without console errors or network requests', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const url = `file://${join(out, 'report.html')}`;
      await page.route('**/*', (route) => {
        if (route.request().url() !== url) requests.push(route.request().url());
        return route.request().url() === url ? route.continue() : route.abort();
      });
      await page.goto(url, { waitUntil: 'load' });
      expect(await page.locator('svg').count()).toBe(8);
      expect(await page.locator('h2').allTextContents()).toContain('Faithfulness');
      if (process.env.REPORT_SCREENSHOT) await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('report options and errors', () => {
  it('includes identifiers only when asked', async () => {
    const { files } = await generateReport(db, {
      outDir: join(work, 'with-ids'),
      settings: { includeIdentifiers: true, faithfulness: false, bootstrapResamples: 20 },
      pdf: null,
    });
    const json = readFileSync(files[0]!, 'utf8');
    for (const name of RATER_NAMES) expect(json).toContain(name);
    expect(json).toContain(sharedDataDir());
    expect(readFileSync(files[1]!, 'utf8')).toContain('see lead II');
  });

  it("names the missing study, and refuses a model folder that is not the runs' model", async () => {
    await expect(generateReport(db, { outDir: join(work, 'x'), study: 'nope', pdf: null })).rejects.toThrow(
      /study "nope" does not exist.*LUDB audit/,
    );
    await expect(
      generateReport(db, { outDir: join(work, 'y'), modelDir: repoPath('tests/fixtures/models/tiny-imn'), pdf: null }),
    ).rejects.toBeInstanceOf(ReportError);
  });

  it('the CLI writes the files and prints the JSON summary', () => {
    const outDir = join(work, 'cli');
    const res = spawnSync(
      process.execPath,
      [
        repoPath('bin/ecg-audit.mjs'),
        'report',
        '--db',
        dbPath,
        '--study',
        'LUDB audit',
        '--out',
        outDir,
        '--json',
        '--no-pdf',
        '--no-faithfulness',
        '--bootstrap',
        '50',
      ],
      { encoding: 'utf8' },
    );
    expect(res.status, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout) as { files: string[]; raters: number; labels: number; records: number };
    expect(summary.files.map((f) => f.slice(outDir.length + 1))).toEqual(['report.json', 'labels.csv', 'metrics.csv', 'report.html']);
    expect(summary).toMatchObject({ raters: 3, records: 16, labels: labelHistory(db).length });
    const bad = spawnSync(process.execPath, [repoPath('bin/ecg-audit.mjs'), 'report', '--db', dbPath, '--out', outDir, '--steps', 'x'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--steps must be an integer');
  });

  it('the CLI shows faithfulness progress on stderr, and Ctrl-C cancels it with nothing written', async () => {
    const outDir = join(work, 'cli-cancelled');
    // many steps, so the pass is still running when the signal comes
    const args = ['report', '--db', dbPath, '--model-dir', modelDir, '--out', outDir, '--no-pdf', '--bootstrap', '0', '--steps', '400'];
    const child = spawn(process.execPath, [repoPath('bin/ecg-audit.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([
      vi.waitFor(() => expect(stderr).toMatch(/faithfulness \(records\) \[[#-]+\] \d+\/16/), { timeout: 120_000, interval: 50 }),
      exit.then((code) => {
        throw new Error(`the CLI ended (${code}) before showing progress: ${stderr}`);
      }),
    ]);
    child.kill('SIGINT');
    expect(await exit, stderr).toBe(130);
    expect(stderr).toContain('no report files will be written');
    expect(stderr).toContain('report cancelled; nothing was written');
    expect(existsSync(outDir)).toBe(false);
  }, 180_000);
});

describe('reports over the app API', () => {
  it('writes the files beside the database in the background and returns the summary; errors keep their code', async () => {
    const ctx = createAppContext({ mode: 'browser', dbPath, modelsDir: join(modelDir, '..') }, repoPath());
    const handlers = createHandlers(ctx);
    const started = await startReportJob(handlers, { study: 'LUDB audit', pdf: false, bootstrapResamples: 50, faithfulnessMaxRecords: 3 });
    expect(started.running).toBe(true);
    const finished = await pollReport(handlers, started.jobId);
    expect(finished.error).toBeNull();
    expect(finished.progress).toMatchObject({ phase: 'completed', recordsDone: 3, recordsTotal: 3, cancellable: false });
    const value = finished.result!;
    expect(value.outDir.startsWith(join(work, 'reports'))).toBe(true);
    expect(value.files.map((f) => f.name)).toEqual(['report.json', 'labels.csv', 'metrics.csv', 'report.html']);
    expect(value.files.every((f) => f.bytes > 0)).toBe(true);
    expect(value.summary.counts.raters).toBe(3);
    expect(value.summary.faithfulness!.recordsEvaluated).toBe(3);
    expect(await dispatch(handlers, 'reports.latest', {})).toMatchObject({ ok: true, value: { jobId: started.jobId } });
    expect(await dispatch(handlers, 'reports.start', { study: 'missing', pdf: false })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(await dispatch(handlers, 'reports.start', { study: 'LUDB audit', bootstrapResamples: -1 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await dispatch(handlers, 'reports.status', { jobId: 99 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
