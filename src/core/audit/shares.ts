/**
 * Shares of judgements per group (class, lead, reason code, confidence bin, rank bin), each with a Wilson
 * 95 % interval. A judgement is one rater's current label on one target.
 */
import { type Share, wilson } from './stats.ts';

export interface ShareRow {
  group: string;
  total: number;
  /** One share per value, in the order of the `values` argument. */
  shares: Record<string, Share>;
}

/** Groups `items` by every key `keysOf` returns (an item may fall in several groups, e.g. several reason codes). */
export function sharesBy<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
  valueOf: (item: T) => string,
  values: readonly string[],
  groupOrder?: readonly string[],
): ShareRow[] {
  const counts = new Map<string, Map<string, number>>();
  for (const g of groupOrder ?? []) counts.set(g, new Map());
  for (const item of items) {
    for (const key of keysOf(item)) {
      let byValue = counts.get(key);
      if (!byValue) counts.set(key, (byValue = new Map()));
      const v = valueOf(item);
      byValue.set(v, (byValue.get(v) ?? 0) + 1);
    }
  }
  return [...counts].map(([group, byValue]) => {
    const total = values.reduce((s, v) => s + (byValue.get(v) ?? 0), 0);
    return { group, total, shares: Object.fromEntries(values.map((v) => [v, wilson(byValue.get(v) ?? 0, total)])) };
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
