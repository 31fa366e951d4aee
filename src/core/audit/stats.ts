/**
 * Small statistics shared by the agreement and faithfulness reports (their seeded generator is
 * src/shared/seededRandom.ts, so every bootstrap and random order can be reproduced from report.json's seed): Wilson intervals,
 * percentile bootstrap intervals, quantiles and the trapezoidal area under a curve.
 */

import { seededRandom } from '../../shared/seededRandom.ts';

/** 97.5th percentile of the standard normal, for two-sided 95 % intervals. */
export const Z95 = 1.959963984540054;

/** Fisher-Yates permutation of 0..n-1 drawn from `random`. */
export function permutation(n: number, random: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

export interface Interval {
  low: number;
  high: number;
}

/** A share with its Wilson score 95 % interval; null interval when there is nothing to share. */
export interface Share {
  count: number;
  total: number;
  share: number | null;
  ci: Interval | null;
}

export function wilson(count: number, total: number, z = Z95): Share {
  if (total <= 0) return { count, total, share: null, ci: null };
  const p = count / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  return { count, total, share: p, ci: { low: Math.max(0, center - half), high: Math.min(1, center + half) } };
}

/** Linear-interpolation quantile (numpy's default) of already sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Summary {
  n: number;
  mean: number | null;
  min: number | null;
  p05: number | null;
  median: number | null;
  p95: number | null;
  max: number | null;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return { n, mean: null, min: null, p05: null, median: null, p95: null, max: null };
  return {
    n,
    mean: finite.reduce((s, v) => s + v, 0) / n,
    min: finite[0]!,
    p05: quantileSorted(finite, 0.05),
    median: quantileSorted(finite, 0.5),
    p95: quantileSorted(finite, 0.95),
    max: finite[n - 1]!,
  };
}

/** Point estimate with a percentile bootstrap 95 % interval over resampled units. */
export interface BootstrapEstimate {
  estimate: number | null;
  ci: Interval | null;
  /** Units the estimate is computed over. */
  units: number;
  /** Resamples whose statistic was defined (a resample can, e.g., hold one category only). */
  resamples: number;
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
}

/**
 * Each statistic `f(indices)` evaluates on the units at `indices` (repeats allowed); the point estimate uses
 * every unit once. All statistics share the same resamples (drawn once), so they are mutually consistent and
 * the draws are paid for once. Undefined statistics (NaN) are dropped from their resample distribution.
 */
export function bootstrapAll<Name extends string>(
  units: number,
  statistics: Record<Name, (indices: Uint32Array) => number>,
  settings: BootstrapSettings,
): Record<Name, BootstrapEstimate> {
  const names = Object.keys(statistics) as Name[];
  const all = new Uint32Array(units);
  for (let i = 0; i < units; i++) all[i] = i;
  const points = names.map((name) => (units > 0 ? statistics[name](all) : Number.NaN));
  const draws = names.map(() => [] as number[]);
  if (points.some((p) => Number.isFinite(p))) {
    const random = seededRandom(settings.seed);
    const idx = new Uint32Array(units);
    for (let b = 0; b < settings.resamples; b++) {
      for (let i = 0; i < units; i++) idx[i] = Math.floor(random() * units);
      names.forEach((name, s) => {
        if (!Number.isFinite(points[s]!)) return;
        const v = statistics[name](idx);
        if (Number.isFinite(v)) draws[s]!.push(v);
      });
    }
  }
  return Object.fromEntries(
    names.map((name, s) => {
      const point = points[s]!;
      if (!Number.isFinite(point)) return [name, { estimate: null, ci: null, units, resamples: 0 }];
      const sorted = draws[s]!.sort((a, b) => a - b);
      const ci = sorted.length > 0 ? { low: quantileSorted(sorted, 0.025), high: quantileSorted(sorted, 0.975) } : null;
      return [name, { estimate: point, ci, units, resamples: sorted.length }];
    }),
  ) as Record<Name, BootstrapEstimate>;
}

/** Area under y(x) by the trapezoidal rule; x must be increasing. */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}
