import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One measured figure; `ratio` is value / baseline value measured in the same run. */
export interface BenchFigure {
  metric: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** A target from the issue, stated for the reader (e.g. "< 50 ms"). */
  goal?: string;
}

export interface BenchResult {
  name: string;
  description: string;
  figures: BenchFigure[];
  notes?: string[];
}

/**
 * Thrown by a benchmark that cannot run here (its data set is not on this machine): the runner says why and
 * keeps that benchmark's last stored result.
 */
export class BenchSkipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BenchSkipped';
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile by the nearest-rank rule (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function withRatio(figure: Omit<BenchFigure, 'ratio'>): BenchFigure {
  return figure.baseline ? { ...figure, ratio: figure.value / figure.baseline.value } : figure;
}

export function writeResult(result: BenchResult): string {
  const file = join(repoRoot, 'bench', 'results', `${result.name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const body = { ...result, machine: machineDescription(), date: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e6)) return n.toExponential(2);
  return abs < 10 ? n.toFixed(3) : n.toFixed(1);
}

/** Rewrites the README table between the bench markers from every stored result. */
export function updateReadmeTable(results: (BenchResult & { machine: string; date: string })[]): void {
  const readme = join(repoRoot, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const rows = results.flatMap((r) =>
    r.figures.map(
      (f) =>
        `| ${r.name} | ${f.metric} | ${formatNumber(f.value)} ${f.unit} | ${
          f.baseline ? `${f.baseline.name}: ${formatNumber(f.baseline.value)} ${f.unit}` : ''
        } | ${f.ratio !== undefined ? formatNumber(f.ratio) + 'x' : ''} | ${f.goal ?? ''} |`,
    ),
  );
  const machines = [...new Set(results.map((r) => r.machine))].join('; ');
  const table = [
    START,
    `Measured on: ${machines || 'not yet run'}. Ratio = value / baseline, both measured in the same run.`,
    '',
    '| benchmark | metric | value | baseline | ratio | goal |',
    '|---|---|---|---|---|---|',
    ...rows,
    END,
  ].join('\n');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README.md lacks the bench markers');
  writeFileSync(readme, text.slice(0, start) + table + text.slice(end + END.length));
}
