/** File access for readers: every read is size-checked first, and every failure becomes an EcgFormatError. */
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { EcgFormatError } from './errors.ts';
import { SNIFF_BYTES } from './reader.ts';

function fsError(path: string, err: unknown): EcgFormatError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new EcgFormatError(path, 'not-found', 'file not found');
    case 'ELOOP':
      return new EcgFormatError(path, 'not-a-file', 'symbolic link loop');
    case 'EISDIR':
      return new EcgFormatError(path, 'not-a-file', 'is a directory, not a file');
    case 'EACCES':
    case 'EPERM':
      return new EcgFormatError(path, 'io', 'permission denied');
    default:
      return new EcgFormatError(path, 'io', `cannot read file (${code ?? String(err)})`);
  }
}

/** Stats a path (following links) and rejects anything but a non-empty regular file within maxBytes. */
export async function checkFile(path: string, maxBytes: number): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw fsError(path, err);
  }
  if (st.isDirectory()) throw new EcgFormatError(path, 'not-a-file', 'is a directory, not a file');
  if (!st.isFile()) throw new EcgFormatError(path, 'not-a-file', 'is not a regular file');
  if (st.size === 0) throw new EcgFormatError(path, 'empty', 'file is empty (0 bytes)');
  if (st.size > maxBytes) {
    throw new EcgFormatError(
      path,
      'too-large',
      `file is ${st.size} bytes, larger than the ${maxBytes}-byte limit for one ECG file`,
    );
  }
  return st;
}

/** The whole file, after checkFile. */
export async function readChecked(path: string, maxBytes: number): Promise<Buffer> {
  await checkFile(path, maxBytes);
  try {
    return await readFile(path);
  } catch (err) {
    throw fsError(path, err);
  }
}

/** The first SNIFF_BYTES bytes; the size limit does not apply because only the head is read. */
export async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const st = await checkFile(path, Number.POSITIVE_INFINITY);
  try {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(Math.min(SNIFF_BYTES, st.size));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return { head: head.subarray(0, bytesRead), size: st.size };
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fsError(path, err);
  }
}
