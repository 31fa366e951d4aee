/** Damaged and hostile inputs: each ends in a typed EcgFormatError naming the file, never a crash or hang. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyFile, EcgFormatError, readEcgFile } from '../../src/core/formats/index.ts';
import { writeWfdb } from '../helpers/ecgWriters.ts';
import { repoPath } from '../helpers/sharedData.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adc = Array.from({ length: 100 }, (_, i) => (i * 37) % 500);
function record(name: string, extra: Partial<Parameters<typeof writeWfdb>[0]> = {}): string {
  return writeWfdb({
    dir,
    record: name,
    fs: 500,
    format: 16,
    signals: [
      { name: 'I', adc },
      { name: 'II', adc },
    ],
    ...extra,
  });
}

async function expectProblem(path: string, problem: string, fileInMessage = path, options = {}): Promise<EcgFormatError> {
  const err = await readEcgFile(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EcgFormatError);
  const e = err as EcgFormatError;
  expect(e.problem).toBe(problem);
  expect(e.message).toContain(fileInMessage);
  return e;
}

describe('bad input', () => {
  it('truncated signal file', async () => {
    const hea = record('trunc');
    truncateSync(join(dir, 'trunc.dat'), 301);
    const e = await expectProblem(hea, 'truncated', join(dir, 'trunc.dat'));
    expect(e.message).toMatch(/declares 100 samples per signal, the file holds 75/);
  });

  it('header claiming more samples than the file holds', async () => {
    const hea = record('claims');
    writeFileSync(hea, readFileSync(hea, 'utf8').replace('claims 2 500 100', 'claims 2 500 5000'));
    await expectProblem(hea, 'truncated', 'claims.dat');
  });

  it('header claiming more signals than it describes', async () => {
    const hea = record('moresig');
    writeFileSync(hea, readFileSync(hea, 'utf8').replace('moresig 2 500', 'moresig 3 500'));
    await expectProblem(hea, 'bad-header');
  });

  it('header claiming more signals in a file than the file holds', async () => {
    const hea = record('wide');
    const text = readFileSync(hea, 'utf8').split('\n');
    writeFileSync(hea, [text[0].replace('wide 2', 'wide 3'), text[1], text[2], text[2].replace(' II', ' V1'), ''].join('\n'));
    await expectProblem(hea, 'truncated', 'wide.dat');
  });

  it('missing signal file', async () => {
    const hea = record('gone');
    rmSync(join(dir, 'gone.dat'));
    await expectProblem(hea, 'missing-signal-file', join(dir, 'gone.dat'));
  });

  it('unknown storage format code', async () => {
    const hea = record('fmt');
    writeFileSync(hea, readFileSync(hea, 'utf8').replaceAll('fmt.dat 16 ', 'fmt.dat 999 '));
    const e = await expectProblem(hea, 'unsupported-encoding');
    expect(e.message).toMatch(/format 999/);
  });

  it('header declaring 0 samples', async () => {
    const hea = record('zero');
    writeFileSync(hea, readFileSync(hea, 'utf8').replace('zero 2 500 100', 'zero 2 500 0'));
    await expectProblem(hea, 'truncated');
  });

  it('multi-segment record whose segment headers are missing', async () => {
    writeFileSync(join(dir, 'multi.hea'), 'multi/2 2 360 1000\nseg1 500\nseg2 500\n');
    await expectProblem(join(dir, 'multi.hea'), 'missing-signal-file', join(dir, 'seg1.hea'));
  });

  it('multi-segment record naming a segment outside its folder', async () => {
    writeFileSync(join(dir, 'escape.hea'), 'escape/2 2 360 1000\n../seg1 500\nseg2 500\n');
    await expectProblem(join(dir, 'escape.hea'), 'unsafe-content');
  });

  it('0-byte file', async () => {
    writeFileSync(join(dir, 'empty.hea'), '');
    await expectProblem(join(dir, 'empty.hea'), 'empty');
  });

  it('a file far larger than any ECG is refused before reading (sparse file)', async () => {
    const big = join(dir, 'huge.dat');
    writeFileSync(big, '');
    truncateSync(big, 20 * 2 ** 30);
    await expectProblem(big, 'too-large');
    const hea = record('hugesig');
    truncateSync(join(dir, 'hugesig.dat'), 20 * 2 ** 30);
    await expectProblem(hea, 'too-large', 'hugesig.dat');
  });

  it('a directory where a file is expected', async () => {
    mkdirSync(join(dir, 'folder.hea'));
    await expectProblem(join(dir, 'folder.hea'), 'not-a-file');
  });

  it('a symlink loop', async () => {
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    await expectProblem(join(dir, 'loop-a'), 'not-a-file');
    expect(await classifyFile(join(dir, 'loop-a'))).toBe('other');
  });

  it('a file of no ECG format', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'patient notes, nothing else\n');
    const e = await expectProblem(join(dir, 'notes.txt'), 'unknown-format');
    expect(e.message).toMatch(/not an ECG format this tool reads/);
  });

  it('a path that does not exist', async () => {
    await expectProblem(join(dir, 'nope.hea'), 'not-found');
  });
});

describe('classifyFile', () => {
  it('tells records from their companion files', async () => {
    record('cls');
    writeFileSync(join(dir, 'cls.i'), Buffer.from([0, 0]));
    expect(await classifyFile(join(dir, 'cls.hea'))).toBe('record');
    expect(await classifyFile(join(dir, 'cls.dat'))).toBe('companion');
    expect(await classifyFile(join(dir, 'cls.i'))).toBe('companion');
    writeFileSync(join(dir, 'plain.txt'), 'hello');
    expect(await classifyFile(join(dir, 'plain.txt'))).toBe('other');
  });
});

describe('CLI inspect', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [repoPath('bin', 'ecg-audit.mjs'), 'inspect', ...args], { encoding: 'utf8' });

  it('exits 1 with one line naming the file and problem', () => {
    const hea = record('cli-trunc');
    truncateSync(join(dir, 'cli-trunc.dat'), 10);
    const r = cli(hea);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cli-trunc\.dat: header cli-trunc\.hea declares 100 samples/);
    const r2 = cli(join(dir, 'notes.txt'), '--json');
    expect(r2.status).toBe(1);
    expect(r2.stdout).toBe('');
    expect(r2.stderr).toMatch(/notes\.txt: not an ECG format this tool reads/);
  });

  it('--json prints exactly one object; identifiers only with --show-identifiers', () => {
    writeFileSync(join(dir, 'id.csv'), '# fs=100\nI,II\n0.1,0.2\n0.3,0.4\n');
    const r = cli(join(dir, 'id.csv'), '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['format', 'samplingRateHz', 'durationS', 'leads', 'annotations', 'warnings', 'clinical']);
    expect(out.leads[0]).toEqual({ name: 'I', unit: 'mV', derived: false, samples: 2, mv: [0.1, 0.3] });
    expect(out.leads.map((l: { name: string; derived: boolean }) => `${l.name}${l.derived ? '*' : ''}`)).toEqual([
      'I',
      'II',
      'III*',
      'aVR*',
      'aVL*',
      'aVF*',
    ]);
    expect(JSON.parse(cli(join(dir, 'id.csv'), '--json', '--show-identifiers').stdout).identifying).toEqual({});
  });
});

describe('signal file names', () => {
  it('refuses a header that points outside its folder', async () => {
    const hea = record('escape');
    writeFileSync(hea, readFileSync(hea, 'utf8').replaceAll('escape.dat', '../escape.dat'));
    await expectProblem(hea, 'unsafe-content');
  });
});
