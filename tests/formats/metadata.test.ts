/** Lead names, dataset metadata (PTB-XL, LUDB, CinC) and detection, against the shared data's documented counts. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFile, detectFormat, readEcgFile } from '../../src/core/formats/index.ts';
import { LEAD_ALIASES, normaliseLeadName, orderLeads } from '../../src/core/formats/leadNames.ts';
import { parseScpCodes, readLudbMetadata, readPtbxlMetadata } from '../../src/core/formats/datasetMetadata.ts';
import type { Lead } from '../../src/core/formats/record.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

const data = sharedDataDir();

describe('lead names', () => {
  it.each([
    ['AVR', 'aVR'],
    ['avr', 'aVR'],
    ['aVL', 'aVL'],
    ['v1', 'V1'],
    [' V6 ', 'V6'],
    ['i', 'I'],
    ['iii', 'III'],
    ['ECG II', 'II'],
    ['Lead aVF', 'aVF'],
    ['EKG-V3', 'V3'],
    ['DII', 'II'],
    ['Pleth', 'Pleth'],
  ])('%s -> %s', (raw, want) => expect(normaliseLeadName(raw)).toBe(want));

  it('takes an extended alias table (e.g. MDC codes)', () => {
    const mdc = new Map([...LEAD_ALIASES, ['MDCECGLEADAVR', 'aVR']]);
    expect(normaliseLeadName('MDC_ECG_LEAD_aVR', mdc)).toBe('aVR');
    expect(normaliseLeadName('MDC_ECG_LEAD_aVR')).toBe('MDC_ECG_LEAD_aVR');
  });

  it('orders standard leads first in standard order, others after in file order', () => {
    const lead = (name: string): Lead => ({ name, unit: 'mV', storedUnit: 'mV', derived: false, mv: new Float32Array(1) });
    expect(orderLeads(['Resp', 'V2', 'II', 'X', 'I', 'aVF'].map(lead)).map((l) => l.name)).toEqual(['I', 'II', 'aVF', 'V2', 'Resp', 'X']);
  });
});

describe('PTB-XL metadata', () => {
  const dir = join(data, 'ptbxl', 'records500', '00000');
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .map((f) => join(dir, f));

  it('parses scp_codes dict literals', () => {
    expect(parseScpCodes("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}")).toEqual([
      ['NORM', 100],
      ['LVOLT', 0],
      ['SR', 0],
    ]);
  });

  it('fills record 1 from ptbxl_database.csv and scp_statements.csv', async () => {
    const rec = await readEcgFile(join(data, 'ptbxl', 'records100', '00000', '00001_lr'));
    expect(rec.clinical).toMatchObject({ age: 56, sex: 'female', device: 'CS-12   E', recordedAt: '1984-11-09T09:17:34' });
    expect(rec.clinical.diagnoses?.[0]).toEqual({
      system: 'scp-ecg',
      code: 'NORM',
      text: 'normal ECG',
      likelihood: 100,
      diagnosticClass: 'NORM',
    });
    expect(rec.clinical.statements?.[0]).toMatch(/^sinusrhythmus/);
    // ecg_id and patient_id re-link the record to PTB-XL's patient: identifying, never clinical
    expect(rec.identifying).toEqual({ patientId: '15709', other: { ecgId: '1', stratFold: '3' } });
    expect(JSON.stringify(rec.clinical)).not.toMatch(/ecgId|15709|stratFold/);
    expect(rec.sourceFiles.some((f) => f.endsWith('ptbxl_database.csv'))).toBe(true);
  });

  it('reproduces the superclass and strat_fold counts documented in the data README', async () => {
    const classes: Record<string, number> = { NORM: 0, MI: 0, STTC: 0, CD: 0, HYP: 0, none: 0 };
    const folds: Record<string, number> = {};
    for (const r of records) {
      const meta = await readPtbxlMetadata(r);
      const sup = new Set(meta!.clinical.diagnoses!.flatMap((d) => d.diagnosticClass ?? []));
      if (sup.size === 0) classes.none++;
      for (const c of sup) classes[c]!++;
      const fold = meta!.identifying.other!.stratFold!;
      folds[fold] = (folds[fold] ?? 0) + 1;
    }
    expect(records).toHaveLength(500);
    expect(classes).toEqual({ NORM: 297, MI: 73, STTC: 96, CD: 78, HYP: 40, none: 12 });
    expect(folds).toEqual({ '1': 58, '2': 51, '3': 34, '4': 42, '5': 47, '6': 33, '7': 44, '8': 44, '9': 81, '10': 66 });
  });

  it('is undefined outside a PTB-XL folder', async () => {
    expect(await readPtbxlMetadata(join(data, 'cinc2020', 'E00009.hea'))).toBeUndefined();
  });
});

describe('LUDB and CinC metadata', () => {
  it('LUDB record 1: ludb.csv sex, age, rhythm', async () => {
    const meta = await readLudbMetadata(join(data, 'ludb', 'data', '1.hea'));
    expect(meta?.clinical).toMatchObject({ sex: 'female', age: 51 });
    expect(meta?.clinical.statements).toContain('Rhythms: Sinus bradycardia');
  });

  it('LUDB header: the statements after #<diagnoses>: are clinical', async () => {
    const rec = await readEcgFile(join(data, 'ludb', 'data', '1.hea'), { datasetMetadata: false });
    expect(rec.clinical).toMatchObject({ age: 51, sex: 'female' });
    expect(rec.clinical.statements).toContain('Rhythm: Sinus bradycardia.');
    expect(rec.identifying).toEqual({});
  });

  it('CinC: #Age, #Sex and #Dx SNOMED CT codes from the header', async () => {
    const rec = await readEcgFile(join(data, 'cinc2020', 'E00009'));
    expect(rec.format).toBe('cinc-mat');
    expect(rec.clinical).toMatchObject({ age: 76, sex: 'male' });
    // #Rx/#Hx/#Sx: Unknown; history and symptoms are not on the allow-list
    expect(rec.clinical.medications).toBeUndefined();
    expect(rec.identifying.other).toEqual({ Hx: 'Unknown', Sx: 'Unknown' });
    expect(rec.clinical.diagnoses?.map((d) => `${d.system}:${d.code}`)).toEqual([
      'snomed-ct:428750005',
      'snomed-ct:39732003',
      'snomed-ct:427084000',
    ]);
  });
});

describe('detection by content', () => {
  it('detects and classifies the shared data files', async () => {
    expect(await detectFormat(join(data, 'ludb', 'data', '1.hea'))).toBe('wfdb');
    expect(await detectFormat(join(data, 'ludb', 'data', '1'))).toBe('wfdb');
    expect(await detectFormat(join(data, 'cinc2020', 'E00009.hea'))).toBe('cinc-mat');
    expect(await detectFormat(join(data, 'ptbxl', 'ptbxl_database.csv'))).toBeUndefined();
    expect(await classifyFile(join(data, 'ludb', 'data', '1.hea'))).toBe('record');
    expect(await classifyFile(join(data, 'ludb', 'data', '1.dat'))).toBe('companion');
    expect(await classifyFile(join(data, 'ludb', 'data', '1.avf'))).toBe('companion');
    expect(await classifyFile(join(data, 'cinc2020', 'E00009.mat'))).toBe('companion');
    expect(await classifyFile(join(data, 'ludb', 'ludb.csv'))).toBe('other');
    expect(await classifyFile(join(data, 'ptbxl', 'SOURCE.md'))).toBe('other');
  });
});
