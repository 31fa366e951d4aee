import { describe, expect, it } from 'vitest';
import { dicomReader } from '../../src/core/formats/hospital/dicom.ts';
import { el, waveformGroup, writeDicom } from '../helpers/hospitalWriters/dicom.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, expectSameSignal, inputFor, readBytes, sniffs } from './harness.ts';
import { runPythonJson } from './python.ts';
import { ludb, ptbxl } from './realData.ts';

describe('DICOM ECG waveform reader', () => {
  it('round-trips a real PTB-XL record (12 leads, 500 Hz)', async () => {
    const sig = await ptbxl(1);
    const bytes = writeDicom(sig);
    expect(sniffs(dicomReader, bytes)).toBe(true);
    const rec = await readBytes(dicomReader, bytes, '.dcm');
    expect(rec.format).toBe('dicom');
    expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
    expectSameSignal(rec, sig);
    expect(rec.extra?.sopClass).toBe('12-lead ECG');
  });

  it('reads implicit VR little endian files', async () => {
    const sig = await ptbxl(12);
    const rec = await readBytes(dicomReader, writeDicom(sig, { implicitVr: true }), '.dcm');
    expectSameSignal(rec, sig);
    expect(rec.clinical.device).toBe('Acme Medical CardioWriter 9');
  });

  it('applies per-channel sensitivity and baseline (LUDB gains, unsigned samples with an offset)', async () => {
    const sig = await ludb(2);
    const groups = [waveformGroup({ label: 'RHYTHM', samplingRateHz: 500, sig, interpretation: 'US', rawOffset: 32768 })];
    const rec = await readBytes(dicomReader, writeDicom(sig, { groups }), '.dcm');
    expectSameSignal(rec, sig, 1e-5);
  });

  it('reads the rhythm group as the record and keeps the median group in extra, derives limb leads', async () => {
    const sig = syntheticSignal(EIGHT_LEADS);
    const median = { ...sig, leads: sig.leads.map((l) => ({ ...l, adc: l.adc.slice(0, 300) })) };
    const groups = [
      waveformGroup({ label: 'MEDIAN BEAT', samplingRateHz: 500, sig: median }),
      waveformGroup({ label: 'RHYTHM', samplingRateHz: 500, sig }),
    ];
    const rec = await readBytes(dicomReader, writeDicom(sig, { groups }), '.dcm');
    expect(rec.samplesPerLead).toBe(1000);
    expect(rec.leads.filter((l) => l.derived).map((l) => l.name)).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    const others = rec.extra?.otherGroups as { label: string; leads: unknown[] }[];
    expect(others.map((g) => g.label)).toEqual(['MEDIAN BEAT']);
    expect(rec.identifying).toMatchObject({ name: 'Doe^Jane', patientId: 'PAT-123456', birthDate: '1961-04-02' });
    expect(rec.identifying.other?.InstitutionName).toBe('General Hospital');
    expect(rec.clinical).toMatchObject({
      age: 62,
      sex: 'female',
      device: 'Acme Medical CardioWriter 9',
      recordedAt: '2012-03-14T09:52:23',
    });
    expect(JSON.stringify(rec.clinical)).not.toMatch(/PAT-123456|Doe|1961|General Hospital/);
  });

  it('reads 8-bit signed samples; padding marks samples outside the acquisition, not an equal value mid-signal', async () => {
    const sig = syntheticSignal(['I', 'II'], 250, 1);
    for (const l of sig.leads) l.adc = l.adc.map((v) => Math.max(-127, Math.min(127, Math.round(v / 10))));
    sig.leads[0].adc[100] = -128; // an ordinary value mid-signal
    sig.leads[1].adc.fill(-128, 0, 50); // lead II started 200 ms late
    const group = [
      ...waveformGroup({ label: 'RHYTHM', samplingRateHz: 250, sig, interpretation: 'SB' }),
      el.raw(0x5400100a, 'OB', Buffer.from([0x80, 0])),
    ];
    const rec = await readBytes(dicomReader, writeDicom(sig, { groups: [group] }), '.dcm');
    const [i, ii] = ['I', 'II'].map((n) => rec.leads.find((l) => l.name === n)!.mv);
    expect(i![100]).toBeCloseTo((-128 * 4.88) / 1000, 6);
    expect(i!.every((v) => !Number.isNaN(v))).toBe(true);
    expect(ii!.slice(0, 50).every((v) => Number.isNaN(v))).toBe(true);
    expect(ii![50]).toBeCloseTo((sig.leads[1].adc[50] * 4.88) / 1000, 6);
    expect(rec.warnings.join(' ')).toMatch(/channel II: 50 padding samples outside the acquisition read as missing/);
  });

  it('a padding value of 0, as one real writer sets it, leaves every 0 sample of a full acquisition alone', async () => {
    const sig = syntheticSignal(TWELVE_LEADS, 500, 2);
    for (const l of sig.leads) for (let k = 0; k < l.adc.length; k += 97) l.adc[k] = 0;
    for (const l of sig.leads) l.adc[l.adc.length - 1] = 0;
    const group = [...waveformGroup({ label: 'RHYTHM', samplingRateHz: 500, sig }), el.raw(0x5400100a, 'OW', Buffer.from([0, 0]))];
    const rec = await readBytes(dicomReader, writeDicom(sig, { groups: [group] }), '.dcm');
    expect(rec.leads.every((l) => l.mv.every((v) => !Number.isNaN(v)))).toBe(true);
    expect(rec.warnings.join(' ')).not.toMatch(/padding/);
  });

  it('reads the ECG leads of General ECG and Hemodynamic Waveform instances and ignores other channels with a warning', async () => {
    const sig = syntheticSignal(['I', 'II', 'V1'], 500, 2);
    const pressure = { ...sig, leads: [{ name: 'Aortic pressure', adc: sig.leads[0].adc }] };
    for (const sopClass of ['1.2.840.10008.5.1.4.1.1.9.1.2', '1.2.840.10008.5.1.4.1.1.9.2.1']) {
      const groups = [
        waveformGroup({ label: 'PRESSURE', samplingRateHz: 500, sig: pressure }),
        waveformGroup({ label: 'ECG', samplingRateHz: 500, sig: { ...sig, leads: [...sig.leads, pressure.leads[0]] } }),
      ];
      const bytes = writeDicom(sig, { groups, sopClass });
      expect(sniffs(dicomReader, bytes)).toBe(true);
      const rec = await readBytes(dicomReader, bytes, '.dcm');
      expect(rec.extra?.multiplexGroup).toBe('ECG');
      expect(rec.leads.filter((l) => !l.derived).map((l) => l.name)).toEqual(['I', 'II', 'V1']);
      expect(rec.warnings.join('\n')).toMatch(/multiplex group "ECG": channels that are not ECG leads ignored: Aortic pressure/);
    }
  });

  it('does not sniff DICOM images or non-DICOM files', () => {
    const image = writeDicom(syntheticSignal(['I']), { sopClass: '1.2.840.10008.5.1.4.1.1.2' });
    expect(sniffs(dicomReader, image)).toBe(false);
    expect(sniffs(dicomReader, Buffer.from('<?xml version="1.0"?><RestingECG/>'))).toBe(false);
  });

  it('agrees with pydicom (independent reader) on a real record', async () => {
    const sig = await ludb(3);
    const groups = [waveformGroup({ label: 'RHYTHM', samplingRateHz: 500, sig, interpretation: 'US', rawOffset: 32768 })];
    const input = inputFor(writeDicom(sig, { groups, implicitVr: true }), '.dcm');
    const rec = await dicomReader.read(input);
    const ref = runPythonJson<{ samplingRateHz: number; names: string[]; units: string[]; values: number[][] }>('pydicom_dump.py', [
      input.path,
    ]);
    expect(ref.samplingRateHz).toBe(rec.samplingRateHz);
    ref.names.forEach((meaning, c) => {
      const name = sig.leads[c].name;
      expect(meaning).toContain(name);
      const lead = rec.leads.find((l) => l.name === name)!;
      expect(ref.units[c]).toBe('uV');
      let maxDiff = 0;
      for (let k = 0; k < lead.mv.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ref.values[c][k] / 1000 - lead.mv[k]));
      expect(maxDiff).toBeLessThan(1e-5);
    });
  });
});

