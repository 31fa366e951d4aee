/**
 * The QRS detector and the heart rate against real reference annotations: LUDB's cardiologist-annotated QRS
 * complexes (200 records, 12 leads, 500 Hz, also resampled to 100 Hz as PTB-XL's lower rate) and MIT-BIH record
 * 100 from wfdb-python's corpus (30 min, 2 leads, 360 Hz, its reference beat annotations in 100.atr).
 * Beats match within 150 ms, one to one (as WFDB's bxb). The figures are printed for the record.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { parseCsvRows } from '../../src/core/formats/csvText.ts';
import type { EcgRecord } from '../../src/core/formats/record.ts';
import { heartRate } from '../../src/core/signal/heartRate.ts';
import { detectQrs } from '../../src/core/signal/qrs.ts';
import { resamplePoly } from '../../src/core/signal/resample.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { type BeatMatch, ludbReferenceBeats, matchBeats, mitReferenceBeats } from './beatReference.ts';

const ludbDir = join(sharedDataDir(), 'ludb');
const TOLERANCE_S = 0.15;

interface Score extends BeatMatch {
  sensitivity: number;
  positivePredictivity: number;
}

function score(matches: BeatMatch[]): Score {
  const sum = (k: keyof BeatMatch) => matches.reduce((a, m) => a + m[k], 0);
  const tp = sum('truePositives');
  const fn = sum('falseNegatives');
  const fp = sum('falsePositives');
  return { truePositives: tp, falseNegatives: fn, falsePositives: fp, sensitivity: tp / (tp + fn), positivePredictivity: tp / (tp + fp) };
}

function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const ludb: { id: number; record: EcgRecord; rhythm: string; pacing: string }[] = [];

async function loadLudb(): Promise<typeof ludb> {
  if (ludb.length) return ludb;
  const rows = parseCsvRows(readFileSync(join(ludbDir, 'ludb.csv'), 'utf8'));
  const header = rows[0]!;
  const col = (name: string) => header.findIndex((h) => h.trim() === name);
  for (const row of rows.slice(1)) {
    const id = Number(row[0]);
    if (!Number.isInteger(id) || id < 1) continue;
    const record = await readEcgFile(join(ludbDir, 'data', String(id)));
    ludb.push({ id, record, rhythm: row[col('Rhythms')]!.trim(), pacing: row[col('Cardiac pacing')]!.trim() });
  }
  return ludb;
}

/**
 * LUDB leaves the first and last complexes of a record unannotated where they are cut off: detections outside
 * the annotated span (first annotated onset to last annotated offset, plus the tolerance) are not judged.
 */
function ludbMatch(record: EcgRecord, detected: number[]): BeatMatch {
  const fs = record.samplingRateHz;
  const ref = ludbReferenceBeats(record.annotations);
  const tol = Math.round(TOLERANCE_S * fs);
  const lo = ref[0]!.onset - tol;
  const hi = ref[ref.length - 1]!.offset + tol;
  return matchBeats(
    ref.map((b) => b.sample),
    detected.filter((s) => s >= lo && s <= hi),
    tol,
  );
}

