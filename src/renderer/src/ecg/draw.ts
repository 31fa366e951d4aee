/**
 * Canvas drawing of the ECG paper: grid, attribution overlay, region outlines, P/QRS/T marks, calibration pulses,
 * traces, calipers. Geometry comes from layout.ts and regions.ts (unit-tested); this file only turns it into pixels.
 * The grid is drawn once per size into its own canvas and blitted, and each lead's overlay is a 1-pixel-high
 * strip of colours scaled into place, so a frame costs a handful of drawImage calls plus the traces.
 */
import { buildLut, lutIndex } from './colorScale.ts';
import { decimateMinMax } from './decimate.ts';
import { CAL_PULSE_MV, cellY, gridLines, type LayoutCell, type PaperLayout } from './layout.ts';
import type { RegionBox } from './regions.ts';
import { WAVE_BAR_MM, WAVE_COLOURS, WAVE_TICK_MM, type WaveMark } from './waves.ts';

export const PAPER = {
  background: '#fff4f2',
  minor: '#f6c6c2',
  major: '#e58a84',
  trace: '#111111',
  label: '#3a1d1d',
  region: '#1b1b1b',
  selected: '#005a9c',
};

/** Below this many pixels per mm the 1 mm lines would merge into a pink wash; only 5 mm lines are drawn. */
const MIN_PX_FOR_MINOR = 2.5;
/** Share of the row band the overlay fills, centred on the band. */
const OVERLAY_BAND = 0.9;

export interface Trace {
  /** mV per lead name, already display-filtered. */
  leads: Map<string, Float32Array>;
  /** Subtracted before drawing so each lead sits on its row (its median). */
  offsets: Map<string, number>;
  fs: number;
}

export interface Overlay {
  /** One 1-pixel-high canvas per lead, a pixel per map sample. */
  strips: Map<string, HTMLCanvasElement>;
  rateHz: number;
}

export interface Caliper {
  a: { xMm: number; yMm: number };
  b: { xMm: number; yMm: number } | null;
  text: string;
}

export interface Scene {
  layout: PaperLayout;
  pxPerMm: number;
  trace: Trace;
  overlay: Overlay | null;
  boxes: RegionBox[];
  /** P/QRS/T delineation marks; empty when the layer is off. */
  waves: WaveMark[];
  selectedKey: string | null;
  caliper: Caliper | null;
  draft: { xMm: number; widthMm: number; cell: LayoutCell } | null;
}

/** The paper grid at this size, to be blitted under every frame. */
export function renderGrid(widthMm: number, heightMm: number, pxPerMm: number, dpr: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(widthMm * pxPerMm * dpr);
  canvas.height = Math.ceil(heightMm * pxPerMm * dpr);
  const ctx = canvas.getContext('2d')!;
  const s = pxPerMm * dpr;
  ctx.fillStyle = PAPER.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const xs = gridLines(widthMm);
  const ys = gridLines(heightMm);
  const stroke = (positions: { x: number[]; y: number[] }, color: string, width: number): void => {
    ctx.beginPath();
    // half-pixel alignment keeps 1-px lines crisp
    for (const mm of positions.x) {
      const x = Math.round(mm * s) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, canvas.height);
    }
    for (const mm of positions.y) {
      const y = Math.round(mm * s) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(canvas.width, y);
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.stroke();
  };
  if (pxPerMm >= MIN_PX_FOR_MINOR) stroke({ x: xs.minor, y: ys.minor }, PAPER.minor, Math.max(1, dpr * 0.6));
  stroke({ x: xs.major, y: ys.major }, PAPER.major, Math.max(1, dpr));
  return canvas;
}

let lut: Uint32Array | null = null;

