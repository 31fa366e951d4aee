import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';

export class ImportInputError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'ImportInputError';
  }
}

/** A folder that could not be listed: recorded as a failed "file" instead of stopping the batch. */
export interface UnreadableFolder {
  path: string;
  reason: string;
}

/**
 * Every regular file under the inputs (folders recursively, symbolic links to folders not followed so a link
 * loop cannot hang the walk), absolute, de-duplicated and sorted so every run visits them in the same order.
 * A missing input is an error: the batch cannot be what the user asked for.
 */
export async function listInputFiles(inputs: readonly string[]): Promise<{ files: string[]; unreadable: UnreadableFolder[] }> {
  const files = new Set<string>();
  const unreadable: UnreadableFolder[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      unreadable.push({ path: dir, reason: `folder cannot be listed (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.add(p);
      else if (e.isSymbolicLink()) {
        const st = await stat(p).catch(() => null);
        if (st?.isFile()) files.add(p);
      }
    }
  }
  for (const input of inputs) {
    const abs = resolve(input);
    const st = await stat(abs).catch((err: NodeJS.ErrnoException) => {
      throw new ImportInputError(abs, err.code === 'ENOENT' ? 'no such file or folder' : `cannot be read (${err.code})`);
    });
    if (st.isDirectory()) await walk(abs);
    else if (st.isFile()) files.add(abs);
    else throw new ImportInputError(abs, 'neither a file nor a folder');
  }
  return { files: [...files].sort(), unreadable };
}

const KNOWN_NON_ECG: Record<string, string> = {
  '.csv': 'CSV table (e.g. dataset metadata), not an ECG signal',
  '.md': 'text document',
  '.txt': 'text document',
  '.pdf': 'PDF document',
  '.json': 'JSON file',
};

/** Why a file no reader recognises is skipped, in words a nurse can act on. */
export async function describeNonEcg(path: string): Promise<string> {
  const known = KNOWN_NON_ECG[extname(path).toLowerCase()];
  if (known) return `not an ECG: ${known}`;
  if (/^(readme|license|licence|records|annotators|sha256sums|md5sums)/i.test(basename(path)))
    return 'not an ECG: dataset documentation or index file';
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(512);
      const { bytesRead } = await fh.read(head, 0, 512, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (head.length === 0) return 'empty file';
  const text = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
  return text ? 'not an ECG: text file in no ECG format this tool reads' : 'not an ECG: binary file in no ECG format this tool reads';
}

/** fn over items with at most `limit` calls in flight; results in the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
