/**
 * Inter-rater agreement on nominal judgements. A rating table holds one row per unit (an evidence region, a
 * record verdict) and one column per rater; a cell is a category index or MISSING. Every statistic takes the
 * row indices to evaluate so the bootstrap can resample units (rows) without copying the table.
 *
 * Definitions follow the reference implementations the tests compare against:
 * Cohen's kappa as scikit-learn's cohen_kappa_score (unweighted), Fleiss' kappa as statsmodels' fleiss_kappa
 * (method 'fleiss'), Krippendorff's alpha as the `krippendorff` package at level 'nominal'.
 */
import { type BootstrapEstimate, type BootstrapSettings, bootstrapAll } from './stats.ts';

export const MISSING = -1;

export interface RatingTable {
  raters: string[];
  categories: string[];
  /** rows[u][r]: category index given by rater r to unit u, or MISSING. Not changed once statistics are computed (they cache per-unit counts). */
  rows: Int32Array[];
}

/** Builds a table from (unit, rater, category) triples; units, raters and categories keep first-seen order unless given. */
export function ratingTable(
  ratings: readonly { unit: string; rater: string; value: string }[],
  options: { raters?: string[]; categories?: string[] } = {},
): RatingTable & { units: string[] } {
  const raters = options.raters ? [...options.raters] : [...new Set(ratings.map((r) => r.rater))];
  const categories = options.categories ? [...options.categories] : [...new Set(ratings.map((r) => r.value))];
  const raterIndex = new Map(raters.map((r, i) => [r, i]));
  const catIndex = new Map(categories.map((c, i) => [c, i]));
  const unitIndex = new Map<string, number>();
  const rows: Int32Array[] = [];
  for (const { unit, rater, value } of ratings) {
    const r = raterIndex.get(rater);
    const c = catIndex.get(value);
    if (r === undefined || c === undefined) continue;
    let u = unitIndex.get(unit);
    if (u === undefined) {
      u = rows.length;
      unitIndex.set(unit, u);
      rows.push(new Int32Array(raters.length).fill(MISSING));
    }
    rows[u]![r] = c;
  }
  return { raters, categories, rows, units: [...unitIndex.keys()] };
}

/** Unweighted Cohen's kappa of two raters over the units both rated; NaN when chance agreement is 1. */
export function cohenKappa(table: RatingTable, a: number, b: number, indices: ArrayLike<number>): number {
  const K = table.categories.length;
  const confusion = new Float64Array(K * K);
  let n = 0;
  for (let i = 0; i < indices.length; i++) {
    const row = table.rows[indices[i]!]!;
    const x = row[a]!;
    const y = row[b]!;
    if (x === MISSING || y === MISSING) continue;
    confusion[x * K + y]! += 1;
    n++;
  }
  if (n === 0) return Number.NaN;
  const rowSum = new Float64Array(K);
  const colSum = new Float64Array(K);
  let agree = 0;
  for (let x = 0; x < K; x++) {
    for (let y = 0; y < K; y++) {
      const v = confusion[x * K + y]!;
      rowSum[x]! += v;
      colSum[y]! += v;
    }
    agree += confusion[x * K + x]!;
  }
  let expectedAgree = 0;
  for (let k = 0; k < K; k++) expectedAgree += (rowSum[k]! * colSum[k]!) / n;
  const observedDisagree = n - agree;
  const expectedDisagree = n - expectedAgree;
  return expectedDisagree === 0 ? Number.NaN : 1 - observedDisagree / expectedDisagree;
}

/**
 * Per unit: how many raters chose each category, how many rated it, and the number of ordered agreeing rater
 * pairs sum_c n_c (n_c - 1). Computed once per table; every statistic and bootstrap resample reuses them.
 */
interface UnitCounts {
  counts: Float64Array;
  raters: Int32Array;
  agreeingPairs: Float64Array;
}

const unitCountsCache = new WeakMap<RatingTable, UnitCounts>();

