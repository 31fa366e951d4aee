/**
 * Reading all 500 PTB-XL 500 Hz records: our WFDB reader vs wfdb-python's rdrecord (timed inside Python,
 * same machine, same run), and the memory a record holds vs the size of its samples on disk.
 * FLAC (format 516): the same signals written by wfdb-python (libFLAC), read by our reader vs the same signals
 * in format 16, and our FLAC decoder vs @wasm-audio-decoders/flac on the same files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readEcgFile } from '../src/core/formats/index.ts';
import type { EcgRecord } from '../src/core/formats/record.ts';
import { decodeFlac } from '../src/core/formats/wfdb/flac.ts';
import { type BenchResult, median, withRatio } from './harness.ts';
import { runPythonJson } from '../tests/helpers/python.ts';
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

/** Median of `rounds` timed passes of f over the items, per item, in ms. */
async function msPerItem<T>(items: T[], rounds: number, f: (item: T) => unknown): Promise<number> {
  for (const item of items.slice(0, 10)) await f(item);
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (const item of items) await f(item);
    times.push((performance.now() - t0) / items.length);
  }
  return median(times);
}

const FLAC_LEADS = 6; // a FLAC stream holds at most 8 channels

async function flacFigures(records: string[]): Promise<BenchResult['figures']> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-flac-'));
  try {
    const sources = await Promise.all(records.slice(0, 100).map((r) => readEcgFile(r, { datasetMetadata: false })));
    const jobs = sources.flatMap((rec, i) =>
      [516, 16].map((fmt) => {
        const leads = rec.leads.slice(0, FLAC_LEADS);
        return {
          dir,
          record: `r${i}_${fmt}`,
          fs: rec.samplingRateHz,
          fmt,
          sig_name: leads.map((l) => l.name),
          units: leads.map(() => 'mV'),
          adc_gain: leads.map((l) => l.gain),
          baseline: leads.map((l) => l.baseline),
          d_signal: Array.from({ length: rec.samplesPerLead }, (_, t) => leads.map((l) => l.adc![t])),
        };
      }),
    );
    runPythonJson('wfdb_write.py', jobs, 'wfdb==4.3.1');
    const names = sources.map((_, i) => `r${i}`);
    const flacRead = await msPerItem(names, 5, (n) => readEcgFile(join(dir, `${n}_516`), { datasetMetadata: false }));
    const int16Read = await msPerItem(names, 5, (n) => readEcgFile(join(dir, `${n}_16`), { datasetMetadata: false }));
    const files = names.map((n) => readFileSync(join(dir, `${n}_516.dat`)));
    const ours = await msPerItem(files, 5, (b) => decodeFlac('bench.flac', b));
    const wasm = new FLACDecoder();
    await wasm.ready;
    const theirs = await msPerItem(files, 5, (b) => wasm.decodeFile(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    wasm.free();
    const flacBytes = files.reduce((a, b) => a + b.length, 0) / files.length;
    return [
      withRatio({
        metric: `FLAC (format 516, libFLAC) read time per 10 s ${FLAC_LEADS}-lead record`,
        value: flacRead,
        unit: 'ms',
        baseline: { name: 'our reader, same signals in format 16', value: int16Read },
      }),
      withRatio({
        metric: `FLAC decode per 10 s ${FLAC_LEADS}-channel stream (${(flacBytes / 1024).toFixed(0)} KiB): ours (exact integers)`,
        value: ours,
        unit: 'ms',
        baseline: { name: '@wasm-audio-decoders/flac decodeFile (float32)', value: theirs },
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  held.length = 0;
  const flac = await flacFigures(records);

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
      ...flac,
    ],
    notes: [
      `Best of 3 passes over ${records.length} records after 20 warm-up reads, in each language; ours includes PTB-XL metadata lookup (ptbxl_database.csv), wfdb-python does not.`,
      'A record keeps each lead as Float32 mV plus the Int32 ADC values: 8 bytes per sample vs 2 on disk.',
      `FLAC: the first ${FLAC_LEADS} leads of the first 100 records, written by wfdb-python 4.3.1 wrsamp (libsndfile's libFLAC) in format 516 and in format 16; median of 5 passes.`,
    ],
  };
}
