/**
 * The import reads and hashes files in worker threads: while it works through slow files (large CSVs, whose
 * parsing took seconds on the main thread) and one whose signal file is a FIFO, the app's API keeps answering,
 * and cancelling abandons reads in flight without losing the job's resumability.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { appClient } from '../helpers/appClient.ts';
import { encodeCsv, writeWfdb } from '../helpers/ecgWriters.ts';
import { TINY_MODEL_DIR } from './helpers.ts';

const SLOW_FILES = 4;

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-import-slow-'));
  // 12 leads x 1 minute at 500 Hz as text: parsing dominates, everything after it is cheap
  const rows = Array.from({ length: 30_000 }, (_, k) => TWELVE_LEADS.map((_, l) => Math.round(1000 * Math.sin(k / (40 + l))) / 1000));
  for (let f = 0; f < SLOW_FILES; f++) {
    rows[0]![0] = f; // each file a different signal, so none is a duplicate
    writeFileSync(join(dir, `slow${f}.csv`), encodeCsv(TWELVE_LEADS, rows, ['sampling_rate=500']));
  }
  writeWfdb({ dir, record: 'piped', fs: 500, format: 16, signals: [{ name: 'II', adc: [1, 2, 3] }] });
  rmSync(join(dir, 'piped.dat'));
  expect(spawnSync('mkfifo', [join(dir, 'piped.dat')]).status).toBe(0);
  return dir;
}

describe('import file workers', () => {
  it('keep the API answering within 100 ms, refuse a FIFO, and cancel and resume cleanly', async () => {
    const dir = folder();
    const a = appClient(join(mkdtempSync(join(tmpdir(), 'ecg-import-slow-db-')), 'audit.sqlite'), dirname(TINY_MODEL_DIR));
    const started = await a.call('import.start', { inputs: [dir], study: 'slow', modelId: 'tiny-imn' });

    // a client asking every 20 ms: the answer's delay from when it asked, including any time the thread was blocked
    const delays: { ms: number; phase: string }[] = [];
    let status = started;
    let cancelled = false;
    while (status.running) {
      const asked = performance.now() + 20;
      await new Promise((r) => setTimeout(r, 20));
      status = await a.call('import.status', { jobId: started.jobId });
      await a.call('records.studies', {});
      delays.push({ ms: performance.now() - asked, phase: status.progress.phase });
      if (!cancelled && delays.filter((d) => d.phase === 'importing').length >= 10) {
        await a.call('import.control', { jobId: started.jobId, action: 'cancel' });
        cancelled = true;
      }
    }
    expect(cancelled).toBe(true);
    expect(status.error).toBeNull();
    expect(status.summary?.status).toBe('cancelled');
    expect(status.summary!.imported).toBeLessThan(SLOW_FILES);
    // while files are read and hashed; before, one CSV parsed on this thread held every answer for over a second.
    // (While the workers start, a loaded 2-core machine can delay an answer by more: that is not a stall.)
    const slowest = (phase?: string) => Math.max(...delays.filter((d) => !phase || d.phase === phase).map((d) => d.ms));
    expect(slowest('importing')).toBeLessThan(100);
    expect(slowest()).toBeLessThan(1000);

    const resumed = await a.call('import.start', { inputs: [dir], study: 'slow', modelId: 'tiny-imn' });
    status = resumed;
    while (status.running) {
      await new Promise((r) => setTimeout(r, 50));
      status = await a.call('import.status', { jobId: resumed.jobId });
    }
    expect(resumed.jobId).toBe(started.jobId);
    expect(status.summary).toMatchObject({ status: 'completed', resumed: true, imported: SLOW_FILES });
    expect(status.summary!.failed).toEqual([
      { file: join(dir, 'piped.hea'), error: `${join(dir, 'piped.dat')}: is a named pipe (FIFO), not a regular file; it is not opened` },
    ]);
  }, 600_000);
});
