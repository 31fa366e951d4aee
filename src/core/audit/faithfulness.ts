/**
 * Faithfulness of an attribution A = W * x on one model window x (leads x samples, lead-major, z-scored).
 *
 * Deletion: starting from x, the samples are replaced by the baseline in the order given, in `steps` equal
 * steps (or region by region); insertion: starting from the all-baseline input, the samples of x are put back
 * in the same order.
 * The class probability is read after every step. The baseline is 0 in the z-scored input, i.e. the lead's
 * own mean; samples are replaced one by one with no interpolation, so every order perturbs the input
 * identically and only the order differs.
 */
import { seededRandom } from '../../shared/seededRandom.ts';
import { permutation, trapezoid } from './stats.ts';

/** The baseline value a removed sample takes in the z-scored model input (= the lead mean). */
export const PERTURBATION_BASELINE = 0;

/** A rectangle of one window: lead index and half-open sample range, in model samples. */
export interface Span {
  lead: number;
  start: number;
  end: number;
}

/**
 * Sample indices (lead * samples + t) by decreasing signed attribution for the class: the strongest evidence
 * for the class first, evidence against it last (most-relevant-first, as Samek et al. 2017 and Quantus' pixel
 * flipping). Ties keep index order. This is the main order of the deletion and insertion curves.
 */
export function relevanceOrder(attribution: Float32Array): Uint32Array {
  const order = new Uint32Array(attribution.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => attribution[b]! - attribution[a]! || a - b);
}

/**
 * Sample indices by decreasing |attribution|; ties keep index order. A labelled extra only: it removes evidence
 * against the class as early as evidence for it, so its curves need not fall monotonically.
 */
export function salienceOrder(attribution: Float32Array): Uint32Array {
  const order = new Uint32Array(attribution.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const mag = new Float32Array(attribution.length);
  for (let i = 0; i < mag.length; i++) mag[i] = Math.abs(attribution[i]!);
  return order.sort((a, b) => mag[b]! - mag[a]! || a - b);
}

export function randomOrder(n: number, seed: number): Uint32Array {
  return permutation(n, seededRandom(seed));
}

/**
 * Region-granularity deletion and insertion: step k removes (deletion) or adds back onto the all-baseline
 * input (insertion) the first k regions of `regions`, in that order; steps 0..regions.length, laid out like
 * perturbedInputs (deletion steps, then insertion steps). Each region is one span of one lead.
 */
export function regionPerturbedInputs(x: Float32Array, samples: number, regions: readonly Span[]): Float32Array {
  const n = x.length;
  const steps = regions.length;
  const out = new Float32Array(2 * (steps + 1) * n);
  for (let k = 0; k <= steps; k++) {
    const del = out.subarray(k * n, (k + 1) * n);
    del.set(x);
    const ins = out.subarray((steps + 1 + k) * n, (steps + 2 + k) * n);
    ins.fill(PERTURBATION_BASELINE);
    for (const r of regions.slice(0, k)) {
      const from = r.lead * samples + Math.max(0, r.start);
      const to = r.lead * samples + Math.min(samples, r.end);
      del.fill(PERTURBATION_BASELINE, from, to);
      ins.set(x.subarray(from, to), from);
    }
  }
  return out;
}

/**
 * An AUC on the scale of its own curve's start and floor, so that classes whose baseline probabilities differ
 * can be compared: (AUC - floor) / (start - floor), where start = p(x), the unperturbed input, and floor =
 * p(baseline), the all-baseline input. A deletion curve falling at once to the floor scores 0 and one staying at
 * p(x) scores 1; an insertion curve reaching p(x) at once scores 1 and one staying at the floor 0. Null when
 * |start - floor| < minSpan (the curve has no range to normalise by).
 */
export function normalisedAuc(auc: number, start: number, floor: number, minSpan = MIN_NORMALISATION_SPAN): number | null {
  const span = start - floor;
  return Math.abs(span) < minSpan ? null : (auc - floor) / span;
}

/** Below this |p(x) - p(baseline)| an AUC is not normalised (it would divide by noise). */
export const MIN_NORMALISATION_SPAN = 0.01;

/**
 * A per-record seed from the report seed and the record's pseudonym (FNV-1a), so that the same study gives the
 * same random orders in any database (the original, a package, a merge), where ids differ.
 */
export function recordSeed(seed: number, pseudonym: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pseudonym.length; i++) {
    h ^= pseudonym.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ seed) >>> 0;
}

/** Fraction of samples perturbed after each step: 0, 1/steps, ..., 1. */
export function stepFractions(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, k) => k / steps);
}

/**
 * The 2 * (steps + 1) inputs of one order: deletion steps 0..steps, then insertion steps 0..steps,
 * laid out as consecutive windows ready for one batched model run.
 */
export function perturbedInputs(x: Float32Array, order: Uint32Array, steps: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(2 * (steps + 1) * n);
  for (let k = 0; k <= steps; k++) {
    const cut = Math.round((k * n) / steps);
    const del = out.subarray(k * n, (k + 1) * n);
    del.set(x);
    for (let j = 0; j < cut; j++) del[order[j]!] = PERTURBATION_BASELINE;
    const ins = out.subarray((steps + 1 + k) * n, (steps + 2 + k) * n);
    ins.fill(PERTURBATION_BASELINE);
    for (let j = 0; j < cut; j++) ins[order[j]!] = x[order[j]!]!;
  }
  return out;
}

export interface Curves {
  /** Class probability after each deletion step (index 0: the unperturbed input). */
  deletion: number[];
  /** Class probability after each insertion step (index 0: the all-baseline input). */
  insertion: number[];
  deletionAuc: number;
  insertionAuc: number;
}

/** Splits the probabilities of perturbedInputs' windows into the two curves and their areas over [0, 1]. */
export function curvesFromProbabilities(probabilities: ArrayLike<number>, steps: number): Curves {
  const deletion = Array.from({ length: steps + 1 }, (_, k) => probabilities[k]!);
  const insertion = Array.from({ length: steps + 1 }, (_, k) => probabilities[steps + 1 + k]!);
  const x = stepFractions(steps);
  return { deletion, insertion, deletionAuc: trapezoid(x, deletion), insertionAuc: trapezoid(x, insertion) };
}

/** Share of the total |attribution| carried by the top `fraction` of samples (at least one sample). */
export function topSampleMassShare(attribution: Float32Array, fraction: number): number {
  const mags = Float64Array.from(attribution, Math.abs).sort().reverse();
  let total = 0;
  for (const v of mags) total += v;
  if (total === 0) return Number.NaN;
  const k = Math.max(1, Math.ceil(fraction * mags.length));
  let top = 0;
  for (let i = 0; i < k; i++) top += mags[i]!;
  return top / total;
}

/** The lead carrying the most |attribution| and its share of the total. */
export function topLeadMassShare(attribution: Float32Array, samples: number): { lead: number; share: number } {
  const leads = attribution.length / samples;
  let total = 0;
  let best = -1;
  let bestMass = -1;
  for (let l = 0; l < leads; l++) {
    let mass = 0;
    for (let t = 0; t < samples; t++) mass += Math.abs(attribution[l * samples + t]!);
    total += mass;
    if (mass > bestMass) {
      bestMass = mass;
      best = l;
    }
  }
  return { lead: best, share: total === 0 ? Number.NaN : bestMass / total };
}

/** How far one class's decomposition of one window is from exact: |sum(W*x) + b - logit|. */
export function completenessError(attributionSum: number, bias: number, logit: number): number {
  return Math.abs(attributionSum + bias - logit);
}
