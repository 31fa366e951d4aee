/**
 * Physiological localisation of positive attribution on delineated leads (LUDB-style P/QRS/T onset-offset
 * annotations). Segments per lead: P = [P onset, P offset], QRS = [QRS onset, QRS offset],
 * ST-T = [QRS offset, offset of the first T wave that starts after it and before the next QRS].
 * Only the annotated span of a lead (first annotated onset to last annotated offset) is scored, because the
 * unannotated ends are not "outside" the waves, just not delineated.
 *
 * Relevance mass accuracy: share of the positive attribution mass of the span inside each segment kind,
 * compared with that kind's share of the span's time. Peak location: which segment kind holds the sample of
 * largest positive attribution (a distribution over kinds, not Zhang et al.'s pointing game, which scores a
 * hit against a class-specific target).
 */

export const SEGMENT_KINDS = ['P', 'QRS', 'ST-T'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];
/** Where a lead's peak positive attribution can lie: in a segment kind or outside every segment. */
export const PEAK_LOCATIONS = [...SEGMENT_KINDS, 'other'] as const;
export type PeakLocation = (typeof PEAK_LOCATIONS)[number];

export interface Wave {
  kind: 'P' | 'QRS' | 'T';
  /** Inclusive sample indices at the model's sampling rate. */
  onset: number;
  offset: number;
}

export interface Segment {
  kind: SegmentKind;
  /** Half-open sample range at the model's rate. */
  start: number;
  end: number;
}

/**
 * A wave delineated at the record's rate (inclusive onset and offset samples) at another rate (`ratio` = new
 * rate / old rate): the wave covers the half-open time [onset, offset + 1) / old rate, so its inclusive
 * samples at the new rate are round(onset * ratio) .. round((offset + 1) * ratio) - 1. (Mapping the offset
 * sample itself and adding one sample afterwards lengthens every wave by about a sample at the new rate:
 * 7.7 % for a QRS at 500 -> 100 Hz.)
 */
export function waveAtRate(wave: Wave, ratio: number): Wave {
  const onset = Math.round(wave.onset * ratio);
  return { kind: wave.kind, onset, offset: Math.max(onset, Math.round((wave.offset + 1) * ratio)) - 1 };
}

/** P, QRS and ST-T segments of one lead from its delineated waves, plus the scored span. */
export function segmentsOfLead(waves: readonly Wave[]): { segments: Segment[]; span: { start: number; end: number } } | null {
  if (waves.length === 0) return null;
  const sorted = [...waves].sort((a, b) => a.onset - b.onset);
  const segments: Segment[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted[i]!;
    if (w.kind === 'P') segments.push({ kind: 'P', start: w.onset, end: w.offset + 1 });
    if (w.kind !== 'QRS') continue;
    segments.push({ kind: 'QRS', start: w.onset, end: w.offset + 1 });
    for (let j = i + 1; j < sorted.length && sorted[j]!.kind !== 'QRS'; j++) {
      const t = sorted[j]!;
      if (t.kind === 'T' && t.onset >= w.offset) {
        if (t.offset > w.offset) segments.push({ kind: 'ST-T', start: w.offset + 1, end: t.offset + 1 });
        break;
      }
    }
  }
  const start = sorted[0]!.onset;
  const end = Math.max(...sorted.map((w) => w.offset)) + 1;
  return { segments, span: { start, end } };
}

export interface LeadLocalisation {
  /** Positive attribution mass in the span, and inside each kind (for pooling over leads and records). */
  positiveMass: number;
  massIn: Record<SegmentKind, number>;
  /** Positive attribution mass inside each kind / positive mass in the span (null when the span has none). */
  massShare: Record<SegmentKind, number> | null;
  /** Each kind's samples / the span's samples. */
  timeShare: Record<SegmentKind, number>;
  /** Kind holding the largest positive attribution, 'other' when outside every segment, null when none is positive. */
  peakAt: PeakLocation | null;
}

/** Localisation of one lead's attribution (length = samples at the model rate) against its segments. */
export function localiseLead(
  attribution: ArrayLike<number>,
  segments: readonly Segment[],
  span: { start: number; end: number },
): LeadLocalisation {
  const start = Math.max(0, span.start);
  const end = Math.min(attribution.length, span.end);
  const kindAt = new Int8Array(Math.max(0, end - start)).fill(-1);
  for (const s of segments) {
    const k = SEGMENT_KINDS.indexOf(s.kind);
    for (let t = Math.max(start, s.start); t < Math.min(end, s.end); t++) kindAt[t - start] = k;
  }
  const mass = [0, 0, 0];
  const time = [0, 0, 0];
  let total = 0;
  let best = 0;
  let bestAt = -1;
  for (let t = start; t < end; t++) {
    const k = kindAt[t - start]!;
    const v = attribution[t]!;
    if (k >= 0) time[k]! += 1;
    if (v > 0) {
      total += v;
      if (k >= 0) mass[k]! += v;
      if (v > best) {
        best = v;
        bestAt = t;
      }
    }
  }
  const n = end - start;
  const record = (vals: number[], d: number): Record<SegmentKind, number> => ({ P: vals[0]! / d, QRS: vals[1]! / d, 'ST-T': vals[2]! / d });
  const peakKind = bestAt < 0 ? null : kindAt[bestAt - start]!;
  return {
    positiveMass: total,
    massIn: record(mass, 1),
    massShare: total > 0 ? record(mass, total) : null,
    timeShare: record(time, Math.max(1, n)),
    peakAt: peakKind === null ? null : peakKind < 0 ? 'other' : SEGMENT_KINDS[peakKind]!,
  };
}