describe('QRS detector on LUDB (cardiologists’ QRS annotations, 12 leads)', () => {
  it('finds the annotated beats at 500 Hz: sensitivity and positive predictivity >= 0.995, heart rate within 1 bpm', async () => {
    const records = await loadLudb();
    expect(records).toHaveLength(200);
    const matches: BeatMatch[] = [];
    const rateErrors: number[] = [];
    for (const { record } of records) {
      const fs = record.samplingRateHz;
      const detected = detectQrs(
        record.leads.map((l) => l.mv),
        fs,
      ).samples;
      matches.push(ludbMatch(record, detected));
      const ref = ludbReferenceBeats(record.annotations).map((b) => b.sample);
      const [mine, theirs] = [heartRate(detected, fs), heartRate(ref, fs)];
      if (mine && theirs) rateErrors.push(Math.abs(mine.medianBpm - theirs.medianBpm));
    }
    const s = score(matches);
    const medianError = percentile(rateErrors, 0.5);
    const p95Error = percentile(rateErrors, 0.95);
    console.log(
      `LUDB 500 Hz: ${s.truePositives} beats found, ${s.falseNegatives} missed, ${s.falsePositives} extra; ` +
        `sensitivity ${s.sensitivity.toFixed(4)}, positive predictivity ${s.positivePredictivity.toFixed(4)}; ` +
        `heart rate |error| median ${medianError.toFixed(2)} bpm, 95th percentile ${p95Error.toFixed(2)} bpm over ${rateErrors.length} records`,
    );
    expect(s.truePositives).toBeGreaterThan(1800);
    expect(s.sensitivity).toBeGreaterThanOrEqual(0.995);
    expect(s.positivePredictivity).toBeGreaterThanOrEqual(0.995);
    expect(rateErrors).toHaveLength(200);
    expect(medianError).toBeLessThan(1);
    expect(p95Error).toBeLessThan(3);
  });

  it('finds them at 100 Hz too (the same records resampled, as PTB-XL’s records100)', async () => {
    const records = await loadLudb();
    const matches = records.map(({ record }) => {
      const leads = record.leads.map((l) => Float32Array.from(resamplePoly(l.mv, 1, 5, 5)));
      return ludbMatch(
        record,
        detectQrs(leads, 100).samples.map((s) => s * 5),
      );
    });
    const s = score(matches);
    console.log(`LUDB at 100 Hz: sensitivity ${s.sensitivity.toFixed(4)}, positive predictivity ${s.positivePredictivity.toFixed(4)}`);
    expect(s.sensitivity).toBeGreaterThanOrEqual(0.995);
    expect(s.positivePredictivity).toBeGreaterThanOrEqual(0.995);
  });

  it('calls atrial fibrillation irregular (a rate range) and most sinus rhythms regular', async () => {
    const records = await loadLudb();
    const regularity = (r: EcgRecord) =>
      heartRate(
        detectQrs(
          r.leads.map((l) => l.mv),
          r.samplingRateHz,
        ).samples,
        r.samplingRateHz,
      )!.regular;
    // a paced ventricle beats regularly whatever the atria do
    const af = records.filter((r) => r.rhythm.startsWith('Atrial fibrillation') && !r.pacing);
    const sinus = records.filter((r) => /^Sinus (rhythm|bradycardia|tachycardia)$/.test(r.rhythm) && !r.pacing);
    expect(af.length).toBeGreaterThanOrEqual(10);
    expect(af.filter((r) => regularity(r.record)).map((r) => r.id)).toEqual([]);
    const regularSinus = sinus.filter((r) => regularity(r.record)).length / sinus.length;
    console.log(
      `LUDB: ${af.length} atrial fibrillation records all irregular; ${(regularSinus * 100).toFixed(0)} % of ${sinus.length} sinus records regular`,
    );
    // sinus records with extrasystoles are irregular too, rightly
    expect(regularSinus).toBeGreaterThan(0.8);
  });
});

describe('QRS detector on MIT-BIH record 100 (wfdb-python corpus, reference beat annotations)', () => {
  it('finds the 2,273 annotated beats of 30 minutes: sensitivity and positive predictivity >= 0.995', async () => {
    const dir = join(sharedDataDir(), 'wfdb-python-sample');
    // 30 minutes: beyond the import's 10-minute limit, so read as `inspect` does
    const record = await readEcgFile(join(dir, '100'), { limits: 'describe', deriveLimbLeads: false });
    const reference = await mitReferenceBeats(join(dir, '100.atr'));
    const fs = record.samplingRateHz;
    const detected = detectQrs(
      record.leads.map((l) => l.mv),
      fs,
    ).samples;
    const s = score([matchBeats(reference, detected, Math.round(TOLERANCE_S * fs))]);
    const [mine, theirs] = [heartRate(detected, fs)!, heartRate(reference, fs)!];
    console.log(
      `MIT-BIH 100: ${reference.length} reference beats; sensitivity ${s.sensitivity.toFixed(4)}, positive predictivity ` +
        `${s.positivePredictivity.toFixed(4)}; average rate ${mine.averageBpm.toFixed(2)} vs ${theirs.averageBpm.toFixed(2)} bpm`,
    );
    expect(reference.length).toBe(2273);
    expect(s.sensitivity).toBeGreaterThanOrEqual(0.995);
    expect(s.positivePredictivity).toBeGreaterThanOrEqual(0.995);
    expect(Math.abs(mine.averageBpm - theirs.averageBpm)).toBeLessThan(0.5);
  });
});

describe('detectQrs edge cases', () => {
  it('gives no beats for a flat, an all-missing or a sub-second record, and ignores a missing lead', async () => {
    expect(detectQrs([new Float32Array(5000)], 500).samples).toEqual([]);
    expect(detectQrs([new Float32Array(5000).fill(NaN)], 500)).toMatchObject({ samples: [], leadsUsed: 0 });
    expect(detectQrs([new Float32Array(400)], 500).samples).toEqual([]);
    const { record } = (await loadLudb())[0]!;
    const leads = record.leads.map((l) => l.mv);
    const full = detectQrs(leads, 500);
    const withGap = detectQrs([new Float32Array(leads[0]!.length).fill(NaN), ...leads.slice(1)], 500);
    expect(withGap.leadsUsed).toBe(full.leadsUsed - 1);
    expect(matchBeats(full.samples, withGap.samples, 5).truePositives).toBe(full.samples.length);
  });
});
