/**
 * File access for readers: every read is size-checked first, and every failure becomes an EcgFormatError.
 * Synchronous on purpose: ECG files are small and local, and a thread-pool round trip per stat/read cost more
 * than the reading itself (bench/formats.bench.ts). Callers that must not block run readers in a worker.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { EcgFormatError } from './errors.ts';
import { SNIFF_BYTES } from './reader.ts';

function fsError(path: string, err: unknown): EcgFormatError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
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

function checkStats(path: string, st: Stats, maxBytes: number): void {
  if (st.isDirectory()) throw new EcgFormatError(path, 'not-a-file', 'is a directory, not a file');
  if (!st.isFile()) throw new EcgFormatError(path, 'not-a-file', 'is not a regular file');
  if (st.size === 0) throw new EcgFormatError(path, 'empty', 'file is empty (0 bytes)');
  if (st.size > maxBytes) {
    throw new EcgFormatError(path, 'too-large', `file is ${st.size} bytes, larger than the ${maxBytes}-byte limit for one ECG file`);
  }
}

/** Opens a regular, non-empty file within maxBytes and reads up to `limit` bytes from its start. */
function readUpTo(path: string, maxBytes: number, limit: number): { bytes: Buffer; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(path, err);
  }
  try {
    const st = fstatSync(fd);
    checkStats(path, st, maxBytes);
    const want = Math.min(st.size, limit);
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, bytes, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: got === want ? bytes : bytes.subarray(0, got), size: st.size };
  } catch (err) {
    throw err instanceof EcgFormatError ? err : fsError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** The whole file, refused when it is not a regular non-empty file of at most maxBytes. */
export async function readChecked(path: string, maxBytes: number): Promise<Buffer> {
  return readUpTo(path, maxBytes, Number.POSITIVE_INFINITY).bytes;
}

/** The first SNIFF_BYTES bytes; the size limit does not apply because only the head is read. */
export async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const { bytes, size } = readUpTo(path, Number.POSITIVE_INFINITY, SNIFF_BYTES);
  return { head: bytes, size };
}

/** True when the path names a regular file (links followed). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True when something exists at the path (links followed). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}
