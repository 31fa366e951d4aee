/**
 * File access for readers: every read is size-checked first, and every failure becomes an EcgFormatError.
 * Synchronous on purpose: ECG files are small and local, and a thread-pool round trip per stat/read cost more
 * than the reading itself (bench/formats.bench.ts). Callers that must not block run readers in a worker.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
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
  if (!st.isFile()) throw new EcgFormatError(path, 'not-a-file', `is ${kindOf(st)}, not a regular file; it is not opened`);
  if (st.size === 0) throw new EcgFormatError(path, 'empty', 'file is empty (0 bytes)');
  if (st.size > maxBytes) {
    throw new EcgFormatError(path, 'too-large', `file is ${st.size} bytes, larger than the ${maxBytes}-byte limit for one ECG file`);
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

// Opening a FIFO for reading blocks until a writer comes; O_NONBLOCK makes even a file swapped for one after
// the check return at once (and is ignored for regular files). Neither flag exists on Windows, which has no FIFOs.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Opens a regular file only: symbolic links are resolved once (a loop is refused), the target is checked with
 * stat before it is opened, so a FIFO, socket or device is never opened, and checked again once open.
 */
function openRegular(path: string, maxBytes: number): { fd: number; size: number } {
  let fd: number;
  try {
    const real = realpathSync.native(path);
    checkStats(path, statSync(real), maxBytes);
    fd = openSync(real, OPEN_FLAGS);
  } catch (err) {
    throw err instanceof EcgFormatError ? err : fsError(path, err);
  }
  try {
    const st = fstatSync(fd);
    checkStats(path, st, maxBytes);
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err instanceof EcgFormatError ? err : fsError(path, err);
  }
}

/** Opens a regular, non-empty file within maxBytes and reads up to `limit` bytes from its start. */
function readUpTo(path: string, maxBytes: number, limit: number): { bytes: Buffer; size: number } {
  const { fd, size } = openRegular(path, maxBytes);
  try {
    const want = Math.min(size, limit);
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, bytes, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: got === want ? bytes : bytes.subarray(0, got), size };
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
