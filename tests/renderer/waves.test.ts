import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../src/renderer/src/ecg/layout.ts';
import { WAVE_BAR_TOP_MM, waveMarks, type WaveSpan } from '../../src/renderer/src/ecg/waves.ts';

const paper = { speedMmPerS: 25, gainMmPerMv: 10, zoom: 1 };
const layout = buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
const wave = (lead: string, kind: WaveSpan['kind'], onsetS: number, offsetS: number): WaveSpan => ({ lead, kind, onsetS, offsetS });

describe('P/QRS/T marks on the paper', () => {
  it('marks a lead II wave in its 3x4 cell and in the rhythm strip, from onset to offset, along the top of the row', () => {
    const marks = waveMarks(layout, [wave('II', 'QRS', 0.5, 0.6)]);
    expect(marks).toHaveLength(2);
    const cell = layout.cells.find((c) => c.lead === 'II' && !c.rhythm)!;
    const inGrid = marks.find((m) => m.yMm === cell.topMm + WAVE_BAR_TOP_MM)!;
    expect(inGrid.xMm).toBeCloseTo(cell.xMm + 0.5 * 25);
    expect(inGrid.widthMm).toBeCloseTo(0.1 * 25);
    expect(inGrid).toMatchObject({ kind: 'QRS', onsetHere: true, offsetHere: true });
  });

  it('marks only the lead that was annotated, and nothing outside the cell’s time (V1 shows 5-7.5 s in 3x4)', () => {
    expect(waveMarks(layout, [wave('V1', 'P', 1, 1.1)])).toEqual([]);
    expect(waveMarks(layout, [wave('V1', 'P', 5.2, 5.3)])).toHaveLength(1);
    expect(waveMarks(layout, [wave('X', 'T', 5.2, 5.3)])).toEqual([]);
  });

  it('clips a wave the cell cuts off, without the tick where it is cut', () => {
    // aVR shows 2.5-5 s; a T wave 2.3-2.7 s starts in lead I's column
    const [m] = waveMarks(layout, [wave('aVR', 'T', 2.3, 2.7)]);
    const cell = layout.cells.find((c) => c.lead === 'aVR')!;
    expect(m!.xMm).toBeCloseTo(cell.xMm);
    expect(m!.widthMm).toBeCloseTo(0.2 * 25);
    expect(m).toMatchObject({ onsetHere: false, offsetHere: true });
  });

  it('follows zoom and pan: twice the paper speed, twice the width', () => {
    const zoomed = buildLayout({ choice: '12x1', durationS: 10, startS: 1, viewportWidthMm: 400, paper: { ...paper, zoom: 2 } });
    const [m] = waveMarks(zoomed, [wave('I', 'QRS', 1.5, 1.6)]);
    const cell = zoomed.cells.find((c) => c.lead === 'I')!;
    expect(m!.xMm).toBeCloseTo(cell.xMm + 0.5 * 50);
    expect(m!.widthMm).toBeCloseTo(0.1 * 50);
  });
});
