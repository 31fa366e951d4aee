import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPythonJson } from './python.ts';
import { repoPath } from './sharedData.ts';

export const LINEAR_CLASSES = ['NORM', 'MI', 'STTC'];
export const LINEAR_LEADS = 12;
export const LINEAR_LENGTH = 1000;

/** W[c][l][t] of the hand-built linear model (tests/helpers/linear_onnx.py), computed independently here. */
export function linearW(c: number, l: number, t: number): number {
  return Math.fround(0.01 * Math.sin(0.013 * (t + 1) * (l + 1) + 0.7 * c));
}

export function linearBias(c: number): number {
  return Math.fround(0.1 * c - 0.2);
}

/** Writes the linear model folder into a fresh temporary directory and returns its path. */
export function writeLinearModel(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ecg-linear-')), 'linear-imn');
  runPythonJson('linear_onnx.py', {}, 'onnx numpy', [dir, repoPath('tests', 'fixtures', 'models', 'tiny-imn', 'model.json')]);
  return dir;
}
