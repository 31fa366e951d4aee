import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { InferenceEngine } from '../../src/core/inference/index.ts';
import { discoverRecords, parseShard, shardItems } from '../../src/core/dataset/inputs.ts';
import { runPythonJson } from '../helpers/python.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

const run = promisify(execFile);
const cli = repoPath('bin', 'ecg-audit.mjs');
const env = { ...process.env, ECG_AUDIT_EP: 'cpu' };
const cinc = join(sharedDataDir(), 'cinc2020');
const ptbxl = (n: string) => join(sharedDataDir(), 'ptbxl', 'records100', '00000', `${n}_lr.hea`);

let work: string;
let bad: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ecg-predict-jsonl-'));
  // a header that sniffs as WFDB but names a signal file that is not there: an error line, not a stop
  bad = join(work, 'broken.hea');
  writeFileSync(bad, 'broken 12 500 5000\nbroken.dat 16 200 16 0 0 0 0 I\n');
  writeFileSync(join(work, 'README.txt'), 'notes about this folder\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cliJsonl(args: string[]): Promise<{ lines: Record<string, unknown>[]; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [cli, 'predict', ...args, '--model', tinyModelDir, '--jsonl'], {
    env,
    maxBuffer: 64 * 2 ** 20,
  });
  return {
    lines: stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr,
  };
}

describe('dataset inputs', () => {
  it('discovers records as the import does: headers only, companions folded in, sorted, each once', async () => {
    const { items, ignored } = await discoverRecords([cinc, cinc, join(cinc, 'Q0001.mat'), work]);
    const files = items.map((i) => i.file);
    expect(files).toEqual([...files].sort());
    expect(new Set(files).size).toBe(files.length);
    expect(files.filter((f) => f.startsWith(cinc))).toHaveLength(14);
    expect(files.every((f) => f.endsWith('.hea'))).toBe(true);
    // the README inside a walked folder is ignored; the broken header is a record that will fail to read
    expect(files).toContain(bad);
    expect(ignored).toBe(15);
  });

  it('an explicitly named file that is no ECG becomes a problem line', async () => {
    const { items } = await discoverRecords([join(work, 'README.txt')]);
    expect(items).toEqual([{ file: join(work, 'README.txt'), problem: expect.stringMatching(/not an ECG/) }]);
  });

  it('shards are contiguous, cover every item once and concatenate to the whole', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    for (const n of [1, 2, 5, 23, 40]) {
      const parts = Array.from({ length: n }, (_, k) => shardItems(items, { index: k + 1, count: n }));
      expect(parts.flat()).toEqual(items);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2']) expect(() => parseShard(bad)).toThrow(/K\/N/);
  });
});

describe('ecg-audit predict --jsonl', () => {
  it('streams one line per record in sorted order, error lines in place, shards that concatenate', async () => {
    const inputs = [cinc, ptbxl('00002'), ptbxl('00001'), work];
    const whole = await cliJsonl(inputs);
    const files = whole.lines.map((l) => l.file as string);
    expect(files).toEqual([...files].sort());
    expect(files).toHaveLength(14 + 2 + 1);
    const failed = whole.lines.find((l) => l.file === bad)!;
    expect(Object.keys(failed)).toEqual(['file', 'error']);
    expect(failed.error).toMatch(/broken/);
    const ok = whole.lines.find((l) => l.file === ptbxl('00001'))!;
    expect(Object.keys(ok)).toEqual(['file', 'format', 'samplingRateHz', 'durationS', 'classes', 'completenessMaxAbsError', 'warnings']);
    expect(ok).toMatchObject({ format: 'wfdb', samplingRateHz: 100, durationS: 10, warnings: [] });
    expect((ok.classes as { name: string }[]).map((c) => c.name)).toEqual(['NORM', 'MI', 'STTC', 'CD', 'HYP']);
    expect(ok.completenessMaxAbsError as number).toBeLessThan(1e-3);
    expect(whole.stderr).toMatch(/predict: 17 of 17 records/);

    // the in-process engine gives the same numbers for a record
    const engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
    try {
      const p = await engine.predict(await readEcgFile(ptbxl('00001')));
      (ok.classes as { logit: number; probability: number }[]).forEach((c, i) => {
        expect(c.logit).toBeCloseTo(p.classes[i]!.logit, 4);
        expect(c.probability).toBeCloseTo(p.classes[i]!.probability, 6);
      });
    } finally {
      await engine.close();
    }

    const shards = await Promise.all([1, 2].map((k) => cliJsonl([...inputs, '--shard', `${k}/2`])));
    const joined = shards.flatMap((s) => s.lines);
    expect(joined.map((l) => l.file)).toEqual(files);
    joined.forEach((l, i) => {
      const w = whole.lines[i]!;
      if ('error' in w) expect(l).toEqual(w);
      else
        (l.classes as { logit: number }[]).forEach((c, k) => expect(c.logit).toBeCloseTo((w.classes as { logit: number }[])[k]!.logit, 4));
    });
  });

  it('--maps writes float16 .npy files numpy reads, holding the engine W*x', async () => {
    const maps = join(work, 'maps');
    const { lines } = await cliJsonl([ptbxl('00003'), join(cinc, 'E00009.hea'), '--maps', maps]);
    expect(lines.map((l) => l.maps)).toEqual(['cinc2020/E00009.hea.npy', 'ptbxl/records100/00000/00003_lr.hea.npy']);
    const dumped = runPythonJson<{ dtype: string; shape: number[]; sums: number[] }[]>(
      'npy_dump.py',
      { files: lines.map((l) => join(maps, l.maps as string)) },
      'numpy',
    );
    const engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
    try {
      for (const [i, line] of lines.entries()) {
        const p = await engine.predict(await readEcgFile(line.file as string));
        expect(dumped[i]).toMatchObject({ dtype: 'float16', shape: [5, 12, p.samples] });
        p.attribution.forEach((a, c) => {
          const exact = a.reduce((s, v) => s + v, 0);
          expect(Math.abs(dumped[i]!.sums[c]! - exact)).toBeLessThan(1e-3 * (1 + Math.abs(exact)) + 0.05);
        });
      }
    } finally {
      await engine.close();
    }
  });

  it('exits 2 on a bad --shard or --maps without --jsonl, 1 on a missing input', async () => {
    const badShard = await run(process.execPath, [cli, 'predict', cinc, '--jsonl', '--shard', '4/3']).catch((e) => e);
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toMatch(/--shard must be K\/N/);
    const noJsonl = await run(process.execPath, [cli, 'predict', cinc]).catch((e) => e);
    expect(noJsonl.code).toBe(2);
    expect(noJsonl.stderr).toMatch(/use --jsonl/);
    const missing = await run(process.execPath, [cli, 'predict', join(work, 'nope'), '--jsonl']).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such file or folder/);
  });
});
