/** `predict PATH... --jsonl`: the model over a whole archive, one JSON line per record, streamed in a stable order. */
import { resolve } from 'node:path';
import { isFile } from '../../core/formats/io.ts';
import { parseShard, type Shard, shardItems } from '../../core/dataset/inputs.ts';
import { commonRoot, writeAttributionMaps } from '../../core/dataset/maps.ts';
import { type FileOutcome, predictFiles } from '../../core/dataset/predictFiles.ts';
import { discoverCliInputs, openDatasetModel, writeLine } from '../dataset.ts';
import { CliError, ProgressBar } from '../output.ts';

/** One line per record; the field order is part of the documented output. */
export function jsonlLine(o: FileOutcome, maps?: string): Record<string, unknown> {
  if (!o.ok) return { file: o.file, error: 'error' in o ? o.error : o.skipped };
  const p = o.prediction;
  return {
    file: o.file,
    format: o.record.format,
    samplingRateHz: o.record.samplingRateHz,
    durationS: o.record.durationS,
    classes: p.classes.map((c) => ({ name: c.code, logit: c.logit, probability: c.probability })),
    completenessMaxAbsError: p.completenessMaxAbsError,
    warnings: [...o.record.warnings, ...p.warnings],
    ...(maps !== undefined ? { maps } : {}),
  };
}

export async function predictJsonl(paths: string[], opts: { model?: string; maps?: string; shard?: string }): Promise<void> {
  let shard: Shard = { index: 1, count: 1 };
  if (opts.shard !== undefined) {
    try {
      shard = parseShard(opts.shard);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
  }
  const inputs = await discoverCliInputs(paths);
  const items = shardItems(inputs.items, shard);
  const root = commonRoot(paths, isFile);
  const mapsDir = opts.maps !== undefined ? resolve(opts.maps) : undefined;
  const { folder, pool } = await openDatasetModel(opts.model);
  try {
    process.stderr.write(
      `predict: ${items.length} of ${inputs.items.length} records (shard ${shard.index}/${shard.count}), model ${folder.manifest.id}, ` +
        `${pool.parallelism} workers on ${pool.executionProviders.join(', ')}; ${inputs.ignored} other files ignored\n`,
    );
    const bar = new ProgressBar('predict');
    let done = 0;
    let failed = 0;
    let notEcg = 0;
    for await (const o of predictFiles(items, { predictBatch: (records) => pool.predictBatch(records) })) {
      if (!o.ok && 'skipped' in o) {
        // a CSV table that holds no signal (dataset metadata): not a record, no line, as the import skips it
        notEcg++;
        bar.update(++done, items.length);
        continue;
      }
      let maps: string | undefined;
      let line: Record<string, unknown>;
      try {
        if (mapsDir && o.ok) maps = await writeAttributionMaps(mapsDir, root, o.file, o.prediction);
        line = jsonlLine(o, maps);
      } catch (err) {
        // a map that cannot be written is this record's error; the run goes on
        line = { file: o.file, error: `cannot write the attribution maps: ${(err as Error).message}` };
      }
      if ('error' in line) failed++;
      await writeLine(process.stdout, JSON.stringify(line));
      bar.update(++done, items.length, failed ? `${failed} errors` : '');
    }
    if (notEcg) process.stderr.write(`predict: ${notEcg} CSV tables without signal columns skipped (not ECGs)\n`);
    if (items.length === 0) process.stderr.write('predict: no ECG records found in the inputs\n');
  } finally {
    await pool.close();
  }
}
