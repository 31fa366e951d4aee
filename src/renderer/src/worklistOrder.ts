/**
 * Worklist filtering and the randomised order. The order is a seeded shuffle (seed = rater id + study id),
 * so each rater sees a different but stable order across sessions, and order effects average out over raters.
 */
import { seededRandom } from '../../shared/seededRandom.ts';

export interface WorklistEntry {
  recordId: number;
  predicted: string[];
  topProbability: number | null;
  labelsByMe: number;
  disagreement: boolean;
}

export interface WorklistFilter {
  classCode: string | null;
  /** Top-class probability band [min, max]. */
  minProbability: number;
  maxProbability: number;
  unlabeledByMe: boolean;
  disagreementOnly: boolean;
}

export const NO_FILTER: WorklistFilter = {
  classCode: null,
  minProbability: 0,
  maxProbability: 1,
  unlabeledByMe: false,
  disagreementOnly: false,
};

export function filterWorklist<T extends WorklistEntry>(items: readonly T[], f: WorklistFilter): T[] {
  return items.filter((it) => {
    if (f.classCode !== null && !it.predicted.includes(f.classCode)) return false;
    const p = it.topProbability;
    if (p !== null && (p < f.minProbability || p > f.maxProbability)) return false;
    if (p === null && (f.minProbability > 0 || f.maxProbability < 1)) return false;
    if (f.unlabeledByMe && it.labelsByMe > 0) return false;
    if (f.disagreementOnly && !it.disagreement) return false;
    return true;
  });
}

/** FNV-1a of the seed text: a 32-bit seed for the generator. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Fisher-Yates with the seeded generator; the input is not modified. */
export function seededShuffle<T>(items: readonly T[], seedText: string): T[] {
  const out = [...items];
  const next = seededRandom(seedFrom(seedText));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