describe('DICOM bad input', () => {
  const sig = syntheticSignal(TWELVE_LEADS, 500, 1);
  const withGroup = (edit: (els: ReturnType<typeof waveformGroup>) => void) => {
    const g = waveformGroup({ label: 'RHYTHM', samplingRateHz: 500, sig });
    edit(g);
    return readBytes(dicomReader, writeDicom(sig, { groups: [g] }), '.dcm');
  };
  const replace = (tag: number, e: ReturnType<typeof el.s>) => (els: ReturnType<typeof waveformGroup>) => {
    els[els.findIndex((x) => x.tag === tag)] = e;
  };

  it('refuses waveform data longer or shorter than declared', async () => {
    await expectFormatError(withGroup(replace(0x003a0010, el.ul(0x003a0010, 400))), 'inconsistent', /more than the 400 declared/);
    await expectFormatError(withGroup(replace(0x003a0010, el.ul(0x003a0010, 600))), 'truncated');
  });

  it('refuses negative, zero and absurd sampling frequencies', async () => {
    for (const f of ['-500', '0', 'abc']) {
      await expectFormatError(withGroup(replace(0x003a001a, el.s(0x003a001a, 'DS', f))), 'bad-value', /sampling frequency/);
    }
    for (const f of ['1e9', '0.01', '49']) {
      await expectFormatError(withGroup(replace(0x003a001a, el.s(0x003a001a, 'DS', f))), 'over-limit', /sampling frequency .* Hz limit/);
    }
  });

  it('refuses duplicated leads, channel count mismatch and unsupported sample types', async () => {
    const dup = syntheticSignal(['I', 'II', 'I'], 500, 1);
    await expectFormatError(readBytes(dicomReader, writeDicom(dup), '.dcm'), 'inconsistent', /stored twice/);
    await expectFormatError(withGroup(replace(0x003a0005, el.us(0x003a0005, 11))), 'inconsistent', /11 channels/);
    await expectFormatError(withGroup(replace(0x54001006, el.s(0x54001006, 'CS', 'MB'))), 'unsupported-encoding', /"MB"/);
    await expectFormatError(withGroup(replace(0x54001004, el.us(0x54001004, 8))), 'inconsistent', /bits allocated/);
  });

  it('refuses a file without a waveform sequence and garbage after the preamble', async () => {
    const noWave = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([2, 0, 0, 0, 0x55, 0x4c, 4, 0, 0, 0, 0, 0])]);
    await expectFormatError(readBytes(dicomReader, noWave, '.dcm'), 'bad-header');
    await expectFormatError(
      readBytes(dicomReader, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(50, 0xff)]), '.dcm'),
      'bad-header',
    );
  });

  it('warns about a missing lead, naming the file', async () => {
    const rec = await readBytes(dicomReader, writeDicom(syntheticSignal(TWELVE_LEADS.filter((l) => l !== 'V5'))), '.dcm');
    expect(rec.warnings.some((w) => /^f\d+\.dcm: standard lead\(s\) V5 missing/.test(w))).toBe(true);
  });
});
