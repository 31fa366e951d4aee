/**
 * Evidence regions: the contiguous spans of one lead where a class's attribution A = W*x is strongest.
 * Rule (see docs/evidence-regions.md), per class, on the attribution of one model window at the model's rate:
 * 1. s = |A| smoothed per lead with a centred moving average of 2*round(0.01*fs)+1 samples (3 at 100 Hz, 30 ms),
 *    edges averaged over the samples that exist;
 * 2. threshold = the 95th percentile of s over all leads and samples given (linear interpolation,
 *    as numpy.percentile); a sample is "high" when s > threshold;
 * 3. on each lead, runs of high samples separated by gaps shorter than 40 ms are merged;
 * 4. runs shorter than 40 ms are dropped;
 * 5. each run's contribution is the signed sum of the unsmoothed A inside it (its share of the logit);
 * 6. the top N (default 10) runs by |contribution| are kept, ranked 1..N.
 */

export interface EvidenceRegion {
  classCode: string;
  lead: string;
  /** Samples at the model's rate, end exclusive. */
  startSample: number;
  endSample: number;
  startS: number;
  endS: number;
  /** Signed sum of W*x over the span: positive pushes the logit up. */
  contribution: number;
  /** 1 = largest |contribution| for this class. */
  rank: number;
}

export interface RegionRule {
  smoothHalfWidthS: number;
  percentile: number;
  minGapS: number;
  minWidthS: number;
  topN: number;
}

export const DEFAULT_REGION_RULE: RegionRule = { smoothHalfWidthS: 0.01, percentile: 95, minGapS: 0.04, minWidthS: 0.04, topN: 10 };

/** The k-th smallest value (0-based) of values[lo..hi], partially reordering them (Hoare quickselect). */
function selectInPlace(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** numpy.percentile(values, p) with the default linear method, in O(n); `values` is reordered. */
export function percentileInPlace(values: Float64Array, p: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const below = selectInPlace(values, lo);
  if (lo + 1 >= n || pos === lo) return below;
  // after selection everything right of lo is >= values[lo]; the next order statistic is their minimum
  let above = Infinity;
  for (let i = lo + 1; i < n; i++) if (values[i]! < above) above = values[i]!;
  return below + (pos - lo) * (above - below);
}

function smoothAbs(a: Float32Array, offset: number, n: number, half: number, out: Float64Array, outOffset: number): void {
  // running sum keeps this O(n) per lead
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let t = 0; t < n; t++) {
    const wantHi = Math.min(n - 1, t + half);
    const wantLo = Math.max(0, t - half);
    while (hi < wantHi) sum += Math.abs(a[offset + ++hi]!);
    while (lo < wantLo) sum -= Math.abs(a[offset + lo++]!);
    out[outOffset + t] = sum / (hi - lo + 1);
  }
}

/**
 * Scratch for the smoothed map and the copy the percentile reorders, reused across calls (a batch import
 * computes five maps per record; allocating them each time was most of the worker's garbage collection).
 */
let scratch = new Float64Array(0);

/**
 * Regions for one class. `attribution` is leads x samples (lead-major) of W*x (explain() passes the decisive window).
 */
export function evidenceRegions(
  classCode: string,
  attribution: Float32Array,
  leads: readonly string[],
  samples: number,
  samplingRateHz: number,
  rule: RegionRule = DEFAULT_REGION_RULE,
): EvidenceRegion[] {
  const half = Math.round(rule.smoothHalfWidthS * samplingRateHz);
  const minGap = Math.round(rule.minGapS * samplingRateHz);
  const minWidth = Math.round(rule.minWidthS * samplingRateHz);
  const n = leads.length * samples;
  if (scratch.length < 2 * n) scratch = new Float64Array(2 * n);
  const smooth = scratch.subarray(0, n);
  leads.forEach((_, l) => smoothAbs(attribution, l * samples, samples, half, smooth, l * samples));
  const sorted = scratch.subarray(n, 2 * n);
  sorted.set(smooth);
  const threshold = percentileInPlace(sorted, rule.percentile);
  const found: Omit<EvidenceRegion, 'rank'>[] = [];
  leads.forEach((lead, l) => {
    const base = l * samples;
    const spans: [number, number][] = [];
    for (let t = 0; t < samples; t++) {
      if (!(smooth[base + t]! > threshold)) continue;
      let end = t + 1;
      while (end < samples && smooth[base + end]! > threshold) end++;
      const last = spans[spans.length - 1];
      if (last && t - last[1] < minGap) last[1] = end;
      else spans.push([t, end]);
      t = end;
    }
    for (const [start, end] of spans) {
      if (end - start < minWidth) continue;
      let contribution = 0;
      for (let t = start; t < end; t++) contribution += attribution[base + t]!;
      found.push({
        classCode,
        lead,
        startSample: start,
        endSample: end,
        startS: start / samplingRateHz,
        endS: end / samplingRateHz,
        contribution,
      });
    }
  });
  return found
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, rule.topN)
    .map((r, i) => ({ ...r, rank: i + 1 }));
}
