/**
 * Evidence-region outlines on the paper: a region is a span of one lead (samples at the attribution map's
 * rate, end exclusive); it is outlined in every cell that shows that lead over an overlapping time span,
 * clipped to the cell, and labelled with its rank.
 */
import { cellX, type LayoutCell, type PaperLayout } from './layout.ts';

export interface RegionSpan {
  /** Stable key: a stored region id, or a drawn region's key. */
  key: string;
  lead: string;
  startSample: number;
  endSample: number;
  /** 1 = largest |contribution|; drawn regions carry none. */
  rank: number | null;
  contribution: number | null;
}

/**
 * A region's contribution with its direction in words: "+ for 0.412" pushes the class up, "− against 0.230"
 * pushes it down (ranks are by magnitude, so evidence against can rank first); drawn regions have none.
 */
export function contributionText(contribution: number | null): string {
  if (contribution === null) return 'drawn';
  return contribution > 0 ? `+ for ${contribution.toFixed(3)}` : `\u2212 against ${Math.abs(contribution).toFixed(3)}`;
}

export interface RegionBox {
  key: string;
  rank: number | null;
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
  /** False when the region continues beyond the cell's left edge (the label is drawn only where it starts). */
  startsHere: boolean;
}

/** Fraction of the row band that the outline covers, centred on the band. */
const BAND = 0.9;

export function regionBoxes(layout: PaperLayout, regions: readonly RegionSpan[], rateHz: number): RegionBox[] {
  const boxes: RegionBox[] = [];
  for (const r of regions) {
    const startS = r.startSample / rateHz;
    const endS = r.endSample / rateHz;
    for (const cell of layout.cells) {
      if (cell.lead !== r.lead) continue;
      const box = clipToCell(cell, layout, startS, endS);
      if (!box) continue;
      boxes.push({ key: r.key, rank: r.rank, ...box });
    }
  }
  return boxes;
}

function clipToCell(cell: LayoutCell, layout: PaperLayout, startS: number, endS: number): Omit<RegionBox, 'key' | 'rank'> | null {
  const from = Math.max(startS, cell.t0);
  const to = Math.min(endS, cell.t1);
  if (!(to > from)) return null;
  const pad = (cell.heightMm * (1 - BAND)) / 2;
  return {
    xMm: cellX(cell, layout, from),
    yMm: cell.topMm + pad,
    widthMm: (to - from) * layout.mmPerS,
    heightMm: cell.heightMm * BAND,
    startsHere: startS >= cell.t0,
  };
}

/** Regions in reading order for J/K: by rank (largest contribution first), drawn regions last by start. */
export function regionOrder<T extends RegionSpan>(regions: readonly T[]): T[] {
  return [...regions].sort((a, b) => {
    if (a.rank !== null && b.rank !== null) return a.rank - b.rank;
    if (a.rank !== null) return -1;
    if (b.rank !== null) return 1;
    return a.startSample - b.startSample;
  });
}

/** Converts a time span drawn by the user to samples at the map's rate, ordered and at least one sample. */
export function drawnSpanToSamples(
  aS: number,
  bS: number,
  rateHz: number,
  totalSamples: number,
): { startSample: number; endSample: number } {
  const lo = Math.max(0, Math.floor(Math.min(aS, bS) * rateHz));
  const hi = Math.min(totalSamples, Math.ceil(Math.max(aS, bS) * rateHz));
  return { startSample: Math.min(lo, totalSamples - 1), endSample: Math.max(hi, Math.min(lo, totalSamples - 1) + 1) };
}
