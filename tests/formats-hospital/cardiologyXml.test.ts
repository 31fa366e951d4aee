import { describe, expect, it } from 'vitest';
import { cardiologyXmlReader } from '../../src/core/formats/hospital/cardiologyXml.ts';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { writeCardiologyXml } from '../helpers/hospitalWriters/cardiologyXml.ts';
import { syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, expectSameSignal, inputFor, readBytes, sniffs } from './harness.ts';
import { ptbxl } from './realData.ts';

describe('GE CardioSoft / CASE CardiologyXML reader', () => {
  it('round-trips a real PTB-XL record (12 leads, 500 Hz) and is detected by content, whatever the extension', async () => {
    const sig = await ptbxl(1);
    const bytes = writeCardiologyXml(sig);
    expect(sniffs(cardiologyXmlReader, bytes)).toBe(true);
    const rec = await readEcgFile(inputFor(bytes, '.txt').path);
    expect(rec.format).toBe('cardiology-xml');
    expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
    expect(rec.leads.every((l) => !l.derived)).toBe(true);
    expect(rec).toMatchObject({ samplingRateHz: 500, samplesPerLead: 5000 });
    expectSameSignal(rec, sig, 1e-6);
  });

  it('takes rate and resolution from the file, keeps the median beats, measurements, statements and who wrote it', async () => {
    const sig = syntheticSignal(TWELVE_LEADS, 1000, 2);
    sig.uvPerLsb = 2.5;
    const rec = await readBytes(cardiologyXmlReader, writeCardiologyXml(sig), '.xml');
    expect(rec.samplingRateHz).toBe(1000);
    expect(rec.leads[0]!.mv[10]).toBeCloseTo((sig.leads[0]!.adc[10]! * 2.5) / 1000, 6);
    const median = rec.extra?.medianBeat as { samplingRateHz: number; leads: { mv: Float32Array }[] };
    expect(median.samplingRateHz).toBe(1000);
    expect(median.leads).toHaveLength(12);
    expect(median.leads[0]!.mv.length).toBe(600);
    expect(rec.clinical).toMatchObject({
      age: 62,
      sex: 'female',
      recordedAt: '2012-03-14T09:52:23',
      machineStatements: ['Sinus rhythm', 'Normal ECG'],
      measurements: { 'VentricularRate (BPM)': 67, 'QTInterval (ms)': 398 },
    });
    expect(rec.identifying).toMatchObject({ patientId: 'PAT-123456', name: 'Doe, Jane', birthDate: '1961-04-02' });
    expect(JSON.stringify(rec.clinical)).not.toMatch(/PAT-123456|Doe|1961/);
    expect(rec.origin).toEqual({ device: 'CASE', software: '6.73' });
  });

  it('reads a file without the optional sample count and median beats', async () => {
    const sig = syntheticSignal(TWELVE_LEADS, 500, 1);
    const rec = await readBytes(cardiologyXmlReader, writeCardiologyXml(sig, { omitSampleCount: true, medianSamples: 0 }), '.xml');
    expectSameSignal(rec, sig, 1e-6);
    expect(rec.extra).toBeUndefined();
  });
});

describe('CardiologyXML bad input', () => {
  const sig = syntheticSignal(TWELVE_LEADS, 500, 1);
  const good = () => writeCardiologyXml(sig).toString('latin1');
  const read = (xml: string) => readBytes(cardiologyXmlReader, Buffer.from(xml, 'latin1'), '.xml');

  it('refuses rates beyond the limits, other resolution units, short or non-integer data, and exercise-only files', async () => {
    await expectFormatError(read(good().replace('<SampleRate units="Hz">500<', '<SampleRate units="Hz">25<')), 'over-limit', /25 Hz/);
    await expectFormatError(read(good().replace('<SampleRate units="Hz">500<', '<SampleRate units="Hz">-5<')), 'bad-value');
    await expectFormatError(read(good().replaceAll('units="uVperLsb"', 'units="mm"')), 'unsupported-encoding', /uVperLsb/);
    await expectFormatError(read(good().replace(/(<WaveformData lead="I">)[-\d]+,/, '$1')), 'truncated', /lead I: 499 samples/);
    await expectFormatError(read(good().replace(/(<WaveformData lead="I">)[-\d]+,/, '$11.5,')), 'bad-value', /not an integer/);
    const exercise = '<?xml version="1.0"?><CardiologyXML><FullDisclosure><SampleRate>100</SampleRate></FullDisclosure></CardiologyXML>';
    await expectFormatError(read(exercise), 'unsupported-encoding', /exercise full-disclosure/);
    await expectFormatError(read(good().replace('<CardiologyXML>', '<!DOCTYPE x [<!ENTITY a "b">]><CardiologyXML>')), 'unsafe-content');
  });
});
