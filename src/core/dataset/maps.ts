/**
 * `predict --maps DIR`: each record's W*x (the exact attribution, stitched onto the record's time axis at the
 * model's rate) as a NumPy .npy file of float16, shape [classes, leads, samples] in the model's class and lead
 * order, so `numpy.load` reads it directly. The file mirrors the record's path below the inputs' common folder,
 * with `.npy` appended (records100/00000/00001_lr.hea -> DIR/records100/00000/00001_lr.hea.npy), so shards of
 * one archive write disjoint files into one folder. Layout: docs/dataset.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Prediction } from '../inference/explain.ts';
import { toHalfArray } from '../store/float16.ts';

/** The deepest folder holding every input (a file input counts by its folder). */
export function commonRoot(inputs: readonly string[], isFile: (path: string) => boolean): string {
  const folders = inputs.map((p) => (isFile(resolve(p)) ? dirname(resolve(p)) : resolve(p)));
  let root = folders[0]!.split(sep);
  for (const f of folders.slice(1)) {
    const parts = f.split(sep);
    let i = 0;
    while (i < root.length && i < parts.length && root[i] === parts[i]) i++;
    root = root.slice(0, i);
  }
  return root.join(sep) || sep;
}

/** NumPy format 1.0: magic, version, header length, a Python dict literal padded so the data starts 64-aligned. */
export function npyFloat16(shape: readonly number[], halves: Uint16Array): Buffer {
  const dict = `{'descr': '<f2', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  // Uint16Array is little-endian on every platform Node supports for this app (x86-64, arm64)
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength)]);
}

/** Writes the record's map file and returns its path relative to `dir` (with / separators). */
export async function writeAttributionMaps(dir: string, root: string, file: string, p: Prediction): Promise<string> {
  const rel = relative(root, file) + '.npy';
  const target = join(dir, rel);
  const per = p.leads.length * p.samples;
  const all = new Float32Array(p.attribution.length * per);
  p.attribution.forEach((a, c) => all.set(a, c * per));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, npyFloat16([p.attribution.length, p.leads.length, p.samples], toHalfArray(all)));
  return rel.split(sep).join('/');
}
