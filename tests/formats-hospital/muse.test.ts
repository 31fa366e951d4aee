import { describe, expect, it } from 'vitest';
import { museXmlReader } from '../../src/core/formats/hospital/muse.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, expectSameSignal, readBytes, sniffs } from './harness.ts';

describe('GE MUSE XML reader', () => {
  it('reads 8 stored leads, derives III/aVR/aVL/aVF and orders them', async () => {
    const sig = syntheticSignal(EIGHT_LEADS);
    const bytes = writeMuse(sig);
    expect(sniffs(museXmlReader, bytes)).toBe(true);
    const rec = await readBytes(museXmlReader, bytes, '.xml');
    expect(rec.format).toBe('muse-xml');
    expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
    expectSameSignal(rec, sig, 1e-6);
    const byName = Object.fromEntries(rec.leads.map((l) => [l.name, l]));
    for (const d of ['III', 'aVR', 'aVL', 'aVF']) expect(byName[d].derived).toBe(true);
    expect(byName.III.mv[100]).toBeCloseTo(byName.II.mv[100] - byName.I.mv[100], 5);
    expect(rec.warnings.join(' ')).toMatch(/derived III, aVR, aVL, aVF/);
    expect(rec.samplesPerLead).toBe(1000);
  });

  it('keeps the median beat in extra and clinical/identifying fields apart', async () => {
    const rec = await readBytes(museXmlReader, writeMuse(syntheticSignal(EIGHT_LEADS)), '.xml');
    const median = rec.extra?.medianBeat as { samplingRateHz: number; leads: { name: string; mv: Float32Array }[] };
    expect(median.samplingRateHz).toBe(500);
    expect(median.leads).toHaveLength(8);
    expect(median.leads[0].mv.length).toBe(300);
    expect(rec.clinical.age).toBe(62);
    expect(rec.clinical.sex).toBe('female');
    expect(rec.clinical.device).toBe('MAC55');
    expect(rec.clinical.recordedAt).toBe('2012-03-14T09:52:23');
    expect(rec.clinical.machineStatements).toEqual(['Normal sinus rhythm', 'Normal ECG <unconfirmed>']);
    expect(rec.clinical.measurements?.QTCorrected).toBe(420);
    expect(rec.identifying.patientId).toBe('PAT-123456');
    expect(rec.identifying.name).toBe('Doe, Jane');
    expect(rec.identifying.birthDate).toBe('04-02-1961');
    expect(rec.identifying.other?.SiteName).toBe('General Hospital & Clinic');
    const clinicalText = JSON.stringify(rec.clinical);
    for (const secret of ['PAT-123456', 'Doe', 'Jane', '1961', 'Smith', 'General Hospital']) {
      expect(clinicalText).not.toContain(secret);
    }
  });

  it('reads all 12 leads as stored when the file has them', async () => {
    const sig = syntheticSignal(TWELVE_LEADS);
    const rec = await readBytes(museXmlReader, writeMuse(sig), '.xml');
    expect(rec.leads.every((l) => !l.derived)).toBe(true);
    expectSameSignal(rec, sig);
  });

  it('does not sniff other XML', () => {
    expect(sniffs(museXmlReader, Buffer.from('<?xml version="1.0"?><restingecgdata/>'))).toBe(false);
    expect(sniffs(museXmlReader, Buffer.from('junk <RestingECG>'))).toBe(false);
  });
});

describe('GE MUSE XML bad input', () => {
  const good = () => writeMuse(syntheticSignal(EIGHT_LEADS)).toString('latin1');
  const read = (xml: string) => readBytes(museXmlReader, Buffer.from(xml, 'latin1'), '.xml');

  it('refuses a payload that decodes to more samples than declared', async () => {
    const xml = good().replace(/<LeadSampleCountTotal>1000</, '<LeadSampleCountTotal>999<');
    await expectFormatError(read(xml), 'inconsistent', /more than the 999 declared/);
  });

  it('refuses a truncated payload', async () => {
    const xml = good().replace(/<LeadSampleCountTotal>1000</, '<LeadSampleCountTotal>1200<');
    await expectFormatError(read(xml), 'truncated');
  });

  it('refuses negative and absurd sampling rates', async () => {
    await expectFormatError(read(good().replaceAll('<SampleBase>500<', '<SampleBase>-500<')), 'bad-value', /-500 Hz/);
    await expectFormatError(
      read(good().replaceAll('<SampleExponent>0<', '<SampleExponent>9<')),
      'over-limit',
      /outside the 50-20000 Hz limit/,
    );
  });

  it('refuses duplicated leads', async () => {
    const xml = good().replace(/<LeadID>V2<\/LeadID>/g, '<LeadID>V1</LeadID>');
    await expectFormatError(read(xml), 'inconsistent', /V1 is stored twice/);
  });

  it('warns naming the file when a lead is missing', async () => {
    const sig = syntheticSignal(EIGHT_LEADS.filter((l) => l !== 'V3'));
    const rec = await readBytes(museXmlReader, writeMuse(sig), '.xml');
    expect(rec.warnings.some((w) => /f\d+\.xml: standard lead\(s\) V3 missing/.test(w))).toBe(true);
  });

  it('refuses mismatched lead lengths', async () => {
    const sig = syntheticSignal(EIGHT_LEADS);
    sig.leads[3].adc = sig.leads[3].adc.slice(0, 900);
    await expectFormatError(readBytes(museXmlReader, writeMuse(sig), '.xml'), 'inconsistent', /has 900 samples/);
  });

  it('refuses non-base64 data and missing rhythm', async () => {
    await expectFormatError(read(good().replace(/<WaveFormData>/, '<WaveFormData>*!')), 'bad-value', /base64/);
    await expectFormatError(read(good().replace(/<WaveformType>Rhythm/, '<WaveformType>Other')), 'bad-header');
  });
});
