/**
 * Import and model on WFDB records with gaps and several rates, made by our writers from real PTB-XL signals:
 * a multi-segment record with a null segment (leads at the ECG rate, the gap stored as NaN, no model window
 * across it) and a multi-frequency record (leads at 2 samples per frame read at the ECG rate).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import type { EcgRecord } from '../../src/core/formats/record.ts';
import { startImport, type ImportModel } from '../../src/core/import/index.ts';
import { fileOutcomes, getRecord, getRun, openStore } from '../../src/core/store/index.ts';
import { writeMultiSegment, writeWfdb, type WfdbSignal } from '../helpers/ecgWriters.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModel } from './helpers.ts';

let model: ImportModel;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ model, close } = await tinyModel());
});
afterAll(() => close());

const ptbxl = (id: string) => readEcgFile(join(sharedDataDir(), 'ptbxl', 'records500', '00000', `${id}_hr`), { deriveLimbLeads: false });
const signalsOf = (rec: EcgRecord): WfdbSignal[] =>
  rec.leads.map((l) => ({ name: l.name, adc: Array.from(l.adc!), gain: l.gain, baseline: l.baseline }));

describe('import of records with gaps and several rates', () => {
  it('stores the gap as NaN at the ECG rate and runs the model on windows that never span it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-gaps-'));
    const [a, b, c] = await Promise.all([ptbxl('00001'), ptbxl('00002'), ptbxl('00003')]);
    writeMultiSegment({
      dir,
      record: 'gappy',
      fs: 500,
      segments: [
        { name: 'gappy_1', frames: 5000, fixture: { format: 16, signals: signalsOf(a) } },
        { name: '~', frames: 1000 },
        { name: 'gappy_2', frames: 5000, fixture: { format: 16, signals: signalsOf(b) } },
      ],
    });
    // a multi-frequency record: 250 frames/s, every lead at 2 samples per frame
    writeWfdb({ dir, record: 'twice', fs: 250, format: 16, signals: signalsOf(c).map((s) => ({ ...s, samplesPerFrame: 2 })) });

    const db = openStore(join(dir, 'audit.sqlite'));
    const summary = await startImport(db, { inputs: [dir], study: 'gaps', model }).done;
    expect(summary.failed).toEqual([]);
    const outcomes = fileOutcomes(db, summary.jobId);
    const outcome = (name: string) => outcomes.find((o) => o.path.endsWith(`/${name}`))!;

    // the segments are parts of the multi-segment record, not records of their own
    for (const part of ['gappy_1.hea', 'gappy_1.dat', 'gappy_2.hea', 'gappy_2.dat'])
      expect(outcome(part).outcome, part).toBe('part-of-record');
    expect(summary.imported).toBe(2);
    const gappy = getRecord(db, outcome('gappy.hea').recordId!);
    expect(gappy.samplingRateHz).toBe(500);
    expect(gappy.samplesPerLead).toBe(11000);
    const v1 = gappy.leads.find((l) => l.name === 'V1')!.mv;
    expect(v1.subarray(5000, 6000).every(Number.isNaN)).toBe(true);
    expect(v1[4999]).toBe(a.leads.find((l) => l.name === 'V1')!.mv[4999]);
    expect(v1[6000]).toBe(b.leads.find((l) => l.name === 'V1')!.mv[0]);
    const run = getRun(db, gappy.id)!;
    // 100 Hz: the gap is [1000, 1200); each 10-s stretch holds exactly one 1000-sample window
    expect(run.windows.windowStarts).toEqual([0, 1200]);
    for (const start of run.windows.windowStarts) expect(start + 1000 <= 1000 || start >= 1200).toBe(true);
    expect(run.windows.samples).toBe(2200);

    const twice = getRecord(db, outcome('twice.hea').recordId!);
    expect(twice.samplingRateHz).toBe(500);
    expect(Array.from(twice.leads.find((l) => l.name === 'II')!.mv)).toEqual(Array.from(c.leads.find((l) => l.name === 'II')!.mv));
    expect(getRun(db, twice.id)!.windows.windowStarts).toEqual([0]);
    db.close();
  }, 300_000);
});
