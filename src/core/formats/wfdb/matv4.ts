/**
 * MATLAB v4 matrix headers, as in the PhysioNet/CinC 2020-2021 `.mat` signal files: one int16 matrix `val`
 * (signals x samples, stored column-major, i.e. frame-interleaved exactly like WFDB format 16).
 */
import { EcgFormatError } from '../errors.ts';

export interface MatV4Header {
  name: string;
  rows: number;
  cols: number;
  /** Byte offset of the matrix data. */
  dataOffset: number;
}

const HEADER_BYTES = 20;

/** Parses the first matrix header; accepts only a real, full, little-endian int16 matrix. */
export function parseMatV4Header(path: string, bytes: Buffer): MatV4Header {
  if (bytes.length < HEADER_BYTES) throw new EcgFormatError(path, 'truncated', 'MAT v4 file is shorter than its 20-byte header');
  const type = bytes.readInt32LE(0);
  const rows = bytes.readInt32LE(4);
  const cols = bytes.readInt32LE(8);
  const imagf = bytes.readInt32LE(12);
  const namlen = bytes.readInt32LE(16);
  if (type < 0 || type > 4052) {
    throw new EcgFormatError(path, 'unsupported-encoding', `not a little-endian MAT v4 file (type code ${type})`);
  }
  const m = Math.floor(type / 1000);
  const o = Math.floor(type / 100) % 10;
  const p = Math.floor(type / 10) % 10;
  const t = type % 10;
  if (m !== 0 || o !== 0)
    throw new EcgFormatError(path, 'unsupported-encoding', `MAT v4 type code ${type}: only little-endian (M=0) files are read`);
  if (t !== 0) throw new EcgFormatError(path, 'unsupported-encoding', `MAT v4 type code ${type}: only full numeric matrices are read`);
  if (p !== 3) throw new EcgFormatError(path, 'unsupported-encoding', `MAT v4 type code ${type}: only int16 matrices (P=3) are read`);
  if (imagf !== 0) throw new EcgFormatError(path, 'unsupported-encoding', 'MAT v4 matrix is complex; ECG samples are real');
  if (rows <= 0 || cols <= 0) throw new EcgFormatError(path, 'bad-header', `MAT v4 matrix has ${rows} x ${cols} elements`);
  if (namlen < 1 || namlen > 64 || HEADER_BYTES + namlen > bytes.length) {
    throw new EcgFormatError(path, 'bad-header', `MAT v4 variable name length ${namlen} is invalid`);
  }
  const nameBytes = bytes.subarray(HEADER_BYTES, HEADER_BYTES + namlen);
  if (nameBytes[namlen - 1] !== 0) throw new EcgFormatError(path, 'bad-header', 'MAT v4 variable name is not NUL-terminated');
  const name = nameBytes.subarray(0, namlen - 1).toString('latin1');
  const dataOffset = HEADER_BYTES + namlen;
  if (dataOffset + rows * cols * 2 > bytes.length) {
    throw new EcgFormatError(
      path,
      'truncated',
      `MAT v4 matrix '${name}' needs ${rows * cols * 2} data bytes, the file has ${bytes.length - dataOffset}`,
    );
  }
  return { name, rows, cols, dataOffset };
}

/** Cheap content test for a CinC-style `.mat` file (a companion of a `.hea`, not a record on its own). */
export function looksLikeMatV4(head: Buffer): boolean {
  if (head.length < HEADER_BYTES) return false;
  const type = head.readInt32LE(0);
  const namlen = head.readInt32LE(16);
  return [0, 10, 20, 30, 40, 50].includes(type) && head.readInt32LE(12) === 0 && namlen > 0 && namlen <= 64;
}
