/** What predict --jsonl and evaluate share: the model on the worker pool, the inputs, progress on stderr. */
import { ImportInputError } from '../core/import/index.ts';
import { loadModelFolder, type ModelFolder, resolveModelDir } from '../core/inference/modelFolder.ts';
import { InferencePool } from '../core/inference/pool.ts';
import { type DatasetInputs, discoverRecords } from '../core/dataset/inputs.ts';
import { CliError } from './output.ts';

export async function openDatasetModel(model: string | undefined): Promise<{ folder: ModelFolder; pool: InferencePool }> {
  let folder: ModelFolder;
  try {
    folder = loadModelFolder(resolveModelDir(model));
  } catch (err) {
    throw new CliError(`cannot load the model: ${(err as Error).message}`);
  }
  try {
    return { folder, pool: await InferencePool.open(folder.dir) };
  } catch (err) {
    throw new CliError(`cannot start the model: ${(err as Error).message}`);
  }
}

export async function discoverCliInputs(paths: string[]): Promise<DatasetInputs> {
  try {
    return await discoverRecords(paths);
  } catch (err) {
    if (err instanceof ImportInputError) throw new CliError(err.message);
    throw err;
  }
}

/** Resolves once the stream has room again, so a slow reader of stdout holds the run back instead of memory. */
export function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> | undefined {
  if (stream.write(line + '\n')) return undefined;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}
