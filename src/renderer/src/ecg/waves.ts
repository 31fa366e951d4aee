/**
 * P/QRS/T delineation on the paper: each annotated wave of a lead becomes a short bar along the top of every cell
 * that shows that lead at that time, from its onset to its offset, with a tick where the wave starts and where it
 * ends (no tick where the cell cuts the wave off). Geometry only; draw.ts paints it.
 */
import { cellX, type PaperLayout } from './layout.ts';

export type WaveKind = 'P' | 'QRS' | 'T';

export interface WaveSpan {
  lead: string;
  kind: WaveKind;
  onsetS: number;
  offsetS: number;
}

export interface WaveMark {
  kind: WaveKind;
  xMm: number;
  widthMm: number;
  /** Top of the bar; the ticks run down from it by TICK_MM. */
  yMm: number;
  onsetHere: boolean;
  offsetHere: boolean;
}

/** The bar sits this far under the top of the row band, clear of the neighbouring row's trace. */
export const WAVE_BAR_TOP_MM = 0.6;
export const WAVE_BAR_MM = 1;
export const WAVE_TICK_MM = 3;

/** Colours apart from the evidence overlay (orange / purple), the selection (blue) and the pink paper. */
export const WAVE_COLOURS: Record<WaveKind, string> = { P: '#1b7837', QRS: '#222222', T: '#c51b1b' };

export const WAVE_NAMES: Record<WaveKind, string> = { P: 'P wave', QRS: 'QRS complex', T: 'T wave' };

export function waveMarks(layout: PaperLayout, waves: readonly WaveSpan[]): WaveMark[] {
  const marks: WaveMark[] = [];
  for (const cell of layout.cells) {
    for (const w of waves) {
      if (w.lead !== cell.lead) continue;
      const from = Math.max(w.onsetS, cell.t0);
      const to = Math.min(w.offsetS, cell.t1);
      if (!(to > from)) continue;
      marks.push({
        kind: w.kind,
        xMm: cellX(cell, layout, from),
        widthMm: (to - from) * layout.mmPerS,
        yMm: cell.topMm + WAVE_BAR_TOP_MM,
        onsetHere: w.onsetS >= cell.t0,
        offsetHere: w.offsetS <= cell.t1,
      });
    }
  }
  return marks;
}