/** A lead's overlay colours: one pixel per map sample, on the diverging scale [-max, max]. */
export function renderStrip(values: Float32Array, max: number): HTMLCanvasElement {
  lut ??= buildLut();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, values.length);
  canvas.height = 1;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(canvas.width, 1);
  const px = new Uint32Array(image.data.buffer);
  for (let i = 0; i < values.length; i++) px[i] = lut[lutIndex(values[i]!, max)]!;
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function drawOverlay(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { layout, pxPerMm: s, overlay } = scene;
  if (!overlay) return;
  ctx.imageSmoothingEnabled = false;
  for (const cell of layout.cells) {
    const strip = overlay.strips.get(cell.lead);
    if (!strip) continue;
    const sx = cell.t0 * overlay.rateHz;
    const sw = Math.min(strip.width, cell.t1 * overlay.rateHz) - sx;
    if (!(sw > 0)) continue;
    const band = cell.heightMm * OVERLAY_BAND;
    ctx.drawImage(
      strip,
      sx,
      0,
      sw,
      1,
      cell.xMm * s,
      (cell.topMm + (cell.heightMm - band) / 2) * s,
      (sw / overlay.rateHz) * layout.mmPerS * s,
      band * s,
    );
  }
}

function drawCalibrations(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { layout, pxPerMm: s } = scene;
  ctx.beginPath();
  for (const c of layout.calibrations) {
    const y0 = c.baselineMm * s;
    const y1 = (c.baselineMm - CAL_PULSE_MV * layout.mmPerMv) * s;
    const x0 = c.xMm * s;
    ctx.moveTo(x0 - 1 * s, y0);
    ctx.lineTo(x0, y0);
    ctx.lineTo(x0, y1);
    ctx.lineTo(x0 + c.widthMm * s, y1);
    ctx.lineTo(x0 + c.widthMm * s, y0);
    ctx.lineTo(x0 + (c.widthMm + 1) * s, y0);
  }
  ctx.strokeStyle = PAPER.trace;
  ctx.lineWidth = 1.3;
  ctx.lineJoin = 'miter';
  ctx.stroke();
}

function drawTraces(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { layout, pxPerMm: s, trace } = scene;
  const pxPerSample = (layout.mmPerS * s) / trace.fs;
  ctx.strokeStyle = PAPER.trace;
  ctx.lineWidth = 1.3;
  ctx.lineJoin = 'round';
  for (const cell of layout.cells) {
    const mv = trace.leads.get(cell.lead);
    if (!mv) continue;
    const offset = trace.offsets.get(cell.lead) ?? 0;
    const i0 = Math.max(0, Math.floor(cell.t0 * trace.fs));
    const i1 = Math.min(mv.length, Math.ceil(cell.t1 * trace.fs) + 1);
    const pts = decimateMinMax(mv, i0, i1, pxPerSample);
    const left = cell.xMm * s + (i0 / trace.fs - cell.t0) * layout.mmPerS * s;
    ctx.save();
    ctx.beginPath();
    ctx.rect(cell.xMm * s, 0, cell.widthMm * s, layout.heightMm * s);
    ctx.clip();
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < pts.length; k++) {
      const v = pts.ys[k]!;
      if (Number.isNaN(v)) {
        pen = false;
        continue;
      }
      const x = left + pts.xs[k]!;
      const y = cellY(cell, layout, v - offset) * s;
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    ctx.restore();
  }
}

