/**
 * Where each lead sits on the ECG "paper", in millimetres, as a printed 12-lead ECG lays it out.
 * Everything here is in paper units (mm, s, mV); pixels enter only through `pxPerMm` when drawing, which is
 * what keeps the display true to scale once the user has calibrated the screen.
 */

export const STANDARD_LEAD_ORDER = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;

export type LayoutId = '3x4' | '6x2' | '12x1';
export const LAYOUTS: readonly LayoutId[] = ['3x4', '6x2', '12x1'];
export const PAPER_SPEEDS = [25, 50] as const;
export const GAINS = [5, 10, 20] as const;

/** Calibration pulse: 1 mV high, 0.2 s wide at the paper speed, in the left margin of every row. */
export const CAL_PULSE_MV = 1;
export const CAL_PULSE_S = 0.2;
const CAL_GAP_MM = 2;
const RIGHT_PAD_MM = 2;
const TOP_PAD_MM = 2;

/** Row pitch at 10 mm/mV, per layout; larger gains widen the rows so that traces keep their room. */
const ROW_PITCH_MM: Record<LayoutId | 'focus', number> = { '3x4': 32, '6x2': 26, '12x1': 22, focus: 60 };

export interface PaperSettings {
  /** Paper speed the user picked (25 or 50 mm/s); time zoom multiplies it. */
  speedMmPerS: number;
  gainMmPerMv: number;
  /** >= 1: time magnification on top of the paper speed. */
  zoom: number;
}

/** One lead shown over one time span. */
export interface LayoutCell {
  lead: string;
  row: number;
  col: number;
  t0: number;
  t1: number;
  /** Left edge and width of the cell's time span on the paper. */
  xMm: number;
  widthMm: number;
  /** Top of the row band, its height, and the trace's zero line. */
  topMm: number;
  heightMm: number;
  baselineMm: number;
  /** True for the long lead II strip under a 3x4 print. */
  rhythm: boolean;
}

export interface PaperLayout {
  widthMm: number;
  heightMm: number;
  /** Effective mm per second (paper speed x zoom) and mm per mV. */
  mmPerS: number;
  mmPerMv: number;
  /** Time shown: every row spans [startS, startS + spanS] split across its columns. */
  startS: number;
  spanS: number;
  cells: LayoutCell[];
  /** Left edge of each row's calibration pulse and the row's zero line. */
  calibrations: { xMm: number; baselineMm: number; widthMm: number }[];
  /** Where the traces begin (after the calibration margin). */
  traceLeftMm: number;
}

/** One lead alone; `pitchMm` narrows its row (the region thumbnails), default a tall focus row. */
export type LayoutChoice = LayoutId | { focus: string; pitchMm?: number };

/** Lead names per column (3x4, 6x2) or per row, in standard order. */
function grid(choice: LayoutChoice, rhythmLead: string): { columns: string[][]; rhythm: string | null } {
  const L = STANDARD_LEAD_ORDER;
  if (typeof choice === 'object') return { columns: [[choice.focus]], rhythm: null };
  switch (choice) {
    case '3x4':
      return { columns: [L.slice(0, 3), L.slice(3, 6), L.slice(6, 9), L.slice(9, 12)], rhythm: rhythmLead };
    case '6x2':
      return { columns: [L.slice(0, 6), L.slice(6, 12)], rhythm: null };
    case '12x1':
      return { columns: [[...L]], rhythm: null };
  }
}

export interface LayoutInput {
  choice: LayoutChoice;
  durationS: number;
  /** Requested first second; clamped so the view stays inside the record. */
  startS: number;
  /** Width available for the paper. */
  viewportWidthMm: number;
  paper: PaperSettings;
  /** The 3x4 print's full-length rhythm strip: lead II, or the lead of the evidence being read. */
  rhythmLead?: string;
}

/** A printed 3x4 or 6x2 page covers 10 s, whatever the record's length; longer records are paged by panning. */
export const PRINT_PAGE_S = 10;

/** The longest span that fits the viewport at this speed, never more than the record (or a print page). */
export function visibleSpanS(durationS: number, viewportWidthMm: number, paper: PaperSettings, choice: LayoutChoice = '12x1'): number {
  const mmPerS = paper.speedMmPerS * paper.zoom;
  const available = viewportWidthMm - calMarginMm(paper) - RIGHT_PAD_MM;
  const page = choice === '3x4' || choice === '6x2' ? PRINT_PAGE_S : Number.POSITIVE_INFINITY;
  return Math.max(0.1, Math.min(durationS, page, available / mmPerS));
}

export function calMarginMm(paper: PaperSettings): number {
  return CAL_GAP_MM + CAL_PULSE_S * paper.speedMmPerS + CAL_GAP_MM;
}

export function clampStart(startS: number, spanS: number, durationS: number): number {
  return Math.min(Math.max(0, startS), Math.max(0, durationS - spanS));
}