function unitCounts(table: RatingTable): UnitCounts {
  const cached = unitCountsCache.get(table);
  if (cached) return cached;
  const K = table.categories.length;
  const n = table.rows.length;
  const counts = new Float64Array(n * K);
  const raters = new Int32Array(n);
  const agreeingPairs = new Float64Array(n);
  table.rows.forEach((row, u) => {
    for (let r = 0; r < row.length; r++) {
      const c = row[r]!;
      if (c === MISSING) continue;
      counts[u * K + c]! += 1;
      raters[u]! += 1;
    }
    let pairs = 0;
    for (let k = 0; k < K; k++) pairs += counts[u * K + k]! * (counts[u * K + k]! - 1);
    agreeingPairs[u] = pairs;
  });
  const result = { counts, raters, agreeingPairs };
  unitCountsCache.set(table, result);
  return result;
}

/**
 * Fleiss' kappa over the units rated by every rater in the table (Fleiss needs the same number of ratings
 * per unit); NaN with fewer than two raters, no complete unit, or chance agreement of 1.
 */
export function fleissKappa(table: RatingTable, indices: ArrayLike<number>): number {
  const K = table.categories.length;
  const m = table.raters.length;
  if (m < 2) return Number.NaN;
  const { counts, raters, agreeingPairs } = unitCounts(table);
  const catTotals = new Float64Array(K);
  let units = 0;
  let pSum = 0;
  for (let i = 0; i < indices.length; i++) {
    const u = indices[i]!;
    if (raters[u] !== m) continue;
    for (let k = 0; k < K; k++) catTotals[k]! += counts[u * K + k]!;
    pSum += agreeingPairs[u]! / (m * (m - 1));
    units++;
  }
  if (units === 0) return Number.NaN;
  const pMean = pSum / units;
  let pExp = 0;
  for (let k = 0; k < K; k++) {
    const p = catTotals[k]! / (units * m);
    pExp += p * p;
  }
  return pExp === 1 ? Number.NaN : (pMean - pExp) / (1 - pExp);
}

/**
 * Krippendorff's alpha, nominal metric; units with fewer than two ratings are not pairable and drop out.
 * With the coincidence matrix o (unit u adds n_uc (n_uk - [c = k]) / (m_u - 1) to o_ck), its marginals n_c = sum
 * of n_uc and n = sum of m_u: alpha = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2).
 */
export function krippendorffAlpha(table: RatingTable, indices: ArrayLike<number>): number {
  const K = table.categories.length;
  const { counts, raters, agreeingPairs } = unitCounts(table);
  const nc = new Float64Array(K);
  let n = 0;
  let diagonal = 0;
  for (let i = 0; i < indices.length; i++) {
    const u = indices[i]!;
    const m = raters[u]!;
    if (m < 2) continue;
    n += m;
    diagonal += agreeingPairs[u]! / (m - 1);
    for (let k = 0; k < K; k++) nc[k]! += counts[u * K + k]!;
  }
  let sumSquares = 0;
  for (let k = 0; k < K; k++) sumSquares += nc[k]! * nc[k]!;
  const expectedDisagree = n * n - sumSquares;
  if (n <= 1 || expectedDisagree === 0) return Number.NaN;
  return 1 - ((n - 1) * (n - diagonal)) / expectedDisagree;
}

/** Mean over units with two or more ratings of the share of rater pairs that agree. */
export function percentAgreement(table: RatingTable, indices: ArrayLike<number>): number {
  const { raters, agreeingPairs } = unitCounts(table);
  let units = 0;
  let sum = 0;
  for (let i = 0; i < indices.length; i++) {
    const u = indices[i]!;
    const m = raters[u]!;
    if (m < 2) continue;
    sum += agreeingPairs[u]! / (m * (m - 1));
    units++;
  }
  return units === 0 ? Number.NaN : sum / units;
}

/** counts[x][y]: units rater a put in category x and rater b in category y. */
export function confusionTable(table: RatingTable, a: number, b: number): number[][] {
  const K = table.categories.length;
  const out = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (const row of table.rows) {
    if (row[a] !== MISSING && row[b] !== MISSING) out[row[a]!]![row[b]!]! += 1;
  }
  return out;
}

