/**
 * Heart rate from detected beats. A regular rhythm has one rate (60 / median RR); an irregular one (atrial
 * fibrillation, frequent ectopy) has none that would mean anything, so it is given as the range of its beat-to-beat
 * rates with the average (beats per minute over the span of the beats) beside it.
 */

/**
 * RR intervals whose spread (longest - shortest) exceeds this fraction of the median make a rhythm irregular.
 * Sinus rhythm in LUDB stays under it; every atrial fibrillation record there is over it (tests/signal/qrs.test.ts).
 */
export const IRREGULAR_SPREAD = 0.2;

export interface HeartRate {
  /** Beats the figures come from. */
  beats: number;
  /** 60 / median RR; shown alone only for a regular rhythm. */
  medianBpm: number;
  /** Beats per minute over the span from the first to the last beat. */
  averageBpm: number;
  /** From the longest and the shortest RR interval. */
  minBpm: number;
  maxBpm: number;
  rrMinS: number;
  rrMaxS: number;
  rrMedianS: number;
  regular: boolean;
}

/** The rate of beats at these sample indices (ascending); null with fewer than three beats (two RR intervals). */
export function heartRate(beatSamples: readonly number[], samplingRateHz: number): HeartRate | null {
  if (beatSamples.length < 3) return null;
  const rr: number[] = [];
  for (let i = 1; i < beatSamples.length; i++) rr.push((beatSamples[i]! - beatSamples[i - 1]!) / samplingRateHz);
  const sorted = [...rr].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const rrMedianS = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  const rrMinS = sorted[0]!;
  const rrMaxS = sorted[sorted.length - 1]!;
  const spanS = (beatSamples[beatSamples.length - 1]! - beatSamples[0]!) / samplingRateHz;
  return {
    beats: beatSamples.length,
    medianBpm: 60 / rrMedianS,
    averageBpm: (60 * rr.length) / spanS,
    minBpm: 60 / rrMaxS,
    maxBpm: 60 / rrMinS,
    rrMinS,
    rrMaxS,
    rrMedianS,
    regular: rrMaxS - rrMinS <= IRREGULAR_SPREAD * rrMedianS,
  };
}
