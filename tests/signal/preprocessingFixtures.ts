/** Reads tests/fixtures/preprocessing (written by `python -m training.make_test_vectors`; layout in its README). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordSignal } from '../../src/core/signal/preprocess.ts';
import { repoPath } from '../helpers/sharedData.ts';

export const fixtureDir = repoPath('tests', 'fixtures', 'preprocessing');
export const tinyModelDir = repoPath('tests', 'fixtures', 'models', 'tiny-imn');

export interface ArrayRef {
  file: string;
  dtype: 'float32' | 'float64';
  shape: number[];
}

interface ModelOutputs {
  logits: number[][];
  bias: number[][];
  probabilityMax: number[];
  W?: ArrayRef;
}

export interface PipelineCase {
  id: string;
  description: string;
  sourceRateHz: number;
  leadNames: string[];
  raw: ArrayRef;
  resample: { up: number; down: number };
  resampledLength: number;
  resampled?: ArrayRef;
  error: { kind: string; message: string } | null;
  windowStarts?: number[];
  windows?: ArrayRef;
  tinyImn?: { torch: ModelOutputs; onnxruntime: ModelOutputs };
}

export interface ResampleCase {
  id: string;
  up: number;
  down: number;
  input: ArrayRef;
  output: ArrayRef;
}

export interface FixtureIndex {
  leadOrder: string[];
  cases: PipelineCase[];
  resampleOnly: ResampleCase[];
}

export function fixtureIndex(): FixtureIndex {
  return JSON.parse(readFileSync(join(fixtureDir, 'index.json'), 'utf8')) as FixtureIndex;
}

export function readArray(ref: ArrayRef): Float32Array | Float64Array {
  const buf = readFileSync(join(fixtureDir, ref.file));
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const arr = ref.dtype === 'float32' ? new Float32Array(bytes) : new Float64Array(bytes);
  const expected = ref.shape.reduce((a, b) => a * b, 1);
  if (arr.length !== expected) throw new Error(`${ref.file}: ${arr.length} values, shape says ${expected}`);
  return arr;
}

/** A fixture case as the record the formats layer would produce (only what preprocessing reads). */
export function caseRecord(c: PipelineCase): RecordSignal {
  const raw = readArray(c.raw) as Float32Array;
  const n = c.raw.shape[1]!;
  return {
    sourcePath: `fixture:${c.id}`,
    samplingRateHz: c.sourceRateHz,
    leads: c.leadNames.map((name, i) => ({ name, mv: raw.slice(i * n, (i + 1) * n) }) as RecordSignal['leads'][number]),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d;
  }
  return m;
}
