/**
 * Conformance against wfdb-python's own test corpus (../shared/data/wfdb-python-sample): every record wfdb
 * 4.3.1 reads, read by wfdb (smooth_frames=False: each signal at its own samples per frame) and by us in the
 * same run. Storage formats 8-524 (FLAC included), multi-segment records (fixed and variable layout, null
 * segments), samples per frame > 1, skew. Our leads are at the record's highest rate: sample j of a signal with
 * spf samples per frame is wfdb's expanded sample floor(j * spf / maxSpf). Values must agree within 1e-6 mV
 * (plus float32 rounding), NaN where wfdb has NaN. Records without a voltage signal are refused "no ECG leads".
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { normaliseLeadName, toMillivoltFactor } from '../../src/core/formats/leadNames.ts';
import type { Lead } from '../../src/core/formats/record.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { loadReferenceOrError, runWfdbReference, type ReferenceJob, type ReferenceRecord } from '../helpers/wfdbReference.ts';

const corpus = join(sharedDataDir(), 'wfdb-python-sample');
const folders = [corpus, ...readdirSync(join(corpus, 'multi-segment')).map((d) => join(corpus, 'multi-segment', d))];
const records = folders.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(dir, f.slice(0, -4))),
);
const jobs: ReferenceJob[] = records.map((record, i) => ({ id: `corpus${i}`, record, expanded: true, may_fail: true }));

let refDir = '';
beforeAll(() => {
  refDir = runWfdbReference(jobs).dir;
}, 600_000);
afterAll(() => {
  if (refDir) rmSync(refDir, { recursive: true, force: true });
});

/**
 * wfdb gives no units for a variable-layout record made of null segments only (all NaN); the layout header's
 * units (mV for the leads, mmHg for ABP) decide there, so the test takes our reader's choice of leads.
 */
const factorOf = (unit: string | null) => toMillivoltFactor(unit ?? 'mV');
/**
 * Signals whose header unit is a lone non-ASCII byte (0xb0): wfdb-python's header pattern drops it and falls
 * back to mV; we keep the unit as written, which is not a voltage, and skip the signal with a warning.
 */
const UNIT_NOT_PARSED_BY_WFDB: Record<string, string[]> = { test_generator_2: ['sine 15 Hz', 'sine 17 Hz'] };
const isVoltage = (name: string, ref: ReferenceRecord, s: number, ours: string[]) =>
  ref.sigName[s] !== 'EDF Annotations' &&
  (ref.units[s] !== null || ours.includes(normaliseLeadName(ref.sigName[s]))) &&
  factorOf(ref.units[s]) !== undefined &&
  !(UNIT_NOT_PARSED_BY_WFDB[name] ?? []).includes(ref.sigName[s]);

/** Our lead for each reference signal: same name, the k-th of that name for the k-th duplicate. */
function matchLeads(ref: ReferenceRecord, leads: Lead[], voltage: number[]): Map<number, Lead> {
  const byName = new Map<string, Lead[]>();
  for (const l of leads) byName.set(l.name, [...(byName.get(l.name) ?? []), l]);
  const out = new Map<number, Lead>();
  for (const s of voltage) {
    const lead = byName.get(normaliseLeadName(ref.sigName[s]))?.shift();
    if (lead) out.set(s, lead);
  }
  return out;
}

describe("wfdb-python's test corpus", () => {
  it('reads every record wfdb reads that carries an ECG signal, with wfdb values', async () => {
    const compared: string[] = [];
    const refused: string[] = [];
    const wfdbFailed: string[] = [];
    for (const job of jobs) {
      const name = job.record.slice(corpus.length + 1);
      const ref = loadReferenceOrError(refDir, job.id);
      if ('error' in ref) {
        wfdbFailed.push(name);
        continue;
      }
      const [frames, nSig] = ref.shape;
      const rec = await readEcgFile(job.record, { deriveLimbLeads: false, limits: 'describe' }).catch((err: Error) => err);
      const ours = rec instanceof Error ? [] : rec.leads.map((l) => l.name);
      const voltage = [...Array(nSig).keys()].filter((s) => isVoltage(name, ref, s, ours));
      if (voltage.length === 0) {
        expect(rec, name).toBeInstanceOf(Error);
        expect((rec as Error).message, name).toMatch(/no ECG leads/);
        refused.push(name);
        continue;
      }
      if (rec instanceof Error) throw rec;
      const spf = ref.spf!;
      const maxSpf = Math.max(...voltage.map((s) => spf[s]));
      expect(rec.samplesPerLead, name).toBe(frames * maxSpf);
      expect(rec.samplingRateHz, name).toBeCloseTo(ref.fs * maxSpf, 9);
      expect(rec.leads.length, name).toBe(voltage.length);
      const leads = matchLeads(ref, rec.leads, voltage);
      let offset = 0;
      const starts = spf.map((v) => ((offset += frames * v), offset - frames * v));
      let excess = 0;
      for (const s of voltage) {
        const lead = leads.get(s);
        expect(lead, `${name}: signal ${ref.sigName[s]}`).toBeDefined();
        const scale = factorOf(ref.units[s])!;
        for (let j = 0; j < rec.samplesPerLead; j++) {
          const want = ref.pSignal[starts[s] + Math.floor((j * spf[s]) / maxSpf)] * scale;
          const got = lead!.mv[j];
          if (Number.isNaN(want) || Number.isNaN(got)) {
            if (Number.isNaN(want) !== Number.isNaN(got)) excess = Number.POSITIVE_INFINITY;
            continue;
          }
          excess = Math.max(excess, Math.abs(got - want) - Math.max(1e-6, Math.abs(want) * 2 ** -24));
        }
      }
      expect(excess, name).toBeLessThanOrEqual(0);
      compared.push(name);
    }
    // The corpus as copied (segment headers count as records of their own): 68 records compared, 4 numerics
    // records refused, 16 that wfdb cannot read either (signal files of 4 MiB or more were not copied, layout
    // headers hold no samples).
    expect({ compared: compared.length, refused: refused.length, wfdbFailed: wfdbFailed.length }).toEqual({
      compared: 68,
      refused: 4,
      wfdbFailed: 16,
    });
    for (const feature of [
      '041s',
      'v102s',
      's00001-2896-10-09-01-56',
      's25047-2704-05-04-10-44',
      '03700181',
      'mixedsignals',
      'flacformats',
    ]) {
      expect(
        compared.some((c) => c.endsWith(feature)),
        feature,
      ).toBe(true);
    }
  }, 600_000);
});
