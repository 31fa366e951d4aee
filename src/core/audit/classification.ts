/**
 * How well predicted probabilities match reference labels, per class: AUROC (the Mann-Whitney statistic, ties
 * counted half, as scikit-learn's roc_auc_score), AUPRC (average precision, as average_precision_score), Brier score,
 * sensitivity and specificity at a threshold, with percentile bootstrap 95% CIs. Records are resampled with
 * replacement (numpy's default_rng(seed), so a PTB-XL evaluation reproduces the model card's intervals); a replicate in which a class has a single label is skipped for
 * that class, and the macro AUROC of a replicate averages the classes defined in it (as training/metrics.py does).
 * A label of null means "undetermined for this record": the record does not count for that class.
 */
import { NumpyPcg64 } from './numpyBootstrap.ts';

export type Label = 0 | 1 | null;

/** A point estimate and its percentile bootstrap 95% interval; null where undefined (a single label present). */
export interface Estimate {
  value: number | null;
  ci95: [number, number] | null;
}

export interface ClassMetrics {
  name: string;
  /** Records with a determined label for this class. */
  n: number;
  positives: number;
  auroc: Estimate;
  auprc: Estimate;
  brier: number | null;
  threshold: number;
  sensitivity: number | null;
  specificity: number | null;
  /** Confusion counts at the threshold (probability >= threshold counts as predicted). */
  confusion: { tp: number; fp: number; fn: number; tn: number };
}

export interface ClassificationMetrics {
  n: number;
  classes: ClassMetrics[];
  /** Mean of the classes' AUROCs where defined; `classes` says over how many. */
  macroAuroc: Estimate & { classes: number };
  bootstrap: { replicates: number; seed: number };
}

/**
 * Records sorted by score with their tie groups, so that AUROC and AP of any resample (given as a count per record)
 * take one pass instead of a sort.
 */
interface Ranked {
  /** Record indices by ascending score. */
  order: Uint32Array;
  /** Start offsets (into order) of the tie groups, plus order.length at the end. */
  groups: number[];
  labels: ArrayLike<number>;
}

function rank(labels: ArrayLike<number>, scores: ArrayLike<number>): Ranked {
  const order = Uint32Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const groups: number[] = [];
  for (let i = 0; i < order.length; i++) if (i === 0 || scores[order[i]!] !== scores[order[i - 1]!]) groups.push(i);
  groups.push(order.length);
  return { order, groups, labels };
}

/** Mann-Whitney AUROC with each record counted `weight` times (ties count half); null with a single label. */
function weightedAuroc(r: Ranked, weight?: ArrayLike<number>): number | null {
  let negBelow = 0;
  let num = 0;
  let pos = 0;
  for (let g = 0; g + 1 < r.groups.length; g++) {
    let posW = 0;
    let negW = 0;
    for (let k = r.groups[g]!; k < r.groups[g + 1]!; k++) {
      const i = r.order[k]!;
      const w = weight ? weight[i]! : 1;
      if (r.labels[i] === 1) posW += w;
      else negW += w;
    }
    num += posW * (negBelow + negW / 2);
    negBelow += negW;
    pos += posW;
  }
  return pos === 0 || negBelow === 0 ? null : num / (pos * negBelow);
}

/** Average precision over distinct thresholds, descending: sum of (recall step) x precision; null without positives. */
function weightedAveragePrecision(r: Ranked, weight?: ArrayLike<number>): number | null {
  let total = 0;
  for (let i = 0; i < r.labels.length; i++) if (r.labels[i] === 1) total += weight ? weight[i]! : 1;
  if (total === 0) return null;
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let g = r.groups.length - 2; g >= 0; g--) {
    for (let k = r.groups[g]!; k < r.groups[g + 1]!; k++) {
      const i = r.order[k]!;
      const w = weight ? weight[i]! : 1;
      if (r.labels[i] === 1) tp += w;
      seen += w;
    }
    if (seen === 0) continue;
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** AUROC of scores against 0/1 labels (scikit-learn's roc_auc_score); null when only one label is present. */
export function auroc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return weightedAuroc(rank(labels, scores));
}

/** Average precision (scikit-learn's average_precision_score); null without positives. */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return weightedAveragePrecision(rank(labels, scores));
}