export interface PairAgreement {
  raterA: string;
  raterB: string;
  /** Units both raters rated. */
  units: number;
  cohenKappa: BootstrapEstimate;
  percentAgreement: BootstrapEstimate;
  /** Rows: rater A's category, columns: rater B's, in `categories` order. */
  confusion: number[][];
}

export interface AgreementSummary {
  categories: string[];
  /** The raters who rated at least one unit of this kind (the only ones the statistics count). */
  raters: string[];
  units: number;
  /** Units with two or more ratings. */
  pairableUnits: number;
  /** Units rated by every one of `raters` (the units Fleiss' kappa uses). */
  completeUnits: number;
  /** Records the units come from: the clusters the bootstrap resamples (equals units when unclustered). */
  clusters: number;
  percentAgreement: BootstrapEstimate;
  fleissKappa: BootstrapEstimate;
  krippendorffAlpha: BootstrapEstimate;
  pairs: PairAgreement[];
}

/** The table without the raters who rated none of its units (they would make every unit incomplete for Fleiss). */
export function withActiveRaters(table: RatingTable): RatingTable {
  const active = table.raters.flatMap((_, r) => (table.rows.some((row) => row[r] !== MISSING) ? [r] : []));
  if (active.length === table.raters.length) return table;
  return {
    raters: active.map((r) => table.raters[r]!),
    categories: table.categories,
    rows: table.rows.map((row) => Int32Array.from(active, (r) => row[r]!)),
  };
}

/**
 * Every agreement statistic of a table, each with a seeded percentile bootstrap interval. `clusterOf[u]` names
 * unit u's record when units are nested in records (regions, classes of one record): the bootstrap then
 * resamples records. Raters who rated none of the units are left out first.
 */
export function summarizeAgreement(full: RatingTable, settings: BootstrapSettings, clusterOf?: ArrayLike<number>): AgreementSummary {
  const table = withActiveRaters(full);
  const units = table.rows.length;
  const m = table.raters.length;
  const { raters } = unitCounts(table);
  const pairable = (u: number): boolean => raters[u]! >= 2;
  const complete = (u: number): boolean => m >= 2 && raters[u] === m;
  const pairs: PairAgreement[] = [];
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const kept = table.rows.flatMap((row, u) => (row[a] !== MISSING && row[b] !== MISSING ? [u] : []));
      const pairTable: RatingTable = {
        raters: [table.raters[a]!, table.raters[b]!],
        categories: table.categories,
        rows: kept.map((u) => Int32Array.of(table.rows[u]![a]!, table.rows[u]![b]!)),
      };
      const always = (): boolean => true;
      pairs.push({
        raterA: table.raters[a]!,
        raterB: table.raters[b]!,
        units: kept.length,
        ...bootstrapAll(
          kept.length,
          {
            cohenKappa: { value: (idx) => cohenKappa(pairTable, 0, 1, idx), uses: always },
            percentAgreement: { value: (idx) => percentAgreement(pairTable, idx), uses: always },
          },
          settings,
          clusterOf ? kept.map((u) => clusterOf[u]!) : undefined,
        ),
        confusion: confusionTable(table, a, b),
      });
    }
  }
  return {
    categories: table.categories,
    raters: table.raters,
    units,
    pairableUnits: table.rows.filter((_, u) => pairable(u)).length,
    completeUnits: table.rows.filter((_, u) => complete(u)).length,
    clusters: clusterOf ? new Set(Array.from({ length: units }, (_, u) => clusterOf[u]!)).size : units,
    ...bootstrapAll(
      units,
      {
        percentAgreement: { value: (idx) => percentAgreement(table, idx), uses: pairable },
        fleissKappa: { value: (idx) => fleissKappa(table, idx), uses: complete },
        krippendorffAlpha: { value: (idx) => krippendorffAlpha(table, idx), uses: pairable },
      },
      settings,
      clusterOf,
    ),
    pairs,
  };
}
