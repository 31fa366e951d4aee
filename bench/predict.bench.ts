/**
 * `predict --jsonl` throughput on the 500 PTB-XL 100 Hz records: the streaming pipeline (discovery excluded,
 * read + predict + one JSON line per record written to a sink) against the import's parse + predict pipeline
 * without the store (bench/import.bench.ts: chunks of 16 read, then predicted while the next chunk is read),
 * both on the same worker pool in the same run, alternated so machine load hits both alike. Also the cost of
 * --maps (float16 .npy per record) and of discovery (listing + classifying the folder).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { discoverRecords } from '../src/core/dataset/inputs.ts';
import { writeAttributionMaps } from '../src/core/dataset/maps.ts';
import { predictFiles } from '../src/core/dataset/predictFiles.ts';
import { readEcgFile } from '../src/core/formats/index.ts';
import { DEFAULT_MODEL_ID, defaultModelDir } from '../src/core/inference/modelFolder.ts';
import { InferencePool } from '../src/core/inference/pool.ts';
import { jsonlLine } from '../src/cli/commands/predictJsonl.ts';
import { writeLine } from '../src/cli/dataset.ts';
import { type BenchResult, median, repoRoot, withRatio } from './harness.ts';

const CHUNK = 16;
const ROUNDS = 3;

export default async function predictBench(): Promise<BenchResult> {
  const modelDir = join(defaultModelDir(), DEFAULT_MODEL_ID);
  const dataDir = join(repoRoot, '..', 'shared', 'data', 'ptbxl', 'records100');
  const headers = readdirSync(join(dataDir, '00000'))
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(dataDir, '00000', f));
  const loadAtStart = loadavg()[0]!;
  const pool = await InferencePool.open(modelDir);
  const predictBatch = pool.predictBatch.bind(pool);
  const work = mkdtempSync(join(tmpdir(), 'ecg-predict-bench-'));
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  try {
    // the import bench's baseline, verbatim
    const importRate = async (): Promise<number> => {
      const t0 = performance.now();
      let pending: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < headers.length; i += CHUNK) {
        const records = await Promise.all(headers.slice(i, i + CHUNK).map((h) => readEcgFile(h)));
        await pending;
        pending = pool.predictBatch(records);
      }
      await pending;
      return headers.length / ((performance.now() - t0) / 1000);
    };
    const jsonlRate = async (maps?: string): Promise<number> => {
      const t0 = performance.now();
      let n = 0;
      for await (const o of predictFiles(
        headers.map((file) => ({ file })),
        { predictBatch },
      )) {
        const rel = maps && o.ok ? await writeAttributionMaps(maps, dataDir, o.file, o.prediction) : undefined;
        await writeLine(sink, JSON.stringify(jsonlLine(o, rel)));
        if (o.ok) n++;
      }
      if (n !== headers.length) throw new Error(`${headers.length - n} records failed`);
      return headers.length / ((performance.now() - t0) / 1000);
    };
    await jsonlRate(); // warm-up: file cache, workers, JIT
    const base: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      base.push(await importRate());
      ours.push(await jsonlRate());
    }
    const withMaps = await jsonlRate(join(work, 'maps'));
    const t0 = performance.now();
    const found = await discoverRecords([dataDir]);
    const discoverMs = performance.now() - t0;
    if (found.items.length !== headers.length) throw new Error(`discovery found ${found.items.length} records`);
    return {
      name: 'predict',
      description: `predict --jsonl over the 500 PTB-XL 100 Hz records, ${DEFAULT_MODEL_ID}, worker pool on all cores, ${ROUNDS} alternated rounds`,
      figures: [
        withRatio({
          metric: 'predict --jsonl throughput (read + predict + JSON line), median',
          value: median(ours),
          unit: 'records/s',
          baseline: { name: "import's parse + predict, no store (median)", value: median(base) },
          goal: 'ratio >= 0.9',
        }),
        withRatio({
          metric: 'predict --jsonl --maps throughput (float16 .npy per record)',
          value: withMaps,
          unit: 'records/s',
          baseline: { name: 'without --maps (median)', value: median(ours) },
        }),
        { metric: 'discovery (list + classify) of the 1,000 files', value: discoverMs, unit: 'ms' },
      ],
      notes: [
        `1-min load average at the start: ${loadAtStart.toFixed(1)} (the machine is shared; both sides of the ratio ran under it)`,
        `rounds: jsonl ${ours.map((x) => x.toFixed(1)).join(', ')}; import baseline ${base.map((x) => x.toFixed(1)).join(', ')}`,
      ],
    };
  } finally {
    await pool.close();
    rmSync(work, { recursive: true, force: true });
  }
}
