/**
 * De-identification by allow-list, attacked with crafted identifying fields in every format this app reads:
 * names, ids, dates of birth, addresses, institutions, people and free comments in WFDB headers, EDF+, CSV,
 * MUSE, Philips, HL7 aECG, DICOM and SCP-ECG, under file names that carry them too. None of it may reach the
 * clinical fields, `inspect` without --show-identifiers, the store (unless asked), or any package; packages
 * also carry no exact recording date.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectJson } from '../../src/cli/commands/inspect.ts';
import { readEcgFile } from '../../src/core/formats/index.ts';
import type { EcgRecord } from '../../src/core/formats/record.ts';
import { exportLabelsPackage, exportStudyPackage } from '../../src/core/package/index.ts';
import { appendLabel, createRater, ensureStudy, insertRecord, openStore, signalHash } from '../../src/core/store/index.ts';
import { encodeCsv, encodeEdf, writeWfdb } from '../helpers/ecgWriters.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { el, writeDicom } from '../helpers/hospitalWriters/dicom.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { writePhilips } from '../helpers/hospitalWriters/philips.ts';
import { writeScp } from '../helpers/hospitalWriters/scp.ts';
import { type FixtureSignal, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';

/** Strings that identify the crafted patient; none may leave the researcher's machine. */
const SECRETS = [
  'Zqxlast',
  'Zqxfirst',
  'ZQX-PID-777',
  '1931-02-03',
  '19310203',
  '02-03-1931',
  '03-FEB-1931',
  'Zqxstreet',
  'Zqxdoctor',
  'General Hospital',
  'Tech Smith',
  'SITE-42',
];
/** Every recording date the fixtures carry: kept in the researcher's database, shifted in packages. */
const RECORDING_DATES = ['2012-03-14', '2008-12-23', '2002-11-22', '2020-03-02'];

let dir: string;
const files: Record<string, string> = {};

/** Each format gets its own signal (same signal = same record, stored once). */
function patientSignal(seed: number): FixtureSignal {
  const sig = syntheticSignal(TWELVE_LEADS, 500, 2, seed);
  return { ...sig, patient: { name: 'Zqxlast^Zqxfirst', id: 'ZQX-PID-777', birthDate: '1931-02-03', age: 93, sex: 'female' } };
}

