/**
 * Reading all 500 PTB-XL 500 Hz records: our WFDB reader vs wfdb-python's rdrecord (timed inside Python,
 * same machine, same run), and the memory a record holds vs the size of its samples on disk.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readEcgFile } from '../src/core/formats/index.ts';
import type { EcgRecord } from '../src/core/formats/record.ts';
import { type BenchResult, withRatio } from './harness.ts';
import { sharedDataDir } from '../tests/helpers/sharedData.ts';

const PYTHON_TIMER = `
import sys, time, wfdb
paths = sys.stdin.read().split()
for p in paths[:20]:
    wfdb.rdrecord(p)
best = float('inf')
for _ in range(3):
    t0 = time.perf_counter()
    for p in paths:
        wfdb.rdrecord(p)
    best = min(best, time.perf_counter() - t0)
print(best * 1000 / len(paths))
`;

function pythonMsPerRecord(records: string[]): number {
  const res = spawnSync(process.env.PYTHON ?? 'python3', ['-c', PYTHON_TIMER], { input: records.join('\n'), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`wfdb-python baseline failed (pip install wfdb==4.3.1): ${res.stderr}`);
  return Number(res.stdout.trim());
}

async function ourMsPerRecord(records: string[]): Promise<number> {
  for (const r of records.slice(0, 20)) await readEcgFile(r);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (const r of records) await readEcgFile(r);
    best = Math.min(best, performance.now() - t0);
  }
  return best / records.length;
}

/** Bytes of typed arrays a record keeps (mv Float32 + adc Int32 per lead). */
function retainedBytes(rec: EcgRecord): number {
  return rec.leads.reduce((sum, l) => sum + l.mv.byteLength + (l.adc?.byteLength ?? 0), 0);
}

export default async function (): Promise<BenchResult> {
  const dir = join(sharedDataDir(), 'ptbxl', 'records500', '00000');
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(dir, f.slice(0, -4)));
  const ours = await ourMsPerRecord(records);
  const python = pythonMsPerRecord(records);

  // Memory: hold 100 records at once and measure, after full collections, the ArrayBuffer growth per record.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const gc = async () => {
    for (let i = 0; i < 3; i++) {
      collect();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await gc();
  const before = process.memoryUsage().arrayBuffers;
  const held: EcgRecord[] = [];
  for (const r of records.slice(0, 100)) held.push(await readEcgFile(r));
  await gc();
  const measured = (process.memoryUsage().arrayBuffers - before) / held.length;
  const datBytes = statSync(`${records[0]}.dat`).size;
  const retained = retainedBytes(held[0]);

  return {
    name: 'formats',
    description: 'Read the 500 PTB-XL 500 Hz records (12 leads x 5000 samples, format 16) into EcgRecords',
    figures: [
      withRatio({
        metric: 'read time per record',
        value: ours,
        unit: 'ms',
        baseline: { name: 'wfdb-python 4.3.1 rdrecord', value: python },
        goal: '>= 3x faster (ratio <= 0.33)',
      }),
      withRatio({
        metric: 'sample memory per record (typed arrays)',
        value: retained / 1024,
        unit: 'KiB',
        baseline: { name: 'signal file size', value: datBytes / 1024 },
      }),
      withRatio({
        metric: 'measured ArrayBuffer growth per held record',
        value: measured / 1024,
        unit: 'KiB',
        baseline: { name: 'signal file size', value: datBytes / 1024 },
      }),
    ],
    notes: [
      `Best of 3 passes over ${records.length} records after 20 warm-up reads, in each language; ours includes PTB-XL metadata lookup (ptbxl_database.csv), wfdb-python does not.`,
      'A record keeps each lead as Float32 mV plus the Int32 ADC values: 8 bytes per sample vs 2 on disk.',
    ],
  };
}
