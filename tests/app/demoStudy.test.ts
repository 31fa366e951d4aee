import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppContext, createHandlers } from '../../src/app/index.ts';
import { startDemoStudyIfEmpty } from '../../src/app/demoStudy.ts';
import { parseCsvRows } from '../../src/core/formats/csvText.ts';
import { parseScpCodes } from '../../src/core/formats/datasetMetadata.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';

const demoDir = repoPath('resources', 'demo');
const demoFiles = (readdirSync(demoDir, { recursive: true }) as string[]).filter((p) => statSync(join(demoDir, p)).isFile());

function table(path: string): Record<string, string>[] {
  const [header = [], ...rows] = parseCsvRows(readFileSync(path, 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

describe('first start', () => {
  let dir: string;
  const saved = process.env.ECG_AUDIT_SAMPLES;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecg-audit-demo-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.ECG_AUDIT_SAMPLES;
    else process.env.ECG_AUDIT_SAMPLES = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  async function importDemo() {
    const ctx = createAppContext({ mode: 'browser', dbPath: join(dir, 'audit.sqlite') }, repoPath());
    const handlers = createHandlers(ctx);
    const first = await startDemoStudyIfEmpty(ctx, handlers, repoPath());
    expect(first.started).toBe(true);
    if (!first.started) throw new Error(first.reason);
    await expect
      .poll(async () => (await handlers['import.status']({ jobId: first.jobId })).running, { timeout: 60_000, interval: 200 })
      .toBe(false);
    const status = await handlers['import.status']({ jobId: first.jobId });
    return { ctx, handlers, summary: status.summary };
  }

  it('imports the demo study shipped in resources/demo when ECG_AUDIT_SAMPLES is not set, nothing skipped', async () => {
    delete process.env.ECG_AUDIT_SAMPLES;
    const { summary } = await importDemo();
    const headers = demoFiles.filter((p) => p.endsWith('.hea'));
    expect(headers.length).toBe(15);
    expect(summary).toMatchObject({ imported: headers.length, duplicates: 0, skipped: 0, failed: [] });
  });

  it('imports the samples named by ECG_AUDIT_SAMPLES with the bundled model, once', async () => {
    process.env.ECG_AUDIT_SAMPLES = join(sharedDataDir(), 'cinc2020');
    const { ctx, handlers, summary } = await importDemo();
    expect(summary?.imported).toBe(14);
    const again = await startDemoStudyIfEmpty(ctx, handlers, repoPath());
    expect(again).toEqual({ started: false, reason: 'the database already has studies' });
  });

  it('opens empty, with the reason, when the samples folder does not exist', async () => {
    process.env.ECG_AUDIT_SAMPLES = join(dir, 'no-such-folder');
    const ctx = createAppContext({ mode: 'browser', dbPath: join(dir, 'audit.sqlite') }, repoPath());
    const result = await startDemoStudyIfEmpty(ctx, createHandlers(ctx), repoPath());
    expect(result).toEqual({ started: false, reason: 'no sample ECGs found (set ECG_AUDIT_SAMPLES to a folder)' });
  });
});

describe('the shipped demo study', () => {
  it('is small (at most 20 records, 2 MB) and carries both licences and the attribution', () => {
    const bytes = demoFiles.reduce((sum, p) => sum + statSync(join(demoDir, p)).size, 0);
    expect(demoFiles.filter((p) => p.endsWith('.hea')).length).toBeLessThanOrEqual(20);
    expect(bytes).toBeLessThanOrEqual(2_000_000);
    expect(readFileSync(join(demoDir, 'ptbxl', 'LICENSE.txt'), 'utf8')).toContain('Creative Commons Attribution 4.0 International');
    expect(readFileSync(join(demoDir, 'ludb', 'LICENSE.txt'), 'utf8')).toContain('ODC Attribution License');
    const readme = readFileSync(join(demoDir, 'README.md'), 'utf8');
    expect(readme).toContain('doi:10.1038/s41597-020-0495-6');
    expect(readme).toContain('doi:10.13026/eegm-h675');
  });

  it('covers normal, MI, conduction, ST-T and hypertrophy (PTB-XL) and atrial fibrillation and flutter (LUDB)', () => {
    const statements = new Map(table(join(demoDir, 'ptbxl', 'scp_statements.csv')).map((s) => [s[''], s]));
    const superclasses = new Set(
      table(join(demoDir, 'ptbxl', 'ptbxl_database.csv')).flatMap((r) =>
        parseScpCodes(r.scp_codes!)
          .map(([code]) => statements.get(code))
          .filter((s) => s && Number(s.diagnostic) === 1)
          .map((s) => s!.diagnostic_class),
      ),
    );
    expect([...superclasses].sort()).toEqual(['CD', 'HYP', 'MI', 'NORM', 'STTC']);
    const rhythms = table(join(demoDir, 'ludb', 'ludb.csv')).map((r) => r.Rhythms!.trim());
    expect(rhythms).toEqual(expect.arrayContaining(['Atrial fibrillation', 'Atrial flutter, typical', 'Sinus rhythm']));
  });

  it('is exactly what scripts/build-demo.mjs builds from the shared PhysioNet data', () => {
    const res = spawnSync(process.execPath, [repoPath('scripts', 'build-demo.mjs'), '--check'], {
      encoding: 'utf8',
      env: { ...process.env, ECG_AUDIT_SHARED_DATA: sharedDataDir() },
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
