/**
 * Trace decimation for drawing: when several samples fall on one pixel column, drawing their min and max
 * gives the same picture as drawing them all (every spike keeps its height) at a fraction of the cost.
 */

export interface TracePoints {
  /** x in pixels from the span start, y the sample value (NaN breaks the line). */
  xs: Float64Array;
  ys: Float64Array;
  length: number;
}

/**
 * Points to draw for samples [i0, i1) mapped to x = (i - i0) * pxPerSample. Below two samples per pixel every
 * sample is kept; above, each pixel column contributes its first, min, max and last sample in time order.
 * NaN samples break the line (returned as NaN y).
 */
export function decimateMinMax(values: Float32Array, i0: number, i1: number, pxPerSample: number): TracePoints {
  const from = Math.max(0, i0);
  const to = Math.min(values.length, i1);
  const n = Math.max(0, to - from);
  if (pxPerSample >= 0.5 || n < 4) {
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      xs[k] = (from + k - i0) * pxPerSample;
      ys[k] = values[from + k]!;
    }
    return { xs, ys, length: n };
  }
  let nans = 0;
  for (let k = from; k < to; k++) if (Number.isNaN(values[k]!)) nans++;
  // each pixel column yields at most 4 points per NaN-free run; each NaN yields one break point
  const capacity = 4 * (Math.ceil(n * pxPerSample) + 1 + nans) + nans;
  const xs = new Float64Array(capacity);
  const ys = new Float64Array(capacity);
  let out = 0;
  let k = 0;
  while (k < n) {
    if (Number.isNaN(values[from + k]!)) {
      xs[out] = (from + k - i0) * pxPerSample;
      ys[out] = Number.NaN;
      out++;
      k++;
      continue;
    }
    const col = Math.floor((from + k - i0) * pxPerSample);
    let minI = k;
    let maxI = k;
    const first = k;
    let last = k;
    while (k < n && !Number.isNaN(values[from + k]!) && Math.floor((from + k - i0) * pxPerSample) === col) {
      const v = values[from + k]!;
      if (v < values[from + minI]!) minI = k;
      if (v > values[from + maxI]!) maxI = k;
      last = k;
      k++;
    }
    for (const p of [first, Math.min(minI, maxI), Math.max(minI, maxI), last]) {
      xs[out] = (from + p - i0) * pxPerSample;
      ys[out] = values[from + p]!;
      out++;
    }
  }
  return { xs, ys, length: out };
}
