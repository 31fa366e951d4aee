import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/core/dataset/evaluate.ts';
import { runPythonJson } from '../helpers/python.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const run = promisify(execFile);
const cli = repoPath('bin', 'ecg-audit.mjs');
const data = sharedDataDir();

async function evaluate(args: string[]): Promise<Evaluation> {
  const { stdout } = await run(process.execPath, [cli, 'evaluate', ...args, '--model', tinyModelDir, '--json'], {
    env: { ...process.env, ECG_AUDIT_EP: 'cpu' },
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(stdout) as Evaluation;
}

describe('ecg-audit evaluate', () => {
  it('compares with PTB-XL, CinC and LUDB references; every figure matches scikit-learn on the same records', async () => {
    const ludb = Array.from({ length: 30 }, (_, i) => join(data, 'ludb', 'data', `${i + 1}.hea`));
    const e = await evaluate([join(data, 'ptbxl', 'records100'), join(data, 'cinc2020'), ...ludb, '--per-record', '--bootstrap', '200']);
    expect(e.sources).toEqual({ 'ptb-xl': 488, cinc: 14, ludb: 30 });
    expect(e.n).toBe(532);
    expect(e.skipped).toHaveLength(12);
    for (const s of e.skipped) expect(s.reason).toMatch(/without a diagnostic superclass/);
    expect(Object.keys(e.classes)).toEqual(['NORM', 'MI', 'STTC', 'CD', 'HYP']);
    // NORM is decided by PTB-XL only
    expect(e.classes.NORM!.n).toBe(488);
    expect(e.classes.CD!.n).toBe(532);

    // labels of the PTB-XL records are training/data.py's
    const training = runPythonJson<Record<string, string[]>>(
      'ptbxl_superclasses.py',
      { labels: join(data, 'ptbxl', 'ptbxl_database.csv') },
      '-r training/requirements.txt',
    );
    for (const r of e.records.filter((x) => x.source === 'ptb-xl')) {
      const rel = r.file
        .split('/')
        .slice(-3)
        .join('/')
        .replace(/\.hea$/, '');
      const names = Object.keys(e.classes).filter((_, c) => r.labels[c] === 1);
      expect(names.sort(), rel).toEqual([...training[rel]!].sort());
    }

    const ref = runPythonJson<{ classes: Record<string, unknown>[]; macroAuroc: unknown }>(
      'classification_reference.py',
      {
        names: Object.keys(e.classes),
        labels: e.records.map((r) => r.labels),
        probabilities: e.records.map((r) => r.probabilities),
        threshold: e.threshold,
        replicates: 200,
        seed: 0,
      },
      'numpy scikit-learn',
    );
    for (const c of ref.classes) {
      const { name, ...figures } = c as { name: string } & Record<string, unknown>;
      expect(e.classes[name]).toMatchObject(roughly(figures) as object);
    }
    expect(e.macroAuroc).toMatchObject(roughly(ref.macroAuroc) as object);
  }, 400_000);

  it('--folds selects PTB-XL folds without reading the other records, and skips other sources', async () => {
    const e = await evaluate([
      join(data, 'ptbxl', 'records100'),
      join(data, 'cinc2020', 'Q0001.hea'),
      '--folds',
      '10',
      '--bootstrap',
      '50',
    ]);
    expect(e.folds).toEqual([10]);
    expect(e.n).toBe(64);
    expect(e.excludedByFolds).toBe(434);
    expect(e.skipped.filter((s) => /--folds selects PTB-XL folds/.test(s.reason)).map((s) => s.file)).toEqual([
      join(data, 'cinc2020', 'Q0001.hea'),
    ]);
    expect(e).not.toHaveProperty('records');
    expect(Object.values(e.classes).map((c) => c.positives)).toEqual([36, 8, 16, 11, 7]);
  }, 400_000);
});

/** Numbers to 1e-12 (JSON round trip), everything else as is. */
function roughly(value: unknown): unknown {
  if (typeof value === 'number') return expect.closeTo(value, 12);
  if (Array.isArray(value)) return value.map(roughly);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roughly(v)]));
  return value;
}