/** A folder per format, named after the patient as hospital exports often are. */
function fileFor(format: string, name: string, bytes: Buffer | string): string {
  const folder = join(dir, `Zqxlast_ZQX-PID-777_${format}`);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-deid-'));
  files.muse = fileFor('muse', 'Zqxlast_ZQX-PID-777.xml', writeMuse(patientSignal(1)));
  files.philips = fileFor('philips', 'Zqxlast_ZQX-PID-777.xml', writePhilips(patientSignal(2)));
  files.aecg = fileFor('aecg', 'Zqxlast_ZQX-PID-777.xml', writeAecg(patientSignal(3)));
  files.dicom = fileFor(
    'dicom',
    'Zqxlast_ZQX-PID-777.dcm',
    writeDicom(patientSignal(4), { extra: [el.s(0x00101040, 'LO', '12 Zqxstreet'), el.s(0x00080090, 'PN', 'Zqxdoctor^Ann')] }),
  );
  files.scp = fileFor('scp', 'Zqxlast_ZQX-PID-777.scp', writeScp(patientSignal(5)));
  const sig = patientSignal(6);
  const wfdbDir = join(dir, 'Zqxlast_ZQX-PID-777_wfdb');
  mkdirSync(wfdbDir);
  const header = writeWfdb({
    dir: wfdbDir,
    record: 'ZQX-PID-777',
    fs: 500,
    format: 16,
    signals: sig.leads.map((l) => ({ name: l.name, adc: Array.from(l.adc), gain: 1000 / sig.uvPerLsb })),
    comments: [
      'Age: 93',
      'Sex: F',
      'Dx: 426783006',
      'Name: Zqxlast Zqxfirst',
      'Patient ID: ZQX-PID-777',
      'DOB: 1931-02-03',
      'Address: 12 Zqxstreet',
      'referred by Dr Zqxdoctor',
    ],
  });
  const lines = readFileSync(header, 'latin1').split('\n');
  lines[0] = `${lines[0]} 09:52:23 14/03/2012`;
  writeFileSync(header, lines.join('\n'));
  files.wfdb = header;
  const n = 1000;
  files.edf = fileFor(
    'edf',
    'Zqxlast_ZQX-PID-777.edf',
    encodeEdf({
      signals: ['I', 'II'].map((label, i) => ({
        label,
        physDim: 'uV',
        physMin: -5000,
        physMax: 5000,
        digMin: -32768,
        digMax: 32767,
        digital: Array.from(sig.leads[i]!.adc.slice(0, n)),
        samplesPerRecord: 500,
      })),
      recordDuration: 1,
      nRecords: 2,
      patient: 'ZQX-PID-777 F 03-FEB-1931 Zqxlast_Zqxfirst',
    }),
  );
  files.csv = fileFor(
    'csv',
    'Zqxlast_ZQX-PID-777.csv',
    encodeCsv(
      ['time', 'I', 'II'],
      Array.from({ length: n }, (_, k) => [(k / 500).toFixed(3), sig.leads[0]!.adc[k]! / 1000, sig.leads[1]!.adc[k]! / 1000]),
      ['Name: Zqxlast Zqxfirst', 'Patient ID: ZQX-PID-777'],
    ),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function leaks(text: string, secrets: readonly string[] = SECRETS): string[] {
  return secrets.filter((s) => text.includes(s));
}

async function readAll(): Promise<[string, EcgRecord][]> {
  return Promise.all(Object.entries(files).map(async ([format, path]) => [format, await readEcgFile(path)] as [string, EcgRecord]));
}

describe('de-identification by allow-list', () => {
  it('keeps only named clinical fields: identifying fields of every format are apart, and inspect hides them', async () => {
    for (const [format, rec] of await readAll()) {
      expect({ format, leaks: leaks(JSON.stringify(rec.clinical)) }).toEqual({ format, leaks: [] });
      expect({ format, leaks: leaks(JSON.stringify(inspectJson(rec, false))) }).toEqual({ format, leaks: [] });
      if (format !== 'csv') {
        // hidden, not lost: the researcher's --show-identifiers still shows the patient
        expect(JSON.stringify(inspectJson(rec, true))).toContain('ZQX-PID-777');
      }
    }
    const [, wfdb] = (await readAll()).find(([f]) => f === 'wfdb')!;
    expect(wfdb.clinical).toMatchObject({ age: 93, sex: 'female', diagnoses: [{ system: 'snomed-ct', code: '426783006' }] });
    expect(wfdb.identifying.other).toMatchObject({
      Name: 'Zqxlast Zqxfirst',
      'Patient ID': 'ZQX-PID-777',
      DOB: '1931-02-03',
      comments: 'referred by Dr Zqxdoctor',
    });
  });

  it('stores no identifier unless asked, and no package carries an identifier, a file name or an exact date', async () => {
    const db = join(dir, 'researcher.sqlite');
    const store = openStore(db);
    const records = await readAll();
    let first = 0;
    try {
      const study = ensureStudy(store, 'crafted');
      store.transaction(() => {
        for (const [i, [, rec]] of records.entries()) {
          const { id } = insertRecord(store, study.id, rec, signalHash(rec), i === 0);
          if (i === 0) first = id;
        }
      })();
      const rater = createRater(store, 'Dr. Rater');
      appendLabel(store, { raterId: rater.id, target: { kind: 'plausible', recordId: first }, value: 'yes' });
      const clinical = (store.prepare('SELECT clinical FROM records').all() as { clinical: string }[]).map((r) => r.clinical).join('\n');
      expect(leaks(clinical)).toEqual([]);
      // one record was imported keeping identifiers (the researcher's choice): the store has them there only
      expect(JSON.stringify(store.prepare('SELECT identifying FROM records WHERE id = ?').get(first))).toContain('ZQX-PID-777');
    } finally {
      store.close();
    }
    const study = join(dir, 'study.ecgaudit');
    const labels = join(dir, 'labels.ecgaudit');
    const researcher = openStore(db, { readonly: true });
    try {
      exportStudyPackage(researcher, db, { studyName: 'crafted', out: study });
      exportLabelsPackage(researcher, db, { studyName: 'crafted', out: labels });
    } finally {
      researcher.close();
    }
    for (const pkg of [study, labels]) {
      const bytes = readFileSync(pkg).toString('latin1');
      expect({ pkg, leaks: leaks(bytes, [...SECRETS, 'Zqxlast_', ...RECORDING_DATES]) }).toEqual({ pkg, leaks: [] });
      const db = openStore(pkg, { readonly: true });
      try {
        const dates = (db.prepare('SELECT clinical FROM records').all() as { clinical: string }[]).flatMap(
          (r) => (JSON.parse(r.clinical) as { recordedAt?: string }).recordedAt ?? [],
        );
        // every format but CSV states when it was recorded: shifted, not dropped
        expect(dates.length).toBe(records.length - 1);
      } finally {
        db.close();
      }
    }
  });
});
