/**
 * Small statistics shared by the agreement and faithfulness reports (their seeded generator is
 * src/shared/seededRandom.ts, so every bootstrap and random order can be reproduced from report.json's seed): Wilson intervals
 * (plain and corrected for clustering), percentile (cluster) bootstrap intervals, quantiles and the trapezoidal area under a curve.
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

/** A share whose units are nested in clusters (records): the Wilson interval at the effective sample size. */
export interface ClusteredShare extends Share {
  clusters: number;
  /** Design effect: the clustered variance of the share over the variance under independence (at least 1). */
  designEffect: number | null;
}

/**
 * Wilson 95 % interval corrected for clustering (Korn and Graubard's effective sample size): with per-cluster
 * counts y_i of totals m_i (k clusters, n = sum m_i, p = sum y_i / n), the ratio-estimator variance is
 * v = k / (k - 1) * sum (y_i - p m_i)^2 / n^2, the design effect deff = max(1, v / (p (1 - p) / n)), and the
 * interval is Wilson's at n_eff = n / deff with p unchanged. deff is 1 when p is 0 or 1 or there is one cluster.
 */
export function clusteredWilson(perCluster: readonly { count: number; total: number }[], z = Z95): ClusteredShare {
  const clusters = perCluster.filter((c) => c.total > 0);
  let count = 0;
  let total = 0;
  for (const c of clusters) {
    count += c.count;
    total += c.total;
  }
  if (total <= 0) return { count, total, share: null, ci: null, clusters: 0, designEffect: null };
  const p = count / total;
  const k = clusters.length;
  let deff = 1;
  if (k > 1 && p > 0 && p < 1) {
    let ss = 0;
    for (const c of clusters) ss += (c.count - p * c.total) ** 2;
    const v = ((k / (k - 1)) * ss) / (total * total);
    deff = Math.max(1, v / ((p * (1 - p)) / total));
  }
  const eff = wilson(p * (total / deff), total / deff, z);
  return { count, total, share: p, ci: eff.ci, clusters: k, designEffect: deff };
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

/**
 * Below this many units a statistic is not reported ("too few units (n)"): a kappa on three regions is
 * noise, and its bootstrap interval collapses.
 */
export const MIN_UNITS = 10;

/**
 * A mean of per-record differences is reported from two records on (its bootstrap interval is then wide, not
 * degenerate); the MIN_UNITS floor is for agreement statistics, which are meaningless on a handful of units.
 */
export const MIN_PAIRED_UNITS = 2;

/**
 * An interval is withheld when the statistic is undefined (e.g. one category only) in more than this share of
 * the resamples: dropping those resamples silently would condition the interval on the lucky ones.
 */
export const MIN_DEFINED_RESAMPLE_SHARE = 0.9;

/** Point estimate with a percentile bootstrap 95 % interval. */
export interface BootstrapEstimate {
  estimate: number | null;
  ci: Interval | null;
  /** Units the statistic actually rests on (e.g. for Fleiss' kappa the units rated by every rater). */
  units: number;
  /** Clusters (records) those units come from: the bootstrap resamples these; equals units when unclustered. */
  clusters: number;
  /** Resamples on which the statistic was defined, of `requested`. */
  resamples: number;
  requested: number;
  /** Why the estimate or the interval is missing ("too few units (3)", ...); null when both are there. */
  note: string | null;
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
  /** Fewest units a statistic is reported on (default MIN_UNITS). */
  minUnits?: number;
}

/** One statistic over the units at `indices` (repeats allowed), and which units it can use at all. */
export interface Statistic {
  value: (indices: Uint32Array) => number;
  /** Whether the statistic uses unit u (a unit rated by one rater only does not enter an agreement statistic). */
  uses: (unit: number) => boolean;
}

/**
 * Groups units into clusters for the cluster bootstrap: `clusterOf[u]` is unit u's cluster (its record). With
 * no clusters every unit is its own.
 */
function clusterMembers(units: number, clusterOf: ArrayLike<number> | undefined): Uint32Array[] {
  if (!clusterOf) return Array.from({ length: units }, (_, u) => Uint32Array.of(u));
  const byCluster = new Map<number, number[]>();
  for (let u = 0; u < units; u++) {
    const c = clusterOf[u]!;
    let list = byCluster.get(c);
    if (!list) byCluster.set(c, (list = []));
    list.push(u);
  }
  return [...byCluster.values()].map((l) => Uint32Array.from(l));
}

/**
 * Each statistic evaluates on the units at the given indices; the point estimate uses every unit once.
 * Resamples draw whole clusters with replacement (a cluster bootstrap: units nested in a record are not
 * independent, and resampling them one by one gives intervals that are too narrow); without `clusterOf` each
 * unit is a cluster (the ordinary bootstrap). All statistics share the same resamples (drawn once), so they are
 * mutually consistent and the draws are paid for once.
 */
export function bootstrapAll<Name extends string>(
  units: number,
  statistics: Record<Name, Statistic>,
  settings: BootstrapSettings,
  clusterOf?: ArrayLike<number>,
): Record<Name, BootstrapEstimate> {
  const names = Object.keys(statistics) as Name[];
  const minUnits = settings.minUnits ?? MIN_UNITS;
  const members = clusterMembers(units, clusterOf);
  const used = names.map((name) => {
    let n = 0;
    let clusters = 0;
    for (const m of members) {
      let any = false;
      for (const u of m) {
        if (statistics[name].uses(u)) {
          n++;
          any = true;
        }
      }
      if (any) clusters++;
    }
    return { n, clusters };
  });
  const all = new Uint32Array(units);
  for (let i = 0; i < units; i++) all[i] = i;
  const points = names.map((name, s) => (used[s]!.n >= minUnits && used[s]!.n > 0 ? statistics[name].value(all) : Number.NaN));
  const draws = names.map(() => [] as number[]);
  if (points.some((p) => Number.isFinite(p))) {
    const random = seededRandom(settings.seed);
    const idx: number[] = [];
    for (let b = 0; b < settings.resamples; b++) {
      idx.length = 0;
      for (let i = 0; i < members.length; i++) for (const u of members[Math.floor(random() * members.length)]!) idx.push(u);
      const sample = Uint32Array.from(idx);
      names.forEach((name, s) => {
        if (!Number.isFinite(points[s]!)) return;
        const v = statistics[name].value(sample);
        if (Number.isFinite(v)) draws[s]!.push(v);
      });
    }
  }
  return Object.fromEntries(
    names.map((name, s) => {
      const base = { units: used[s]!.n, clusters: used[s]!.clusters, requested: settings.resamples };
      const point = points[s]!;
      if (used[s]!.n < minUnits) return [name, { ...base, estimate: null, ci: null, resamples: 0, note: `too few units (${used[s]!.n})` }];
      if (!Number.isFinite(point)) return [name, { ...base, estimate: null, ci: null, resamples: 0, note: 'undefined on these units' }];
      const sorted = draws[s]!.sort((a, b) => a - b);
      const enough = sorted.length > 0 && sorted.length >= MIN_DEFINED_RESAMPLE_SHARE * settings.resamples;
      const ci = enough ? { low: quantileSorted(sorted, 0.025), high: quantileSorted(sorted, 0.975) } : null;
      const note = enough ? null : `interval withheld: defined in ${sorted.length} of ${settings.resamples} resamples`;
      return [name, { ...base, estimate: point, ci, resamples: sorted.length, note }];
    }),
  ) as Record<Name, BootstrapEstimate>;
}

/** Area under y(x) by the trapezoidal rule; x must be increasing. */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}
