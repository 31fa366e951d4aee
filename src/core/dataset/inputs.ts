/**
 * The records of a dataset-scale run (predict --jsonl, evaluate): the import's discovery rules (folders walked
 * recursively, files classified by content, a WFDB record's signal and annotation files belong to its header,
 * every path once, sorted), plus one line's worth of problem for what cannot be a record. The sorted list is
 * what --shard splits, so every shard of every run sees the same order.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { classifyFile, resolveRecordPath } from '../formats/index.ts';
import { describeNonEcg, listInputFiles, mapLimit } from '../import/files.ts';

/** One entry of the run: a record to read, or a path that is reported as an error line without reading. */
export type DatasetItem = { file: string; problem?: string };

export interface DatasetInputs {
  items: DatasetItem[];
  /** Files met while walking folders that are not records (documentation, tables, companions): not reported per line. */
  ignored: number;
}

/** Missing inputs throw ImportInputError (the run cannot be what was asked for); everything else becomes an item. */
export async function discoverRecords(inputs: readonly string[]): Promise<DatasetInputs> {
  const { files, unreadable } = await listInputFiles(inputs);
  const explicit = new Set<string>();
  for (const input of inputs) {
    const st = await stat(input);
    if (st.isFile()) explicit.add(resolve(input));
  }
  const items = new Map<string, DatasetItem>();
  let ignored = 0;
  for (const u of unreadable) items.set(u.path, { file: u.path, problem: u.reason });
  const roles = await mapLimit(files, 16, classifyFile);
  for (const [i, file] of files.entries()) {
    const role = roles[i]!;
    if (role === 'record') items.set(file, { file });
    else if (explicit.has(file)) {
      // a named signal file stands for its record; a named file that is no ECG gets its line
      const header = role === 'companion' ? await resolveRecordPath(file) : file;
      if (header !== file) items.set(header, items.get(header) ?? { file: header });
      else items.set(file, { file, problem: await describeNonEcg(file) });
    } else ignored++;
  }
  return { items: [...items.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), ignored };
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** `K/N` with 1 <= K <= N. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) {
    throw new RangeError(`--shard must be K/N with 1 <= K <= N (for example 3/8), not "${text}"`);
  }
  return { index, count };
}

/**
 * The K-th of N contiguous slices of the sorted items (sizes differ by at most one), so the outputs of shards
 * 1..N concatenated in shard order are exactly the output of one unsharded run.
 */
export function shardItems<T>(items: readonly T[], shard: Shard): T[] {
  const from = Math.floor(((shard.index - 1) * items.length) / shard.count);
  const to = Math.floor((shard.index * items.length) / shard.count);
  return items.slice(from, to);
}
