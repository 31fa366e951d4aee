import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../src/renderer/src/ecg/layout.ts';
import { contributionText, drawnSpanToSamples, regionBoxes, regionOrder, type RegionSpan } from '../../src/renderer/src/ecg/regions.ts';

const paper = { speedMmPerS: 25, gainMmPerMv: 10, zoom: 1 };
const layout = buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 400, paper });
const region = (key: string, lead: string, start: number, end: number, rank: number | null): RegionSpan => ({
  key,
  lead,
  startSample: start,
  endSample: end,
  rank,
  contribution: rank === null ? null : 1 / rank,
});

describe('evidence region outlines', () => {
  it('outlines a lead II region in its 3x4 cell and in the rhythm strip, at the right place and width', () => {
    // 100 Hz map: samples 50..80 = 0.5..0.8 s, inside column 0 (0..2.5 s)
    const boxes = regionBoxes(layout, [region('r1', 'II', 50, 80, 1)], 100);
    expect(boxes).toHaveLength(2);
    const cell = layout.cells.find((c) => c.lead === 'II' && !c.rhythm)!;
    const [inGrid] = boxes.filter((b) => b.yMm < cell.topMm + cell.heightMm);
    expect(inGrid!.xMm).toBeCloseTo(cell.xMm + 0.5 * 25);
    expect(inGrid!.widthMm).toBeCloseTo(0.3 * 25);
    expect(inGrid!.startsHere).toBe(true);
  });

  it('draws nothing for a region outside the lead cell time span (V1 shows 5..7.5 s in 3x4)', () => {
    expect(regionBoxes(layout, [region('r', 'V1', 100, 200, 1)], 100)).toEqual([]);
    expect(regionBoxes(layout, [region('r', 'V1', 600, 700, 1)], 100)).toHaveLength(1);
  });

  it('clips a region that crosses the cell edge and marks the continued part', () => {
    // aVR shows 2.5..5 s; region 2.0..3.0 s is clipped to 2.5..3.0
    const [box] = regionBoxes(layout, [region('r', 'aVR', 200, 300, 2)], 100);
    const cell = layout.cells.find((c) => c.lead === 'aVR')!;
    expect(box!.xMm).toBeCloseTo(cell.xMm);
    expect(box!.widthMm).toBeCloseTo(0.5 * 25);
    expect(box!.startsHere).toBe(false);
  });

  it('orders regions by rank with drawn regions last by start', () => {
    const order = regionOrder([
      region('d2', 'I', 300, 310, null),
      region('b', 'I', 0, 5, 2),
      region('d1', 'I', 100, 110, null),
      region('a', 'I', 0, 5, 1),
    ]);
    expect(order.map((r) => r.key)).toEqual(['a', 'b', 'd1', 'd2']);
  });

  it('turns a drag in either direction into an ordered, non-empty sample span inside the record', () => {
    expect(drawnSpanToSamples(0.8, 0.5, 100, 1000)).toEqual({ startSample: 50, endSample: 80 });
    expect(drawnSpanToSamples(0.5, 0.5, 100, 1000)).toEqual({ startSample: 50, endSample: 51 });
    expect(drawnSpanToSamples(9.5, 12, 100, 1000)).toEqual({ startSample: 950, endSample: 1000 });
  });
});

describe('region sign in the list', () => {
  it('says plainly whether a region is evidence for or against its class', () => {
    expect(contributionText(0.4123)).toBe('+ for 0.412');
    expect(contributionText(-1.5)).toBe('\u2212 against 1.500');
    expect(contributionText(null)).toBe('drawn');
  });
});
