/**
 * Reference beats for the QRS detector's tests, from the annotations that come with real records, and the
 * beat-by-beat comparison the detector is judged by (as WFDB's bxb: one-to-one matches within a tolerance).
 */
import { readFile } from 'node:fs/promises';
import { parseMitAnnotations } from '../../src/core/formats/wfdb/annotation.ts';
import type { WaveAnnotation } from '../../src/core/formats/record.ts';

/** MIT-BIH beat annotation codes (WFDB's isqrs table); rhythm, noise and comment codes are not beats. */
const BEAT_SYMBOLS = new Set(['N', 'L', 'R', 'B', 'A', 'a', 'J', 'S', 'V', 'r', 'F', 'e', 'j', 'n', 'E', '/', 'f', 'Q', '?']);

/** The beats of a MIT-format reference annotation file (e.g. MIT-BIH `.atr`), as sample indices. */
export async function mitReferenceBeats(path: string): Promise<number[]> {
  const raw = parseMitAnnotations(path, await readFile(path));
  return raw.sample.filter((_, i) => BEAT_SYMBOLS.has(raw.symbol[i]!));
}

export interface ReferenceBeat {
  /** Median of the leads' QRS peaks. */
  sample: number;
  onset: number;
  offset: number;
}

/**
 * LUDB annotates each lead on its own: one beat is the QRS annotations of the leads that overlap in time
 * (complexes of different beats never overlap), at the median of their peaks.
 */
export function ludbReferenceBeats(waves: readonly WaveAnnotation[]): ReferenceBeat[] {
  const qrs = waves.filter((w) => w.kind === 'QRS').sort((a, b) => a.onsetSample - b.onsetSample);
  const beats: ReferenceBeat[] = [];
  let group: WaveAnnotation[] = [];
  const close = () => {
    if (!group.length) return;
    const peaks = group.map((w) => w.peakSample ?? (w.onsetSample + w.offsetSample) / 2).sort((a, b) => a - b);
    beats.push({
      sample: peaks[peaks.length >> 1]!,
      onset: Math.min(...group.map((w) => w.onsetSample)),
      offset: Math.max(...group.map((w) => w.offsetSample)),
    });
    group = [];
  };
  for (const w of qrs) {
    if (group.length && w.onsetSample > Math.max(...group.map((g) => g.offsetSample))) close();
    group.push(w);
  }
  close();
  return beats;
}

export interface BeatMatch {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
}

/**
 * One-to-one matching in time order: a detection matches the first unmatched reference beat within `tolerance`
 * samples (detections are at least the detector's 200 ms refractory period apart).
 */
export function matchBeats(reference: readonly number[], detected: readonly number[], tolerance: number): BeatMatch {
  let i = 0;
  let j = 0;
  let tp = 0;
  while (i < reference.length && j < detected.length) {
    const d = detected[j]! - reference[i]!;
    if (Math.abs(d) <= tolerance) {
      tp++;
      i++;
      j++;
    } else if (d < 0) j++;
    else i++;
  }
  return { truePositives: tp, falseNegatives: reference.length - tp, falsePositives: detected.length - tp };
}
