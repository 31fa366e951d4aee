import { describe, expect, it } from 'vitest';
import {
  buildLayout,
  caliperReading,
  cellAt,
  cellX,
  cellY,
  clampStart,
  gridLines,
  STANDARD_LEAD_ORDER,
  visibleSpanS,
  zoomAround,
} from '../../src/renderer/src/ecg/layout.ts';

const paper = { speedMmPerS: 25, gainMmPerMv: 10, zoom: 1 };

describe('paper layout', () => {
  it('prints 3x4 as four 2.5 s columns in standard order with a full-length lead II rhythm strip', () => {
    const l = buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    expect(l.spanS).toBe(10);
    expect(l.cells).toHaveLength(13);
    const grid = l.cells.filter((c) => !c.rhythm);
    expect(grid.map((c) => c.lead)).toEqual([...STANDARD_LEAD_ORDER]);
    // column k covers [2.5k, 2.5(k+1)) and is 62.5 mm wide at 25 mm/s
    for (const c of grid) {
      expect(c.t0).toBeCloseTo(c.col * 2.5);
      expect(c.t1).toBeCloseTo((c.col + 1) * 2.5);
      expect(c.widthMm).toBeCloseTo(62.5);
    }
    expect(grid.find((c) => c.lead === 'aVR')).toMatchObject({ row: 0, col: 1 });
    expect(grid.find((c) => c.lead === 'V6')).toMatchObject({ row: 2, col: 3 });
    const rhythm = l.cells.find((c) => c.rhythm)!;
    expect(rhythm).toMatchObject({ lead: 'II', row: 3, t0: 0, t1: 10 });
    expect(rhythm.widthMm).toBeCloseTo(250);
    expect(l.calibrations).toHaveLength(4);
  });

  it('lays out 6x2 with limb leads left and chest leads right, and 12x1 one lead per row', () => {
    const six = buildLayout({ choice: '6x2', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    expect(six.cells.filter((c) => c.col === 0).map((c) => c.lead)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF']);
    expect(six.cells.filter((c) => c.col === 1).map((c) => c.lead)).toEqual(['V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    expect(six.cells[6]!.t0).toBeCloseTo(5);
    const twelve = buildLayout({ choice: '12x1', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    expect(twelve.cells.map((c) => c.row)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(twelve.cells.every((c) => c.t0 === 0 && c.t1 === 10)).toBe(true);
  });

  it('focuses one lead over the full width', () => {
    const l = buildLayout({ choice: { focus: 'V2' }, durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    expect(l.cells).toEqual([expect.objectContaining({ lead: 'V2', t0: 0, t1: 10 })]);
  });

  it('maps 1 mV to 10 mm and 1 s to 25 mm at the defaults, and doubles at 50 mm/s and 20 mm/mV', () => {
    const l = buildLayout({ choice: '12x1', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    const c = l.cells[0]!;
    expect(cellX(c, l, 1) - cellX(c, l, 0)).toBeCloseTo(25);
    expect(cellY(c, l, 0) - cellY(c, l, 1)).toBeCloseTo(10);
    const fast = buildLayout({
      choice: '12x1',
      durationS: 10,
      startS: 0,
      viewportWidthMm: 600,
      paper: { speedMmPerS: 50, gainMmPerMv: 20, zoom: 1 },
    });
    const f = fast.cells[0]!;
    expect(cellX(f, fast, 1) - cellX(f, fast, 0)).toBeCloseTo(50);
    expect(cellY(f, fast, 0) - cellY(f, fast, 1)).toBeCloseTo(20);
    // rows grow with the gain so the traces keep their room
    expect(f.heightMm).toBeCloseTo(2 * c.heightMm);
  });

  it('shows only what fits the viewport when zoomed, and clamps panning to the record', () => {
    const z = { ...paper, zoom: 4 };
    const span = visibleSpanS(10, 300, z);
    expect(span).toBeLessThan(3);
    const l = buildLayout({ choice: '12x1', durationS: 10, startS: 50, viewportWidthMm: 300, paper: z });
    expect(l.startS + l.spanS).toBeCloseTo(10);
    expect(clampStart(-3, 2, 10)).toBe(0);
    expect(l.mmPerS).toBe(100);
  });

  it('prints 3x4 and 6x2 as a 10 s page of a longer record, while 12x1 shows what fits', () => {
    const long = buildLayout({ choice: '3x4', durationS: 60, startS: 0, viewportWidthMm: 600, paper });
    expect(long.spanS).toBe(10);
    expect(long.cells[0]!.t1).toBeCloseTo(2.5);
    const paged = buildLayout({ choice: '6x2', durationS: 60, startS: 20, viewportWidthMm: 600, paper });
    expect(paged.cells[0]!.t0).toBe(20);
    const strip = buildLayout({ choice: '12x1', durationS: 60, startS: 0, viewportWidthMm: 600, paper });
    expect(strip.spanS).toBeGreaterThan(20);
  });

  it('keeps the time under the cursor fixed when zooming', () => {
    const start = zoomAround(4, 2, 1, 2);
    // 4 s was 2 s into the view at zoom 1 (50 mm); at zoom 2 it is 1 s into the view (also 50 mm)
    expect(start).toBeCloseTo(3);
  });

  it('finds the cell under a point and measures calipers in ms and mV', () => {
    const l = buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
    const v1 = l.cells.find((c) => c.lead === 'V1')!;
    expect(cellAt(l, v1.xMm + 1, v1.topMm + 1)?.lead).toBe('V1');
    expect(cellAt(l, 0, 0)).toBeNull();
    const r = caliperReading(l, { xMm: 10, yMm: 20 }, { xMm: 30, yMm: 5 });
    expect(r.intervalMs).toBeCloseTo(800);
    expect(r.amplitudeMv).toBeCloseTo(1.5);
  });

  it('draws a major line every 5 mm and minor lines in between', () => {
    const g = gridLines(10);
    expect(g.major).toEqual([0, 5, 10]);
    expect(g.minor).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
  });
});
