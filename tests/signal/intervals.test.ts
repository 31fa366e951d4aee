/** PR, QRS, QT and QTc from delineation: exact on hand-made annotations, plausible on every LUDB record. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import type { WaveAnnotation, WaveKind } from '../../src/core/formats/record.ts';
import { globalWaves, measureIntervals } from '../../src/core/signal/intervals.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

const FS = 500;
function wave(lead: string, kind: WaveKind, onsetS: number, offsetS: number): WaveAnnotation {
  const s = (t: number) => Math.round(t * FS);
  return {
    lead,
    kind,
    onsetS,
    offsetS,
    peakS: (onsetS + offsetS) / 2,
    onsetSample: s(onsetS),
    offsetSample: s(offsetS),
    peakSample: s((onsetS + offsetS) / 2),
  };
}

/** Beats every `rr` s from 0.3 s: P 0.10 s long 0.16 s before the QRS (lead I), QRS 0.09 s, T ending 0.40 s after QRS onset. */
function beats(n: number, rr: number, leads = ['I']): WaveAnnotation[] {
  const out: WaveAnnotation[] = [];
  for (let k = 0; k < n; k++) {
    const q = 0.3 + k * rr;
    for (const lead of leads) {
      out.push(wave(lead, 'P', q - 0.16, q - 0.06), wave(lead, 'QRS', q, q + 0.09), wave(lead, 'T', q + 0.2, q + 0.4));
    }
  }
  return out;
}

describe('measureIntervals', () => {
  it('measures PR, QRS, QT and both QTc formulas exactly on regular beats', () => {
    const iv = measureIntervals(beats(6, 0.81))!;
    expect(iv.prMs).toBeCloseTo(160, 6);
    expect(iv.qrsMs).toBeCloseTo(90, 6);
    expect(iv.qtMs).toBeCloseTo(400, 6);
    expect(iv.rrS).toBeCloseTo(0.81, 6);
    expect(iv.qtcBazettMs).toBeCloseTo(400 / 0.9, 6);
    expect(iv.qtcFridericiaMs).toBeCloseTo(400 / Math.cbrt(0.81), 6);
    expect(iv.beats).toEqual({ pr: 6, qrs: 6, qt: 6 });
  });

  it('measures globally: earliest onset to latest offset over the leads', () => {
    const waves = [...beats(4, 1, ['I']), ...beats(4, 1, ['V2']).map((w) => (w.kind === 'QRS' ? { ...w, offsetS: w.offsetS + 0.02 } : w))];
    // V2's QRS ends 20 ms later, so the beat's QRS and nothing else is longer
    expect(measureIntervals(waves)).toMatchObject({ qrsMs: expect.closeTo(110, 6), prMs: expect.closeTo(160, 6) });
    expect(globalWaves(waves, 'QRS')).toHaveLength(4);
    expect(globalWaves(waves, 'QRS')[0]!.leads).toBe(2);
  });

  it('leaves PR out where no beat has a P wave (atrial fibrillation) and is null without QRS', () => {
    const af = beats(5, 0.7).filter((w) => w.kind !== 'P');
    expect(measureIntervals(af)).toMatchObject({ prMs: null, qrsMs: expect.closeTo(90, 6), beats: { pr: 0 } });
    expect(measureIntervals(beats(5, 0.7).filter((w) => w.kind !== 'QRS'))).toBeNull();
    expect(measureIntervals([])).toBeNull();
  });

  it('does not pair a T wave with the next beat or a P wave with the previous one', () => {
    // the last beat's T is missing and the first beat's P is missing
    const waves = beats(3, 1).filter((w) => !(w.kind === 'T' && w.onsetS > 2) && !(w.kind === 'P' && w.onsetS < 0.3));
    expect(measureIntervals(waves)!.beats).toEqual({ pr: 2, qrs: 3, qt: 2 });
  });
});

describe('measureIntervals on LUDB', () => {
  it('gives physiological intervals for every record, no PR in atrial fibrillation', async () => {
    const dir = join(sharedDataDir(), 'ludb', 'data');
    const ids = readdirSync(dir)
      .filter((f) => f.endsWith('.hea'))
      .map((f) => f.slice(0, -4));
    expect(ids).toHaveLength(200);
    let withPr = 0;
    let af = 0;
    for (const id of ids) {
      const rec = await readEcgFile(join(dir, id), { datasetMetadata: true });
      const iv = measureIntervals(rec.annotations)!;
      expect(iv, id).not.toBeNull();
      expect(iv.qrsMs!, id).toBeGreaterThanOrEqual(50);
      expect(iv.qrsMs!, id).toBeLessThanOrEqual(250);
      expect(iv.qtMs!, id).toBeGreaterThanOrEqual(250);
      expect(iv.qtMs!, id).toBeLessThanOrEqual(650);
      if (iv.prMs !== null) {
        withPr++;
        expect(iv.prMs, id).toBeGreaterThanOrEqual(60);
        expect(iv.prMs, id).toBeLessThanOrEqual(450);
      }
      // the global QRS is at least each lead's own median QRS
      for (const lead of new Set(rec.annotations.map((w) => w.lead))) {
        const own = measureIntervals(rec.annotations.filter((w) => w.lead === lead));
        if (own?.qrsMs != null) expect(iv.qrsMs!, `${id} ${lead}`).toBeGreaterThanOrEqual(own.qrsMs - 1e-6);
      }
      const rhythm = rec.clinical.statements?.find((s) => s.startsWith('Rhythms:')) ?? '';
      if (/atrial fibrillation/i.test(rhythm)) {
        af++;
        expect(iv.prMs, id).toBeNull();
      }
    }
    expect(withPr).toBeGreaterThan(150);
    expect(af).toBeGreaterThanOrEqual(10);
  });
});
