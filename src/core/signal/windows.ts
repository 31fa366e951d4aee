/**
 * Windowing rule shared with training/preprocess.py: windows of L samples stepping by round(L * (1 - overlap));
 * when the last regular window stops short of the end, one more window aligned to the end covers the rest.
 * A record of exactly L samples has one window; shorter records are refused before this point.
 */
export function windowStarts(samples: number, length: number, overlap: number): number[] {
  if (samples < length) throw new RangeError(`${samples} samples is shorter than one window of ${length}`);
  const step = Math.max(1, Math.round(length * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + length <= samples; s += step) starts.push(s);
  const last = starts[starts.length - 1]!;
  if (last + length < samples) starts.push(samples - length);
  return starts;
}
