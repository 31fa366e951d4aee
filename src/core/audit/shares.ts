/**
 * Shares of judgements per group (class, lead, reason code, confidence bin, rank bin), each with a 95 %
 * interval. A judgement is one rater's current label on one target. Judgements are nested in records (several
 * regions and several raters per record), so the interval is Wilson's corrected for that clustering
 * (clusteredWilson: the effective sample size n / design effect).
 */
import { type ClusteredShare, clusteredWilson } from './stats.ts';

export interface ShareRow {
  group: string;
  total: number;
  /** Records the group's judgements come from (the clusters). */
  clusters: number;
  /** One share per value, in the order of the `values` argument. */
  shares: Record<string, ClusteredShare>;
}

/**
 * Groups `items` by every key `keysOf` returns (an item may fall in several groups, e.g. several reason codes).
 * `clusterOf` names the record an item belongs to (an item that is a record names itself).
 */
export function sharesBy<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
  valueOf: (item: T) => string,
  values: readonly string[],
  groupOrder: readonly string[] | undefined,
  clusterOf: (item: T) => string,
): ShareRow[] {
  const groups = new Map<string, T[]>();
  for (const g of groupOrder ?? []) groups.set(g, []);
  for (const item of items) {
    for (const key of keysOf(item)) {
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(item);
    }
  }
  const counted = new Set(values);
  return [...groups].map(([group, list]) => {
    const inScope = list.filter((item) => counted.has(valueOf(item)));
    const byCluster = new Map<string, T[]>();
    inScope.forEach((item) => {
      const c = clusterOf(item);
      let l = byCluster.get(c);
      if (!l) byCluster.set(c, (l = []));
      l.push(item);
    });
    const shareOf = (v: string): ClusteredShare =>
      clusteredWilson([...byCluster.values()].map((l) => ({ count: l.filter((item) => valueOf(item) === v).length, total: l.length })));
    return { group, total: inScope.length, clusters: byCluster.size, shares: Object.fromEntries(values.map((v) => [v, shareOf(v)])) };
  });
}

/** Half-open probability bins [edges[i], edges[i+1]), the last one closed at 1. */
export const CONFIDENCE_EDGES = [0, 0.5, 0.7, 0.9, 1] as const;

export function confidenceBin(p: number, edges: readonly number[] = CONFIDENCE_EDGES): string {
  for (let i = 0; i < edges.length - 1; i++) {
    const last = i === edges.length - 2;
    if (p >= edges[i]! && (p < edges[i + 1]! || (last && p <= edges[i + 1]!))) return confidenceLabel(edges, i);
  }
  return 'out of range';
}

export function confidenceBins(edges: readonly number[] = CONFIDENCE_EDGES): string[] {
  return edges.slice(0, -1).map((_, i) => confidenceLabel(edges, i));
}

function confidenceLabel(edges: readonly number[], i: number): string {
  return `${edges[i]!.toFixed(1)}-${edges[i + 1]!.toFixed(1)}`;
}

/** Contribution rank bins: 1, 2, 3, 4-5, 6+. */
export const RANK_BINS = ['1', '2', '3', '4-5', '6+'] as const;

export function rankBin(rank: number): string {
  if (rank <= 3) return String(Math.max(1, rank));
  return rank <= 5 ? '4-5' : '6+';
}
