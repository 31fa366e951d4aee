import { describe, expect, it } from 'vitest';
import EcgPrint from '../../src/renderer/src/components/EcgPrint.vue';
import RegionStrip from '../../src/renderer/src/components/RegionStrip.vue';
import { buildLayout, fitPxPerMm, pageSizeMm, timeTicks } from '../../src/renderer/src/ecg/layout.ts';
import { LEADS, MI_REGIONS, MINE } from './viewerFixtures.ts';
import { render, tags, visibleText } from './renderComponent.ts';

const paper = { speedMmPerS: 25, gainMmPerMv: 10, zoom: 1 };
const trace = { leads: new Map(LEADS.map((l) => [l, new Float32Array(5000)])), offsets: new Map(), fs: 500 };

describe('the print (EcgPrint)', () => {
  it('draws on a canvas with a time axis and a legend in plain words, the technical term in the tooltip', async () => {
    const legend = {
      gradient: 'linear-gradient(red, blue)',
      max: '0.24',
      what: 'evidence (W·x)',
      unit: 'logit units per sample',
      scope: 'per record',
      className: 'Myocardial infarction',
    };
    const html = await render(EcgPrint, {
      trace,
      overlay: null,
      regions: MI_REGIONS,
      regionRateHz: 100,
      selectedKey: null,
      choice: '3x4',
      rhythmLead: 'V2',
      paper,
      durationS: 10,
      calibratedPxPerMm: 3.78,
      fit: true,
      mode: 'pan',
      frameTag: 't',
      legend,
      startS: 0,
    });
    expect(tags(html, 'canvas')).toHaveLength(1);
    expect(html).toContain('data-testid="time-axis"');
    const text = visibleText(html);
    expect(text).toContain('0 s');
    expect(text).toContain('orange = evidence for, purple = against');
    expect(html).toContain('logit units per sample');
  });
});

describe('the region thumbnails (RegionStrip)', () => {
  it('has one thumbnail per region, numbered, with the lead, time and my verdict', async () => {
    const html = await render(RegionStrip, {
      regions: MI_REGIONS,
      selectedKey: 'region:11',
      mine: MINE,
      trace,
      overlay: null,
      regionRateHz: 100,
      paper,
      durationS: 10,
      pxPerMm: 3,
      frameTag: 't',
    });
    expect(tags(html, 'canvas')).toHaveLength(2);
    expect(tags(html, 'li').find((t) => t.includes('thumb-1'))).toContain('selected');
    expect(visibleText(html)).toMatch(/1 V2 3\.0 s valid 2 aVF 7\.0 s/);
  });
});

describe('paper size', () => {
  it('fits a whole page into the box, width or height limited, leaving room for paper drawn under it', () => {
    const page = pageSizeMm('3x4', 10, paper);
    expect(page).toEqual({ widthMm: 2 + 5 + 2 + 250 + 2, heightMm: 4 + 4 * 32 });
    expect(fitPxPerMm('3x4', 10, paper, { widthPx: 522, heightPx: 10_000 })).toBeCloseTo(2, 6);
    expect(fitPxPerMm('3x4', 10, paper, { widthPx: 10_000, heightPx: 264 })).toBeCloseTo(2, 6);
    expect(fitPxPerMm('3x4', 10, paper, { widthPx: 10_000, heightPx: 264 }, 132)).toBeCloseTo(1, 6);
    // a 60 s record still fits one 10 s page; a 5 s record its own length
    expect(pageSizeMm('12x1', 60, paper).widthMm).toBe(261);
    expect(pageSizeMm('12x1', 5, paper).widthMm).toBe(2 + 5 + 2 + 125 + 2);
  });

  it('puts the chosen lead under a 3x4 print as its rhythm strip', () => {
    const layout = buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 300, paper, rhythmLead: 'V5' });
    const strip = layout.cells.find((c) => c.rhythm)!;
    expect(strip).toMatchObject({ lead: 'V5', t0: 0, t1: 10 });
    expect(buildLayout({ choice: '3x4', durationS: 10, startS: 0, viewportWidthMm: 300, paper }).cells.find((c) => c.rhythm)!.lead).toBe(
      'II',
    );
  });

  it('labels the time axis each second, finer when zoomed', () => {
    const whole = timeTicks(buildLayout({ choice: '12x1', durationS: 10, startS: 0, viewportWidthMm: 300, paper }));
    expect(whole.map((t) => t.tS)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(whole[1]!.xMm - whole[0]!.xMm).toBeCloseTo(25, 9);
    const zoomed = timeTicks(
      buildLayout({ choice: '12x1', durationS: 10, startS: 2.1, viewportWidthMm: 150, paper: { ...paper, zoom: 4 } }),
    );
    expect(zoomed[0]!.tS).toBe(2.2);
    expect(zoomed[1]!.tS).toBe(2.4);
    expect(zoomed.filter((t) => t.major).map((t) => t.tS)).toEqual([3]);
  });
});
