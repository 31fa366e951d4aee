/** Files written by our test writers (tests/helpers/ecgWriters.ts) read back exactly, for every format. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, readEcgFile } from '../../src/core/formats/index.ts';
import { SUPPORTED_FORMATS } from '../../src/core/formats/wfdb/signal.ts';
import { encodeCsv, encodeEdf, encodeMatV4, writeWfdb, FORMAT_RANGE } from '../helpers/ecgWriters.ts';
import { loadReference, runWfdbReference } from '../helpers/wfdbReference.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random integers (xorshift), so failures reproduce. */
function ints(seed: number, n: number, [lo, hi]: [number, number]): number[] {
  let x = seed | 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return lo + ((x >>> 0) % (hi - lo + 1));
  });
}

/** A random walk within a format's range (format 8 stores steps of at most +-127). */
function signal(format: number, seed: number, n: number): number[] {
  if (format !== 8) return ints(seed, n, FORMAT_RANGE[format]);
  const steps = ints(seed, n, [-100, 100]);
  let v = 0;
  return steps.map((s) => (v = Math.max(-3000, Math.min(3000, v + s))));
}

const NAMES = ['I', 'II', 'V1'];

describe('WFDB round trips', () => {
  // Odd sample counts exercise the partial last group of 212/310/311.
  const cases = SUPPORTED_FORMATS.flatMap((format) => [
    { format, n: 101, split: undefined, byteOffset: 0 },
    { format, n: 100, split: [2, 1], byteOffset: 5 },
  ]);
  const written = cases.map((c, k) => {
    const record = `f${c.format}_${k}`;
    const signals = NAMES.map((name, s) => ({
      name,
      adc: signal(c.format, 7 * k + s + 1, c.n),
      gain: 100 + 50 * s,
      baseline: s - 1,
      units: s === 2 ? 'uV' : 'mV',
    }));
    writeWfdb({ dir, record, fs: 360, format: c.format, signals, split: c.split, byteOffset: c.byteOffset });
    return { ...c, record, signals };
  });

  for (const w of written) {
    it(`format ${w.format}, ${w.n} samples, files ${w.split ?? [3]}, offset ${w.byteOffset}`, async () => {
      const rec = await readEcgFile(join(dir, w.record), { deriveLimbLeads: false });
      expect(rec.format).toBe('wfdb');
      expect(rec.samplingRateHz).toBe(360);
      expect(rec.warnings).toEqual([]);
      for (const s of w.signals) {
        const lead = rec.leads.find((l) => l.name === s.name)!;
        expect(Array.from(lead.adc!)).toEqual(s.adc);
        const factor = s.units === 'uV' ? 1e-3 : 1;
        s.adc.forEach((v, i) => expect(lead.mv[i]).toBe(Math.fround(((v - s.baseline) / s.gain) * factor)));
      }
    });
  }

  it('wfdb-python reads the same values from every written format', async () => {
    const { dir: ref } = runWfdbReference(written.map((w) => ({ id: w.record, record: join(dir, w.record) })));
    try {
      for (const w of written) {
        const r = loadReference(ref, w.record);
        const rec = await readEcgFile(join(dir, w.record), { deriveLimbLeads: false });
        r.sigName.forEach((name, s) => {
          const lead = rec.leads.find((l) => l.name === name)!;
          const scale = r.units[s] === 'uV' ? 1e-3 : 1;
          for (let i = 0; i < w.n; i++) expect(lead.mv[i]).toBe(Math.fround(r.pSignal[i * r.shape[1] + s] * scale));
        });
      }
    } finally {
      rmSync(ref, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads a header without a sample count (length from the file) and warns on a checksum mismatch', async () => {
    const adc = ints(3, 50, [-1000, 1000]);
    writeWfdb({ dir, record: 'nolen', fs: 500, format: 16, signals: [{ name: 'II', adc }], omitLength: true, badChecksum: true });
    const rec = await readEcgFile(join(dir, 'nolen.hea'));
    expect(rec.samplesPerLead).toBe(50);
    expect(rec.warnings.some((w) => w.includes('checksum mismatch'))).toBe(true);
  });

  it('derives III, aVR, aVL, aVF from I and II, marked derived, with a warning', async () => {
    const i = ints(11, 20, [-500, 500]);
    const ii = ints(12, 20, [-500, 500]);
    writeWfdb({
      dir,
      record: 'eight',
      fs: 500,
      format: 16,
      signals: [
        { name: 'I', adc: i },
        { name: 'II', adc: ii },
        ...['V1', 'V2', 'V3', 'V4', 'V5', 'V6'].map((name, k) => ({ name, adc: ints(20 + k, 20, [-500, 500]) })),
      ],
    });
    const rec = await readEcgFile(join(dir, 'eight'));
    expect(rec.leads.map((l) => l.name)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    expect(rec.leads.filter((l) => l.derived).map((l) => l.name)).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(rec.warnings.join()).toMatch(/derived III, aVR, aVL, aVF/);
    const [I, II, III, aVR, aVL, aVF] = rec.leads;
    for (let k = 0; k < 20; k++) {
      expect(III.mv[k]).toBeCloseTo(II.mv[k] - I.mv[k], 6);
      expect(aVR.mv[k]).toBeCloseTo(-(I.mv[k] + II.mv[k]) / 2, 6);
      expect(aVL.mv[k]).toBeCloseTo(I.mv[k] - II.mv[k] / 2, 6);
      expect(aVF.mv[k]).toBeCloseTo(II.mv[k] - I.mv[k] / 2, 6);
      expect(aVR.mv[k] + aVL.mv[k] + aVF.mv[k]).toBeCloseTo(0, 5);
    }
  });

  it('gain 0 means the WFDB default of 200, with a warning (as wfdb-python)', async () => {
    writeWfdb({ dir, record: 'gain0', fs: 250, format: 16, signals: [{ name: 'I', adc: [200, 400, -200], gain: 0 }] });
    const rec = await readEcgFile(join(dir, 'gain0'), { deriveLimbLeads: false });
    expect(Array.from(rec.leads[0].mv)).toEqual([1, 2, -1]);
    expect(rec.warnings.join()).toMatch(/ADC gain 0 or none/);
  });
});

describe('CinC MAT v4 round trip', () => {
  it('reads a WFDB header whose signal file is a MAT v4 int16 matrix, with #Dx SNOMED codes', async () => {
    const n = 40;
    const leads = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
    const adc = leads.map((_, s) => ints(100 + s, n, [-32000, 32000]));
    const colMajor: number[] = [];
    for (let i = 0; i < n; i++) for (let s = 0; s < 12; s++) colMajor.push(adc[s][i]);
    writeFileSync(join(dir, 'A0001.mat'), encodeMatV4('val', 12, n, colMajor));
    const sig = leads.map((l, s) => `A0001.mat 16+24 1000/mV 16 0 ${adc[s][0]} 0 0 ${l}`);
    writeFileSync(
      join(dir, 'A0001.hea'),
      [`A0001.mat 12 500 ${n} 05-May-2020 14:50:55`, ...sig, '#Age: 53', '#Sex: Female', '#Dx: 426783006,164889003'].join('\n'),
    );
    expect(await detectFormat(join(dir, 'A0001.hea'))).toBe('cinc-mat');
    const rec = await readEcgFile(join(dir, 'A0001.mat'));
    expect(rec.format).toBe('cinc-mat');
    expect(rec.clinical.age).toBe(53);
    expect(rec.clinical.sex).toBe('female');
    expect(rec.clinical.diagnoses).toEqual([
      { system: 'snomed-ct', code: '426783006' },
      { system: 'snomed-ct', code: '164889003' },
    ]);
    leads.forEach((l, s) => expect(Array.from(rec.leads.find((x) => x.name === l)!.adc!)).toEqual(adc[s]));
  });

  it('rejects a MAT file that is not an int16 matrix', async () => {
    writeFileSync(join(dir, 'B1.mat'), encodeMatV4('val', 1, 4, [1, 2, 3, 4], 0));
    writeFileSync(join(dir, 'B1.hea'), 'B1 1 500 4\nB1.mat 16+24 1000/mV 16 0 0 0 0 I\n');
    await expect(readEcgFile(join(dir, 'B1.hea'))).rejects.toMatchObject({
      problem: 'unsupported-encoding',
      message: expect.stringContaining('B1.mat'),
    });
  });
});

describe('EDF round trip', () => {
  const digital = (seed: number, n: number) => ints(seed, n, [-2048, 2047]);
  it('reads EDF+ leads with their physical scaling and keeps identifying fields apart', async () => {
    const spr = 50;
    const signals = ['ECG I', 'ECG II', 'V1'].map((label, s) => ({
      label,
      physDim: s === 2 ? 'uV' : 'mV',
      physMin: s === 2 ? -5000 : -5,
      physMax: s === 2 ? 5000 : 5,
      digMin: -2048,
      digMax: 2047,
      samplesPerRecord: spr,
      digital: digital(s + 1, spr * 3),
    }));
    const annotations = {
      label: 'EDF Annotations',
      physDim: '',
      physMin: -1,
      physMax: 1,
      digMin: -32768,
      digMax: 32767,
      samplesPerRecord: 10,
      digital: new Array(30).fill(0),
    };
    writeFileSync(join(dir, 'a.edf'), encodeEdf({ signals: [...signals, annotations], recordDuration: 0.1, nRecords: 3 }));
    const rec = await readEcgFile(join(dir, 'a.edf'), { deriveLimbLeads: false });
    expect(rec.format).toBe('edf');
    expect(rec.samplingRateHz).toBe(500);
    expect(rec.leads.map((l) => l.name)).toEqual(['I', 'II', 'V1']);
    expect(rec.identifying).toMatchObject({ name: 'Test Person', birthDate: '01-JAN-1970' });
    expect(rec.clinical).toMatchObject({ sex: 'male', recordedAt: '2020-03-02T10:11:12' });
    signals.forEach((s, k) => {
      const lead = rec.leads[k];
      const f = s.physDim === 'uV' ? 1e-3 : 1;
      s.digital.forEach((d, i) =>
        expect(lead.mv[i]).toBeCloseTo((s.physMin + ((d - s.digMin) * (s.physMax - s.physMin)) / (s.digMax - s.digMin)) * f, 6),
      );
    });
  });

  it('keeps the ECG leads at their common rate and drops other signals, or errors when leads differ', async () => {
    const lead = (label: string, spr: number) => ({
      label,
      physDim: 'mV',
      physMin: -5,
      physMax: 5,
      digMin: -2048,
      digMax: 2047,
      samplesPerRecord: spr,
      digital: digital(9, spr * 2),
    });
    writeFileSync(
      join(dir, 'mixed.edf'),
      encodeEdf({ signals: [lead('I', 50), lead('II', 50), lead('Pleth', 25)], recordDuration: 0.1, nRecords: 2 }),
    );
    const rec = await readEcgFile(join(dir, 'mixed.edf'), { deriveLimbLeads: false });
    expect(rec.leads.map((l) => l.name)).toEqual(['I', 'II']);
    expect(rec.warnings.join()).toMatch(/Pleth/);
    writeFileSync(join(dir, 'bad-rates.edf'), encodeEdf({ signals: [lead('I', 50), lead('II', 25)], recordDuration: 0.1, nRecords: 2 }));
    await expect(readEcgFile(join(dir, 'bad-rates.edf'))).rejects.toMatchObject({ problem: 'inconsistent' });
  });
});

describe('CSV', () => {
  it('reads leads with a rate comment and a uV unit', async () => {
    writeFileSync(
      join(dir, 'a.csv'),
      encodeCsv(
        ['I', 'II', 'v1'],
        [
          [1000, 2000, -500],
          [1500, -2500, 0],
        ],
        ['sampling_rate=250', 'unit=uV'],
      ),
    );
    const rec = await readEcgFile(join(dir, 'a.csv'), { deriveLimbLeads: false });
    expect(rec.format).toBe('csv');
    expect(rec.samplingRateHz).toBe(250);
    expect(rec.leads.map((l) => [l.name, ...l.mv])).toEqual([
      ['I', 1, 1.5],
      ['II', 2, -2.5],
      ['V1', -0.5, 0],
    ]);
  });

  it('takes the rate from a time column in ms, and from the option', async () => {
    writeFileSync(
      join(dir, 't.csv'),
      encodeCsv(
        ['time_ms', 'II'],
        [
          [0, 0.1],
          [2, 0.2],
          [4, 0.3],
        ],
        [],
        ';',
      ),
    );
    expect((await readEcgFile(join(dir, 't.csv'))).samplingRateHz).toBe(500);
    writeFileSync(
      join(dir, 'norate.csv'),
      encodeCsv(
        ['II', 'V2'],
        [
          [0, 1],
          [1, 2],
        ],
      ),
    );
    await expect(readEcgFile(join(dir, 'norate.csv'))).rejects.toMatchObject({ problem: 'bad-header' });
    expect((await readEcgFile(join(dir, 'norate.csv'), { samplingRateHz: 100 })).durationS).toBe(0.02);
  });

  it.each([['NaN'], ['Infinity'], [''], ['abc']])("rejects the cell '%s' naming line and column", async (cell) => {
    writeFileSync(
      join(dir, 'bad.csv'),
      encodeCsv(
        ['I', 'II'],
        [
          [1, 2],
          [3, cell],
        ],
        ['fs=500'],
      ),
    );
    await expect(readEcgFile(join(dir, 'bad.csv'))).rejects.toMatchObject({
      problem: 'bad-value',
      message: expect.stringMatching(/bad\.csv: line 4, column 'II'/),
    });
  });
});
