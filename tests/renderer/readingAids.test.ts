import { describe, expect, it } from 'vitest';
import HelpOverlay from '../../src/renderer/src/components/HelpOverlay.vue';
import ReadingAids from '../../src/renderer/src/components/ReadingAids.vue';
import { actionForKey } from '../../src/renderer/src/keyboard.ts';
import type { MeasurementsDto } from '../../src/shared/api/measurements.ts';
import { render, tags, untitledControls, visibleText } from './renderComponent.ts';

const regular = { beats: 12, medianBpm: 71.6, averageBpm: 71.2, minBpm: 69.8, maxBpm: 73.5, rrMinS: 0.816, rrMaxS: 0.86, regular: true };
const intervals = {
  prMs: 158.4,
  qrsMs: 96,
  qtMs: 392,
  qtcBazettMs: 423.7,
  qtcFridericiaMs: 412.6,
  rrS: 0.856,
  beats: { pr: 11, qrs: 12, qt: 11 },
};
const delineated: MeasurementsDto = {
  beatsS: [0.5, 1.34],
  heartRate: regular,
  noRate: null,
  delineation: { waves: [{ lead: 'II', kind: 'QRS', onsetS: 0.48, offsetS: 0.57 }], intervals },
};
const base = { measurements: delineated, error: null, showWaves: false, notice: null };

describe('reading aids (ReadingAids)', () => {
  it('shows the heart rate, the RR range and the intervals with QTc’s formula, every figure explained in its tooltip', async () => {
    const html = await render(ReadingAids, base);
    expect(untitledControls(html)).toEqual([]);
    const text = visibleText(html);
    expect(text).toContain('Heart rate 72 bpm');
    expect(text).toContain('RR 0.82–0.86 s');
    expect(text).toMatch(/PR 158 ms QRS 96 ms QT 392 ms QTc 424 ms \(Bazett\)/);
    for (const id of ['heart-rate', 'rr-range', 'interval-pr', 'interval-qrs', 'interval-qt', 'interval-qtc']) {
      expect(
        tags(html, 'span').find((t) => t.includes(`data-testid="${id}"`)),
        id,
      ).toMatch(/title="[^"]{20,}"/);
    }
    expect(html).toContain('Bazett’s formula QT / √RR');
    expect(html).toContain('Fridericia’s formula QT / ∛RR gives 413 ms');
    expect(html).toContain('Pan–Tompkins');
    const button = tags(html, 'button').find((t) => t.includes('toggle-waves'))!;
    expect(button).not.toContain('disabled');
    expect(button).toContain('aria-pressed="false"');
    expect(button).toMatch(/title="[^"]*\(H\)[^"]*"/);
  });

  it('gives an irregular rhythm a range, never one precise rate', async () => {
    const irregular = { ...regular, medianBpm: 88, minBpm: 47.2, maxBpm: 131.9, rrMinS: 0.455, rrMaxS: 1.271, regular: false };
    const html = await render(ReadingAids, { ...base, measurements: { ...delineated, heartRate: irregular } });
    const text = visibleText(html);
    expect(text).toContain('Heart rate 47–132 bpm, irregular');
    expect(text).not.toContain('88');
    expect(html).toMatch(/irregular rhythm, e\.g\. atrial fibrillation/);
  });

  it('shows no PR where no beat has a P wave, and says why', async () => {
    const af = {
      ...delineated,
      delineation: { ...delineated.delineation!, intervals: { ...intervals, prMs: null, beats: { pr: 0, qrs: 9, qt: 8 } } },
    };
    const html = await render(ReadingAids, { ...base, measurements: af });
    expect(visibleText(html)).toContain('PR —');
    expect(html).toContain('no beat has an annotated P wave');
  });

  it('has no intervals and a disabled wave switch that says why for a record without delineation', async () => {
    const html = await render(ReadingAids, { ...base, measurements: { ...delineated, delineation: null } });
    const text = visibleText(html);
    expect(text).toContain('Heart rate 72 bpm');
    expect(text).not.toContain('QTc');
    const button = tags(html, 'button').find((t) => t.includes('toggle-waves'))!;
    expect(button).toContain('disabled');
    expect(button).toMatch(/title="This record carries no P, QRS and T annotations/);
  });

  it('marks the switch pressed when the marks are shown, and says when there is no rate', async () => {
    const on = await render(ReadingAids, { ...base, showWaves: true });
    expect(tags(on, 'button').find((t) => t.includes('toggle-waves'))).toContain('aria-pressed="true"');
    const none = await render(ReadingAids, {
      ...base,
      measurements: { beatsS: [1], heartRate: null, noRate: '1 QRS complex found: a rate needs three', delineation: null },
    });
    expect(visibleText(none)).toContain('Heart rate —');
    expect(none).toContain('a rate needs three');
  });

  it('shows a failed measurement where it belongs, in plain words', async () => {
    const html = await render(ReadingAids, {
      ...base,
      measurements: null,
      error: { text: 'Could not measure the heart rate: the app ran into an unexpected problem.', detail: 'RangeError: x' },
    });
    expect(visibleText(html)).toContain('Could not measure the heart rate');
    expect(visibleText(html)).not.toContain('RangeError');
  });

  it('is switched with H, which the ? help lists', async () => {
    expect(actionForKey('h', false)).toBe('toggle-waves');
    expect(actionForKey('h', true)).toBeNull();
    expect(visibleText(await render(HelpOverlay, {}))).toContain('P, QRS and T marks');
  });
});