export function buildLayout(input: LayoutInput): PaperLayout {
  const { paper } = input;
  const mmPerS = paper.speedMmPerS * paper.zoom;
  const mmPerMv = paper.gainMmPerMv;
  const spanS = visibleSpanS(input.durationS, input.viewportWidthMm, paper, input.choice);
  const startS = clampStart(input.startS, spanS, input.durationS);
  const { columns, rhythm } = grid(input.choice, input.rhythmLead ?? 'II');
  const pitchKey = typeof input.choice === 'object' ? 'focus' : input.choice;
  const basePitch = typeof input.choice === 'object' && input.choice.pitchMm ? input.choice.pitchMm : ROW_PITCH_MM[pitchKey];
  const pitch = basePitch * Math.max(1, mmPerMv / 10);
  const traceLeftMm = calMarginMm(paper);
  const colSpanS = spanS / columns.length;
  const rows = Math.max(...columns.map((c) => c.length)) + (rhythm ? 1 : 0);
  const cells: LayoutCell[] = [];
  const rowTop = (row: number): number => TOP_PAD_MM + row * pitch;
  columns.forEach((leads, col) => {
    leads.forEach((lead, row) => {
      cells.push({
        lead,
        row,
        col,
        t0: startS + col * colSpanS,
        t1: startS + (col + 1) * colSpanS,
        xMm: traceLeftMm + col * colSpanS * mmPerS,
        widthMm: colSpanS * mmPerS,
        topMm: rowTop(row),
        heightMm: pitch,
        baselineMm: rowTop(row) + pitch * 0.6,
        rhythm: false,
      });
    });
  });
  if (rhythm) {
    const row = rows - 1;
    cells.push({
      lead: rhythm,
      row,
      col: 0,
      t0: startS,
      t1: startS + spanS,
      xMm: traceLeftMm,
      widthMm: spanS * mmPerS,
      topMm: rowTop(row),
      heightMm: pitch,
      baselineMm: rowTop(row) + pitch * 0.6,
      rhythm: true,
    });
  }
  const calWidth = CAL_PULSE_S * paper.speedMmPerS;
  const calibrations = Array.from({ length: rows }, (_, row) => ({
    xMm: CAL_GAP_MM,
    baselineMm: rowTop(row) + pitch * 0.6,
    widthMm: calWidth,
  }));
  return {
    widthMm: traceLeftMm + spanS * mmPerS + RIGHT_PAD_MM,
    heightMm: TOP_PAD_MM * 2 + rows * pitch,
    mmPerS,
    mmPerMv,
    startS,
    spanS,
    cells,
    calibrations,
    traceLeftMm,
  };
}

/** The paper size of a whole page (10 s, or the record when shorter) of this layout at zoom 1. */
export function pageSizeMm(choice: LayoutChoice, durationS: number, paper: PaperSettings): { widthMm: number; heightMm: number } {
  const page = buildLayout({
    choice,
    durationS: Math.min(durationS, PRINT_PAGE_S),
    startS: 0,
    viewportWidthMm: Number.POSITIVE_INFINITY,
    paper: { ...paper, zoom: 1 },
  });
  return { widthMm: page.widthMm, heightMm: page.heightMm };
}

/**
 * Pixels per mm that fit a whole page into a box ("fit to window", as opposed to the calibrated true scale);
 * `extraHeightMm` is paper drawn at the same scale under the page (the region thumbnails).
 */
export function fitPxPerMm(
  choice: LayoutChoice,
  durationS: number,
  paper: PaperSettings,
  box: { widthPx: number; heightPx: number },
  extraHeightMm = 0,
): number {
  const page = pageSizeMm(choice, durationS, paper);
  return Math.max(0.5, Math.min(box.widthPx / page.widthMm, box.heightPx / (page.heightMm + extraHeightMm)));
}

/** Time-axis ticks for the span shown: every second, or every 0.2 s once a second is wide on the paper. */
export function timeTicks(layout: PaperLayout): { tS: number; xMm: number; major: boolean }[] {
  const step = layout.mmPerS >= 60 ? 0.2 : layout.mmPerS >= 30 ? 0.5 : 1;
  const ticks: { tS: number; xMm: number; major: boolean }[] = [];
  const first = Math.ceil(layout.startS / step - 1e-9) * step;
  for (let t = first; t <= layout.startS + layout.spanS + 1e-9; t += step) {
    const tS = Math.round(t * 1000) / 1000 + 0; // + 0: no -0
    ticks.push({ tS, xMm: layout.traceLeftMm + (tS - layout.startS) * layout.mmPerS, major: Math.abs(tS - Math.round(tS)) < 1e-6 });
  }
  return ticks;
}

/** Paper grid lines: every mm (minor) and every 5 mm (major), counted from the paper's corner. */
export function gridLines(extentMm: number): { minor: number[]; major: number[] } {
  const minor: number[] = [];
  const major: number[] = [];
  for (let mm = 0; mm <= extentMm + 1e-9; mm++) (mm % 5 === 0 ? major : minor).push(mm);
  return { minor, major };
}

/** The paper position of a time and a voltage inside a cell. */
export function cellX(cell: LayoutCell, layout: PaperLayout, tS: number): number {
  return cell.xMm + (tS - cell.t0) * layout.mmPerS;
}

export function cellY(cell: LayoutCell, layout: PaperLayout, mv: number): number {
  return cell.baselineMm - mv * layout.mmPerMv;
}

/** The cell under a paper point, if any. */
export function cellAt(layout: PaperLayout, xMm: number, yMm: number): LayoutCell | null {
  return layout.cells.find((c) => xMm >= c.xMm && xMm < c.xMm + c.widthMm && yMm >= c.topMm && yMm < c.topMm + c.heightMm) ?? null;
}

/** Caliper readings between two paper points in the same cell: interval in ms and amplitude in mV. */
export function caliperReading(
  layout: PaperLayout,
  a: { xMm: number; yMm: number },
  b: { xMm: number; yMm: number },
): {
  intervalMs: number;
  amplitudeMv: number;
} {
  return {
    intervalMs: (Math.abs(b.xMm - a.xMm) / layout.mmPerS) * 1000,
    amplitudeMv: Math.abs(b.yMm - a.yMm) / layout.mmPerMv,
  };
}

/** A new start after zooming around a time point so that the point stays under the cursor. */
export function zoomAround(anchorS: number, oldStartS: number, oldZoom: number, newZoom: number): number {
  return anchorS - ((anchorS - oldStartS) * oldZoom) / newZoom;
}
