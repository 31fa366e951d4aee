/** The signal every fixture writer takes: integer samples per lead at a common resolution. */
import type { EcgRecord, WaveAnnotation } from '../../../src/core/formats/record.ts';

export interface FixtureLead {
  name: string;
  /** Integer samples (int16 range), `uvPerLsb` microvolts each. */
  adc: Int32Array;
  /** Overrides the signal's resolution for this lead (LUDB stores a gain per lead). */
  uvPerLsb?: number;
}

export interface FixtureSignal {
  samplingRateHz: number;
  uvPerLsb: number;
  leads: FixtureLead[];
  annotations?: WaveAnnotation[];
  patient?: { name: string; id: string; birthDate: string; age: number; sex: 'male' | 'female' };
}

/** A deterministic ECG-like synthetic signal (for format tests that must not depend on shared data). */
export function syntheticSignal(leadNames: string[], samplingRateHz = 500, seconds = 2, seed = 1): FixtureSignal {
  const n = Math.round(samplingRateHz * seconds);
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const leads = leadNames.map((name, li) => {
    const adc = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const t = k / samplingRateHz;
      const phase = (t * 1.2) % 1;
      const qrs = Math.exp(-(((phase - 0.3) / 0.012) ** 2)) * (900 - 70 * li);
      const tw = Math.exp(-(((phase - 0.6) / 0.05) ** 2)) * 200;
      adc[k] = Math.round(qrs + tw + 30 * Math.sin(2 * Math.PI * 0.3 * t) + (rand() - 0.5) * 20);
    }
    return { name, adc };
  });
  return {
    samplingRateHz,
    uvPerLsb: 4.88,
    leads,
    patient: { name: 'Doe^Jane', id: 'PAT-123456', birthDate: '1961-04-02', age: 62, sex: 'female' },
  };
}

export const EIGHT_LEADS = ['I', 'II', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
export const TWELVE_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

export function int16Bytes(adc: Int32Array): Buffer {
  const b = Buffer.alloc(adc.length * 2);
  adc.forEach((v, k) => b.writeInt16LE(v, 2 * k));
  return b;
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A fixture from a record read by our WFDB reader: stored integers of its non-derived leads, baseline removed. */
export function fixtureFromRecord(rec: EcgRecord, leadNames?: string[]): FixtureSignal {
  const stored = rec.leads.filter((l) => !l.derived && l.adc && (!leadNames || leadNames.includes(l.name)));
  if (stored.length === 0 || stored.some((l) => l.storedUnit !== 'mV')) {
    throw new Error(`${rec.sourcePath}: fixture needs stored mV leads`);
  }
  return {
    samplingRateHz: rec.samplingRateHz,
    uvPerLsb: 1000 / stored[0].gain!,
    leads: stored.map((l) => ({ name: l.name, adc: l.adc!.map((v) => v - (l.baseline ?? 0)), uvPerLsb: 1000 / l.gain! })),
    annotations: rec.annotations,
  };
}

/** The one resolution of all leads, for formats that store a single amplitude resolution. */
export function commonUvPerLsb(sig: FixtureSignal, format: string): number {
  const set = new Set(sig.leads.map((l) => l.uvPerLsb ?? sig.uvPerLsb));
  if (set.size !== 1) throw new Error(`${format} stores one amplitude resolution; this signal has ${set.size}`);
  return [...set][0];
}
