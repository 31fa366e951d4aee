import { describe, expect, it } from 'vitest';
import { philipsXmlReader } from '../../src/core/formats/hospital/philips.ts';
import { writePhilips } from '../helpers/hospitalWriters/philips.ts';
import { syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { expectFormatError, expectSameSignal, inputFor, readBytes, sniffs } from './harness.ts';
import { runPythonJson } from './python.ts';
import { ptbxl } from './realData.ts';

describe('Philips SierraECG XML reader', () => {
  for (const version of ['1.03', '1.04', '1.04.01', '1.04.02']) {
    for (const xli of [false, true]) {
      it(`round-trips a real PTB-XL record as ${version} ${xli ? 'XLI' : 'uncompressed'}`, async () => {
        const sig = await ptbxl(5);
        const bytes = writePhilips(sig, { version, xli });
        expect(sniffs(philipsXmlReader, bytes)).toBe(true);
        const rec = await readBytes(philipsXmlReader, bytes, '.xml');
        expect(rec.format).toBe('philips-xml');
        expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
        expectSameSignal(rec, sig);
        expect(rec.warnings).toEqual([]);
      });
    }
  }

  it('ignores the empty extra channels of a 16-channel XLI acquisition', async () => {
    const sig = await ptbxl(6);
    const rec = await readBytes(philipsXmlReader, writePhilips(sig, { xli: true, extraChannels: 4 }), '.xml');
    expectSameSignal(rec, sig);
  });

  it('keeps identifying fields apart', async () => {
    const rec = await readBytes(philipsXmlReader, writePhilips(syntheticSignal(TWELVE_LEADS)), '.xml');
    expect(rec.identifying).toEqual({
      patientId: 'PAT-123456',
      name: 'Doe, Jane',
      birthDate: '1961-04-02',
      other: { institutionName: 'General Hospital', operatorId: 'OP7' },
    });
    expect(rec.clinical).toMatchObject({ age: 62, sex: 'female', device: 'PageWriter Touch', recordedAt: '2008-12-23T19:44:46' });
    expect(rec.clinical.machineStatements).toEqual(['Sinus rhythm', 'Normal ECG unconfirmed']);
    expect(JSON.stringify(rec.clinical)).not.toMatch(/PAT-123456|Doe|1961|General Hospital|OP7/);
  });

  it('agrees with the sierraecg package (independent reader) on XLI files', async () => {
    for (const id of [8, 9]) {
      const sig = await ptbxl(id);
      const input = inputFor(writePhilips(sig, { version: '1.04.01', xli: true }), '.xml');
      const rec = await philipsXmlReader.read(input);
      const ref = runPythonJson<{ leads: { label: string; fs: number; samples: number[] }[] }>('sierraecg_dump.py', [input.path]);
      expect(ref.leads.map((l) => l.label)).toEqual(TWELVE_LEADS);
      for (const l of ref.leads) {
        expect(l.fs).toBe(rec.samplingRateHz);
        expect(Array.from(rec.leads.find((x) => x.name === l.label)!.adc!)).toEqual(l.samples);
      }
    }
  });
});

describe('Philips bad input', () => {
  const sig = syntheticSignal(TWELVE_LEADS, 500, 1);
  const read = (xml: string) => readBytes(philipsXmlReader, Buffer.from(xml), '.xml');

  it('refuses XLI data that decodes to more samples than declared, and truncated data', async () => {
    const xml = writePhilips(sig, { xli: true }).toString();
    await expectFormatError(
      read(xml.replace('durationperchannel="1000"', 'durationperchannel="900"')),
      'inconsistent',
      /more than the 450 samples/,
    );
    await expectFormatError(read(xml.replace('durationperchannel="1000"', 'durationperchannel="1100"')), 'truncated');
    const plain = writePhilips(sig).toString();
    await expectFormatError(read(plain.replace('durationperchannel="1000"', 'durationperchannel="900"')), 'inconsistent', /more than/);
  });

  it('refuses unknown document versions and types; warns for a newer 1.0x', async () => {
    const xml = writePhilips(sig).toString();
    await expectFormatError(read(xml.replace('>1.04.01<', '>2.00<')), 'unsupported-encoding', /"2.00" is not supported/);
    await expectFormatError(read(xml.replace('>PhilipsECG<', '>OtherECG<')), 'unsupported-encoding');
    const rec = await read(xml.replace('>1.04.01<', '>1.05<'));
    expect(rec.warnings.some((w) => /f\d+\.xml: Philips document version 1.05/.test(w))).toBe(true);
  });

  it('refuses negative and absurd sampling rates, duplicated leads and a missing lead label', async () => {
    const xml = writePhilips(sig).toString();
    await expectFormatError(read(xml.replace('<samplingrate>500<', '<samplingrate>-500<')), 'bad-value');
    await expectFormatError(read(xml.replace('<samplingrate>500<', '<samplingrate>5000000<')), 'over-limit', /5000000 Hz is outside/);
    await expectFormatError(read(xml.replace('V1 V2', 'V1 V1')), 'inconsistent', /stored twice/);
    await expectFormatError(read(xml.replace('numberofleads="12"', 'numberofleads="13"')), 'inconsistent', /13 but only 12/);
  });

  it('warns when a standard lead is missing', async () => {
    const eleven = syntheticSignal(
      TWELVE_LEADS.filter((l) => l !== 'V6'),
      500,
      1,
    );
    const rec = await readBytes(philipsXmlReader, writePhilips(eleven), '.xml');
    expect(rec.warnings.some((w) => /V6 missing/.test(w))).toBe(true);
  });
});
