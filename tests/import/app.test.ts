import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appClient } from '../helpers/appClient.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { TINY_MODEL_DIR } from './helpers.ts';

const app = (dbPath: string) => appClient(dbPath, dirname(TINY_MODEL_DIR));

describe('import API', () => {
  it('lists models, runs an import in the background with progress, and reports its jobs and problems', async () => {
    const a = app(join(mkdtempSync(join(tmpdir(), 'ecg-import-app-')), 'audit.sqlite'));
    expect(await a.call('import.models', {})).toEqual([
      expect.objectContaining({ id: 'tiny-imn', classes: ['NORM', 'MI', 'STTC', 'CD', 'HYP'] }),
    ]);
    const cinc = join(sharedDataDir(), 'cinc2020');
    const started = await a.call('import.start', { inputs: [cinc], study: 'CinC', modelId: 'tiny-imn' });
    expect(started.running).toBe(true);
    expect(await a.error('import.start', { inputs: [cinc], study: 'other', modelId: 'tiny-imn' })).toMatchObject({ code: 'conflict' });
    let status = started;
    while (status.running) {
      await new Promise((r) => setTimeout(r, 50));
      status = await a.call('import.status', { jobId: started.jobId });
    }
    expect(status.error).toBeNull();
    const records = readdirSync(cinc).filter((f) => f.endsWith('.hea')).length;
    expect(status.summary).toMatchObject({ status: 'completed', imported: records, failed: [] });
    expect(status.progress).toMatchObject({ phase: 'completed', filesDone: status.progress.filesTotal });
    const [job] = await a.call('import.jobs', {});
    expect(job).toMatchObject({
      jobId: started.jobId,
      study: 'CinC',
      modelId: 'tiny-imn',
      status: 'completed',
      imported: records,
      skipped: 1,
    });
    const problems = await a.call('import.problems', { jobId: started.jobId });
    expect(problems.rows).toEqual([{ file: join(cinc, 'SOURCE.md'), outcome: 'skipped', problem: 'not an ECG: text document' }]);
    expect(problems.csv).toContain('SOURCE.md,skipped');
    const studies = await a.call('records.studies', {});
    expect(studies).toEqual([expect.objectContaining({ name: 'CinC', records })]);
  });

  it('an import that finds no ECG leaves no study, says why, and still answers for its problems', async () => {
    const a = app(join(mkdtempSync(join(tmpdir(), 'ecg-import-app-')), 'audit.sqlite'));
    const folder = mkdtempSync(join(tmpdir(), 'ecg-no-ecg-'));
    writeFileSync(join(folder, 'letter.txt'), 'Dear colleague\n');
    const started = await a.call('import.start', { inputs: [folder], study: 'Letters', modelId: 'tiny-imn' });
    let status = started;
    while (status.running) {
      await new Promise((r) => setTimeout(r, 50));
      status = await a.call('import.status', { jobId: started.jobId });
    }
    expect(status.summary!.nothingImported).toEqual({
      message: `No ECG files found in ${folder}: its one file is not an ECG this app reads; study “Letters” was not created.`,
      studyRemoved: true,
    });
    expect(await a.call('records.studies', {})).toEqual([]);
    expect(await a.call('import.jobs', {})).toEqual([]);
    const problems = await a.call('import.problems', { jobId: started.jobId });
    expect(problems.rows).toEqual([{ file: join(folder, 'letter.txt'), outcome: 'skipped', problem: 'not an ECG: text document' }]);
    expect(problems.csv).toContain('letter.txt,skipped');
  });

  it('answers bad requests with their own codes', async () => {
    const a = app(join(mkdtempSync(join(tmpdir(), 'ecg-import-app-')), 'audit.sqlite'));
    expect(await a.error('import.start', { inputs: ['/no/such/dir'], study: 'x', modelId: 'tiny-imn' })).toMatchObject({
      code: 'bad-request',
      message: expect.stringContaining('/no/such/dir'),
    });
    expect(await a.error('import.start', { inputs: ['/tmp'], study: 'x', modelId: 'no-model' })).toMatchObject({ code: 'not-found' });
    expect(await a.error('import.start', { inputs: [], study: 'x', modelId: 'tiny-imn' })).toMatchObject({ code: 'bad-request' });
    expect(await a.error('import.status', { jobId: 99 })).toMatchObject({ code: 'not-found' });
    expect(await a.error('import.problems', { jobId: 99 })).toMatchObject({ code: 'not-found' });
  });
});
