import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREPARE_HINT, PYTHON } from './python.ts';
import { repoPath } from './sharedData.ts';

export interface ReferenceJob {
  id: string;
  /** Record path without extension. */
  record: string;
  annotations?: string[];
  /** Read with smooth_frames=False: each signal at its own samples per frame (see wfdb_dump.py). */
  expanded?: boolean;
  /** A record wfdb cannot read yields { error } instead of failing the run. */
  may_fail?: boolean;
}

export interface ReferenceRecord {
  sigName: string[];
  units: string[];
  /** samples x signals, row-major. */
  pSignal: Float64Array;
  shape: [number, number];
  /** Frames per second (the record's base sampling frequency). */
  fs: number;
  /** Samples per frame of each signal, for expanded jobs (pSignal is then each signal's samples in turn). */
  spf?: number[];
  annotations: Record<string, { sample: number[]; symbol: string[] }>;
}

/**
 * Runs wfdb-python once over all jobs (tests/helpers/wfdb_dump.py). Throws, so the test fails, when
 * python3 or wfdb is missing: the golden tests must never pass silently without their reference.
 */
export function runWfdbReference(jobs: ReferenceJob[]): { dir: string; timing: Record<string, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'wfdb-ref-'));
  const res = spawnSync(PYTHON, [repoPath('tests', 'helpers', 'wfdb_dump.py'), dir], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (res.error || res.status !== 0) {
    throw new Error(
      `wfdb-python reference failed with ${PYTHON} (needs wfdb==4.3.1; ${PREPARE_HINT}): ${res.error?.message ?? res.stderr.slice(-2000)}`,
    );
  }
  return { dir, timing: JSON.parse(readFileSync(join(dir, 'timing.json'), 'utf8')) };
}

/** The reference reading, or wfdb's error message for a may_fail job it could not read. */
export function loadReferenceOrError(dir: string, id: string): ReferenceRecord | { error: string } {
  const meta = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'));
  return meta.error !== undefined ? { error: meta.error } : loadReference(dir, id);
}

export function loadReference(dir: string, id: string): ReferenceRecord {
  const meta = JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'));
  const raw = readFileSync(join(dir, `${id}.f64`));
  const pSignal = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return {
    sigName: meta.sig_name,
    units: meta.units,
    pSignal,
    shape: meta.shape,
    fs: meta.fs,
    spf: meta.spf,
    annotations: meta.annotations,
  };
}
