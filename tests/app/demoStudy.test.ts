import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppContext, createHandlers } from '../../src/app/index.ts';
import { startDemoStudyIfEmpty } from '../../src/app/demoStudy.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';

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

  it('imports the samples named by ECG_AUDIT_SAMPLES with the bundled model, once', async () => {
    process.env.ECG_AUDIT_SAMPLES = join(sharedDataDir(), 'cinc2020');
    const ctx = createAppContext({ mode: 'browser', dbPath: join(dir, 'audit.sqlite') }, repoPath());
    const handlers = createHandlers(ctx);
    const first = await startDemoStudyIfEmpty(ctx, handlers, repoPath());
    expect(first.started).toBe(true);
    if (!first.started) return;
    await expect
      .poll(async () => (await handlers['import.status']({ jobId: first.jobId })).running, { timeout: 60_000, interval: 200 })
      .toBe(false);
    const status = await handlers['import.status']({ jobId: first.jobId });
    expect(status.summary?.imported).toBe(14);
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
