/**
 * Records with gaps (NaN: null segments of multi-segment WFDB records, EDF+D): the model's windows come only
 * from stretches without a gap, each stretch resampled and windowed exactly as a record of its own would be.
 */
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/core/formats/record.ts';
import { PreprocessError, preprocessRecord, type PreprocessSpec, type RecordSignal } from '../../src/core/signal/preprocess.ts';

const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
const spec: PreprocessSpec = {
  samplingRateHz: 100,
  inputLength: 1000,
  leadOrder: LEADS,
  kaiserBeta: 5,
  zscoreEpsilon: 1e-6,
  windowOverlap: 0.5,
};

function record(seconds: number, fs: number, gaps: { lead?: string; from: number; to: number }[] = []): RecordSignal {
  const n = Math.round(seconds * fs);
  const leads: Lead[] = LEADS.map((name, l) => {
    const mv = new Float32Array(n);
    for (let i = 0; i < n; i++) mv[i] = Math.sin((2 * Math.PI * (1 + l / 7) * i) / fs) + 0.1 * Math.cos(i / (l + 3));
    for (const g of gaps) if (!g.lead || g.lead === name) mv.fill(Number.NaN, Math.round(g.from * fs), Math.round(g.to * fs));
    return { name, unit: 'mV', storedUnit: 'mV', derived: false, mv };
  });
  return { sourcePath: 'gaps.hea', samplingRateHz: fs, leads };
}

/** The same leads, samples [from, to) only. */
function slice(rec: RecordSignal, from: number, to: number): RecordSignal {
  return { ...rec, leads: rec.leads.map((l) => ({ ...l, mv: l.mv.slice(from, to) })) };
}

describe('preprocessing a record with gaps', () => {
  it('never lets a window span a gap, and windows each stretch as a record of its own', () => {
    const fs = 500;
    const rec = record(30, fs, [{ from: 12.003, to: 14.0011 }]);
    const input = preprocessRecord(rec, spec);
    expect(input.samples).toBe(3000);
    // stretch 1: samples [0, 6002) -> 1201 at 100 Hz; stretch 2 ([7001, 15000)) starts on the 100-Hz grid at 7005
    expect(input.windowStarts).toEqual([0, 201, 1401, 1901, 2000]);
    const down = fs / spec.samplingRateHz;
    for (const start of input.windowStarts) {
      for (const lead of rec.leads) {
        // the record's samples from the window's first sample time to its last
        const span = lead.mv.subarray(start * down, (start + spec.inputLength - 1) * down + 1);
        expect(span.some(Number.isNaN), `window at ${start}`).toBe(false);
      }
    }
    const first = preprocessRecord(slice(rec, 0, 6002), spec);
    const second = preprocessRecord(slice(rec, 7005, 15000), spec);
    const per = LEADS.length * spec.inputLength;
    expect(input.windows.subarray(0, 2 * per)).toEqual(first.windows);
    expect(input.windows.subarray(2 * per)).toEqual(second.windows);
  });

  it('a gap in one model lead cuts every lead', () => {
    const input = preprocessRecord(record(25, 500, [{ lead: 'V3', from: 11, to: 11.5 }]), spec);
    expect(input.windowStarts).toEqual([0, 100, 1150, 1500]);
  });

  it('refuses a record whose gaps leave no stretch of one window, naming the first gap', () => {
    try {
      preprocessRecord(record(15, 500, [{ lead: 'aVL', from: 6, to: 6.002 }]), spec);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PreprocessError);
      expect((err as PreprocessError).problem).toBe('missing-samples');
      expect((err as Error).message).toMatch(
        /gaps\.hea: lead aVL has a missing or non-finite sample at index 3000, and no stretch without gaps holds one window of 1000 samples \(10\.00 s\)/,
      );
    }
  });
});