/** numpy.percentile's default (linear interpolation between closest ranks). */
export function percentile(sorted: readonly number[], p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function ci(values: number[]): [number, number] | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return [percentile(s, 2.5), percentile(s, 97.5)];
}

/**
 * The bootstrap's resamples: `replicates` arrays of n record indices drawn with replacement, exactly as
 * training/metrics.py draws them (`rng = np.random.default_rng(seed)`, then `rng.integers(0, n, n)` per replicate).
 */
export function bootstrapIndices(n: number, replicates: number, seed: number): Uint32Array[] {
  if (n === 0) return [];
  const rng = new NumpyPcg64(seed);
  return Array.from({ length: replicates }, () => rng.integers(n, n));
}

/**
 * labels[i][c] and probabilities[i][c] for record i and class c (classes in `names` order).
 */
export function classificationMetrics(
  names: readonly string[],
  labels: readonly (readonly Label[])[],
  probabilities: readonly (readonly number[])[],
  options: { threshold: number; replicates?: number; seed?: number },
): ClassificationMetrics {
  const replicates = options.replicates ?? 1000;
  const seed = options.seed ?? 0;
  const n = labels.length;
  const resamples = bootstrapIndices(n, replicates, seed);
  const perClassBoot: { auroc: (number | null)[]; auprc: number[] }[] = [];
  const classes = names.map((name, c): ClassMetrics => {
    // the records with a determined label for this class, and where each sits among all records
    const kept: number[] = [];
    labels.forEach((l, i) => {
      if (l[c] === 0 || l[c] === 1) kept.push(i);
    });
    const y = kept.map((i) => labels[i]![c] as number);
    const p = kept.map((i) => probabilities[i]![c]!);
    const position = new Int32Array(n).fill(-1);
    kept.forEach((i, k) => (position[i] = k));
    const positives = y.filter((v) => v === 1).length;
    const confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    let brier = 0;
    y.forEach((v, i) => {
      const predicted = p[i]! >= options.threshold;
      if (v === 1) confusion[predicted ? 'tp' : 'fn']++;
      else confusion[predicted ? 'fp' : 'tn']++;
      brier += (p[i]! - v) ** 2;
    });
    const ranked = rank(y, p);
    const boot = { auroc: [] as (number | null)[], auprc: [] as number[] };
    const weight = new Float64Array(y.length);
    for (const idx of resamples) {
      weight.fill(0);
      for (const i of idx) if (position[i]! >= 0) weight[position[i]!]!++;
      const a = weightedAuroc(ranked, weight);
      boot.auroc.push(a);
      if (a !== null) boot.auprc.push(weightedAveragePrecision(ranked, weight)!);
    }
    perClassBoot.push(boot);
    const area = weightedAuroc(ranked);
    return {
      name,
      n: y.length,
      positives,
      auroc: { value: area, ci95: ci(boot.auroc.filter((v): v is number => v !== null)) },
      auprc: { value: area === null ? null : weightedAveragePrecision(ranked), ci95: ci(boot.auprc) },
      brier: y.length ? brier / y.length : null,
      threshold: options.threshold,
      sensitivity: positives ? confusion.tp / positives : null,
      specificity: y.length - positives ? confusion.tn / (y.length - positives) : null,
      confusion,
    };
  });
  const defined = classes.filter((c) => c.auroc.value !== null);
  const macroBoot: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const vals = perClassBoot.map((x) => x.auroc[b]).filter((v): v is number => v !== null && v !== undefined);
    if (vals.length) macroBoot.push(vals.reduce((s, v) => s + v, 0) / vals.length);
  }
  return {
    n,
    classes,
    macroAuroc: {
      value: defined.length ? defined.reduce((s, c) => s + c.auroc.value!, 0) / defined.length : null,
      ci95: ci(macroBoot),
      classes: defined.length,
    },
    bootstrap: { replicates, seed },
  };
}