function drawLabelsAndSeparators(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { layout, pxPerMm: s } = scene;
  ctx.fillStyle = PAPER.label;
  ctx.font = `600 ${Math.max(10, 3.2 * s)}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (const cell of layout.cells) {
    // on a patch of paper so that an overlay or a region outline never hides the lead's name
    const w = ctx.measureText(cell.lead).width;
    ctx.fillStyle = 'rgba(255, 244, 242, 0.85)';
    ctx.fillRect((cell.xMm + 0.8) * s, (cell.topMm + 0.6) * s, w + 0.8 * s, 4.2 * s);
    ctx.fillStyle = PAPER.label;
    ctx.fillText(cell.lead, (cell.xMm + 1.2) * s, (cell.topMm + 1) * s);
    if (cell.col > 0) {
      // the short bar printouts put where one lead's column ends and the next begins
      ctx.moveTo(cell.xMm * s, (cell.baselineMm - 3) * s);
      ctx.lineTo(cell.xMm * s, (cell.baselineMm + 3) * s);
    }
  }
  ctx.strokeStyle = PAPER.trace;
  ctx.lineWidth = 1.3;
  ctx.stroke();
}

function drawRegions(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { pxPerMm: s } = scene;
  const fontPx = Math.max(10, 2.8 * s);
  ctx.font = `700 ${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (const b of scene.boxes) {
    const selected = b.key === scene.selectedKey;
    ctx.strokeStyle = selected ? PAPER.selected : PAPER.region;
    ctx.lineWidth = selected ? 2.5 : 1.2;
    ctx.setLineDash(b.rank === null ? [4, 3] : []);
    ctx.strokeRect(b.xMm * s, b.yMm * s, b.widthMm * s, b.heightMm * s);
    ctx.setLineDash([]);
    if (!b.startsHere) continue;
    const label = b.rank === null ? '+' : String(b.rank);
    const w = ctx.measureText(label).width + fontPx * 0.5;
    const x = b.xMm * s;
    // bottom-left inside the box: the lead's name sits at the top-left of its cell
    const y = (b.yMm + b.heightMm) * s - fontPx * 0.55;
    ctx.fillStyle = selected ? PAPER.selected : PAPER.region;
    ctx.fillRect(x, y - fontPx * 0.55, w, fontPx * 1.1);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(label, x + fontPx * 0.25, y + 0.5);
  }
}

function drawWaves(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { pxPerMm: s } = scene;
  ctx.lineWidth = 1.2;
  for (const m of scene.waves) {
    ctx.fillStyle = ctx.strokeStyle = WAVE_COLOURS[m.kind];
    ctx.fillRect(m.xMm * s, m.yMm * s, m.widthMm * s, WAVE_BAR_MM * s);
    ctx.beginPath();
    if (m.onsetHere) {
      ctx.moveTo(m.xMm * s, m.yMm * s);
      ctx.lineTo(m.xMm * s, (m.yMm + WAVE_TICK_MM) * s);
    }
    if (m.offsetHere) {
      ctx.moveTo((m.xMm + m.widthMm) * s, m.yMm * s);
      ctx.lineTo((m.xMm + m.widthMm) * s, (m.yMm + WAVE_TICK_MM) * s);
    }
    ctx.stroke();
  }
}

function drawInteraction(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const { pxPerMm: s, layout } = scene;
  if (scene.draft) {
    const { cell, xMm, widthMm } = scene.draft;
    ctx.fillStyle = 'rgba(0, 90, 156, 0.18)';
    ctx.fillRect(xMm * s, cell.topMm * s, widthMm * s, cell.heightMm * s);
  }
  const c = scene.caliper;
  if (!c) return;
  ctx.strokeStyle = PAPER.selected;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const points = c.b ? [c.a, c.b] : [c.a];
  for (const p of points) {
    ctx.moveTo(p.xMm * s, 0);
    ctx.lineTo(p.xMm * s, layout.heightMm * s);
    ctx.moveTo((p.xMm - 4) * s, p.yMm * s);
    ctx.lineTo((p.xMm + 4) * s, p.yMm * s);
  }
  ctx.stroke();
  if (c.b && c.text) {
    ctx.font = `600 ${Math.max(11, 3 * s)}px system-ui, sans-serif`;
    const x = (Math.max(c.a.xMm, c.b.xMm) + 1.5) * s;
    const y = (Math.min(c.a.yMm, c.b.yMm) - 1.5) * s;
    const w = ctx.measureText(c.text).width + 8;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
    ctx.fillRect(x - 4, y - 9 - 4, w, 22);
    ctx.fillStyle = PAPER.selected;
    ctx.textBaseline = 'middle';
    ctx.fillText(c.text, x, y);
  }
}

/** One full frame; `ctx` is already scaled for the device pixel ratio. */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, grid: HTMLCanvasElement): void {
  const { layout, pxPerMm: s } = scene;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(grid, 0, 0, layout.widthMm * s, layout.heightMm * s);
  drawOverlay(ctx, scene);
  drawRegions(ctx, scene);
  drawWaves(ctx, scene);
  drawCalibrations(ctx, scene);
  drawTraces(ctx, scene);
  drawLabelsAndSeparators(ctx, scene);
  drawInteraction(ctx, scene);
}
