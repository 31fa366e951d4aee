/**
 * Runs the model over many files and yields one outcome per item, in the items' order, as soon as the items
 * before it are done. Reading runs ahead of the model (a few chunks in flight) so the worker pool is never idle
 * waiting for files; only a bounded number of records is held in memory at any time.
 */
import { detectFormat, readEcgFile, type ReadOptions } from '../formats/index.ts';
import type { EcgRecord } from '../formats/record.ts';
import type { Prediction } from '../inference/explain.ts';
import type { BatchOutcome } from '../inference/pool.ts';
import type { RecordSignal } from '../signal/preprocess.ts';
import { mapLimit } from '../import/files.ts';
import type { DatasetItem } from './inputs.ts';

/** The batch lane of the inference pool (InferencePool.predictBatch has this shape). */
export type PredictBatch = (records: readonly RecordSignal[]) => Promise<BatchOutcome[]>;

export type FileOutcome =
  | { file: string; ok: true; record: EcgRecord; prediction: Prediction }
  | { file: string; ok: false; error: string }
  /** Not run: not an ECG after all (a CSV table without signal), or `accept` gave a reason (evaluate: no reference). */
  | { file: string; ok: false; skipped: string; record?: EcgRecord };

export interface PredictFilesOptions {
  predictBatch: PredictBatch;
  /** Records per chunk handed to the pool at once. */
  chunkRecords?: number;
  /** Chunks in flight (being read or run) at once; the first in order is yielded when done. */
  depth?: number;
  readConcurrency?: number;
  readOptions?: ReadOptions;
  /** Decides, once a record is read, whether to run it: undefined to run, or the reason to skip it. */
  accept?: (record: EcgRecord) => string | undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runChunk(items: readonly DatasetItem[], opts: PredictFilesOptions): Promise<FileOutcome[]> {
  const read = await mapLimit(items, opts.readConcurrency ?? 4, async (item): Promise<FileOutcome | EcgRecord> => {
    if (item.problem !== undefined) return { file: item.file, ok: false, error: item.problem };
    try {
      const record = await readEcgFile(item.file, opts.readOptions);
      const skipped = opts.accept?.(record);
      return skipped === undefined ? record : { file: item.file, ok: false, skipped, record };
    } catch (err) {
      // as the import decides: a table that sniffs as CSV but holds no signal is not an ECG, not a failed record
      if ((await detectFormat(item.file).catch(() => undefined)) === 'csv') {
        return { file: item.file, ok: false, skipped: `not an ECG: table without readable signal columns (${message(err)})` };
      }
      return { file: item.file, ok: false, error: message(err) };
    }
  });
  const records = read.filter((r): r is EcgRecord => !('ok' in r));
  const outcomes = new Map<EcgRecord, BatchOutcome>();
  if (records.length > 0) {
    try {
      const batch = await opts.predictBatch(records);
      records.forEach((r, i) => outcomes.set(r, batch[i]!));
    } catch {
      // a failed batch (a worker lost) is retried record by record, so one bad record fails alone
      for (const r of records) {
        const [o] = await opts.predictBatch([r]).catch((err: Error) => [{ ok: false as const, error: err }]);
        outcomes.set(r, o!);
      }
    }
  }
  return read.map((r, i): FileOutcome => {
    if ('ok' in r) return r;
    const o = outcomes.get(r)!;
    return o.ok
      ? { file: items[i]!.file, ok: true, record: r, prediction: o.prediction }
      : { file: items[i]!.file, ok: false, error: `the model could not run on this record: ${message(o.error)}` };
  });
}

export async function* predictFiles(items: readonly DatasetItem[], opts: PredictFilesOptions): AsyncGenerator<FileOutcome> {
  const chunk = opts.chunkRecords ?? 16;
  const depth = opts.depth ?? 3;
  const inflight: Promise<FileOutcome[]>[] = [];
  let from = 0;
  const fill = (): void => {
    while (inflight.length < depth && from < items.length) {
      const done = runChunk(items.slice(from, from + chunk), opts);
      done.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
      inflight.push(done);
      from += chunk;
    }
  };
  fill();
  while (inflight.length > 0) {
    const outcomes = await inflight.shift()!;
    fill();
    yield* outcomes;
  }
}
