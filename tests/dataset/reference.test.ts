import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { cincReference, isRefusal, ReferenceResolver } from '../../src/core/dataset/reference.ts';
import { SNOMED_LEFT_OUT, SNOMED_SUPERCLASS } from '../../src/core/dataset/superclassMaps.ts';
import { runPythonJson } from '../helpers/python.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

const data = sharedDataDir();
const fullTable = join(data, 'ptbxl-full', 'ptbxl_database.csv');

/** The 30 codes the CinC 2020 Challenge scored (dx_mapping_scored.csv): each must be mapped or left out on purpose. */
const SCORED = [
  '270492004', '164889003', '164890007', '426627000', '713427006', '713426002', '445118002', '39732003', '164909002',
  '251146004', '698252002', '10370003', '284470004', '427172004', '164947007', '111975006', '164917005', '47665007',
  '59118001', '427393009', '426177001', '426783006', '427084000', '63593006', '164934002', '59931005', '17338001',
]; // prettier-ignore

describe('reference diagnoses', () => {
  it('PTB-XL superclasses equal training/data.py on all 21,837 rows of the full label table', () => {
    const expected = runPythonJson<Record<string, string[]>>(
      'ptbxl_superclasses.py',
      { labels: fullTable },
      '-r training/requirements.txt',
    );
    const resolver = new ReferenceResolver({ ptbxlDatabase: fullTable });
    let refused = 0;
    for (const [rel, classes] of Object.entries(expected)) {
      const ref = resolver.ptbxl(join('/anywhere', `${rel}.hea`));
      if (classes.length === 0) {
        expect(isRefusal(ref), rel).toBe(true);
        refused++;
      } else {
        expect(isRefusal(ref) ? ref.refused : ref?.superclasses, rel).toEqual([...classes].sort(byModelOrder));
      }
    }
    expect(Object.keys(expected)).toHaveLength(21_837);
    expect(refused).toBe(407);
  });

  it('finds ptbxl_database.csv above the records and keeps codes, statement text and folds, nothing identifying', async () => {
    const record = join(data, 'ptbxl', 'records500', '00000', '00001_hr.hea');
    const ref = new ReferenceResolver().forRecord(await readEcgFile(record));
    expect(ref).toEqual({
      source: 'ptb-xl',
      codes: [
        { system: 'scp-ecg', code: 'NORM', text: 'normal ECG', likelihood: 100, superclass: 'NORM' },
        { system: 'scp-ecg', code: 'LVOLT', text: 'low QRS voltages in the frontal and horizontal leads', likelihood: 0 },
        { system: 'scp-ecg', code: 'SR', text: 'sinus rhythm', likelihood: 0 },
      ],
      superclasses: ['NORM'],
      undetermined: [],
      fold: 3,
    });
  });

  it('maps CinC #Dx codes by the documented table, agreeing with PTB-XL on the CinC copies of PTB-XL records', async () => {
    for (const code of SCORED) expect(code in SNOMED_SUPERCLASS || code in SNOMED_LEFT_OUT, code).toBe(true);
    for (const code of Object.keys(SNOMED_SUPERCLASS)) expect(code in SNOMED_LEFT_OUT, code).toBe(false);
    const ptbxl = new ReferenceResolver({ ptbxlDatabase: fullTable });
    const expected: Record<string, string[]> = {
      E00009: ['STTC'],
      E00015: [],
      E00018: ['CD'],
      E00793: ['STTC', 'HYP'],
      Q0001: ['MI'],
      Q0017: [],
      Q0027: ['STTC', 'CD'],
    };
    for (const name of ['E00009', 'E00015', 'E00018', 'E00793', 'HR00599', 'HR20715', 'Q0001', 'Q0017', 'Q0027']) {
      const record = await readEcgFile(join(data, 'cinc2020', `${name}.hea`));
      const ref = cincReference(record)!;
      expect(ref.source).toBe('cinc');
      expect(ref.undetermined).toEqual(['NORM']);
      if (name.startsWith('HR')) {
        // HR00599 is PTB-XL ecg_id 599: the Challenge's SNOMED codes and PTB-XL's own statements agree
        const id = name.slice(2);
        const same = ptbxl.ptbxl(join('/x', 'records100', `${id.slice(0, 2)}000`, `${id}_lr.hea`));
        expect(isRefusal(same) ? [] : same!.superclasses.filter((c) => c !== 'NORM')).toEqual(ref.superclasses);
      } else expect(ref.superclasses, name).toEqual(expected[name]);
      for (const c of ref.codes) expect(c.superclass !== undefined || c.leftOut !== undefined).toBe(true);
    }
  });

  it('maps LUDB diagnoses, with NORM and ambiguous ischaemia undetermined', () => {
    const resolver = new ReferenceResolver();
    const ref = (id: number) => resolver.ludb(join(data, 'ludb', 'data', `${id}.hea`))!;
    expect(ref(1)).toMatchObject({ source: 'ludb', superclasses: ['STTC', 'HYP'], undetermined: ['NORM'] });
    expect(ref(1).codes).toContainEqual({
      system: 'ludb',
      code: 'Hypertrophies: Left ventricular hypertrophy',
      text: 'Left ventricular hypertrophy',
      superclass: 'HYP',
    });
    let ambiguous = 0;
    for (let id = 1; id <= 200; id++) {
      const r = ref(id);
      const unclear = r.codes.some((c) => c.text?.startsWith('Undefined ischemia'));
      if (unclear) ambiguous++;
      if (unclear && !r.superclasses.includes('MI')) expect(r.undetermined).toContain('MI');
      for (const c of r.superclasses) expect(r.undetermined).not.toContain(c);
      expect(JSON.stringify(r)).not.toMatch(/"(Sex|Age)/);
    }
    expect(ambiguous).toBeGreaterThan(0);
  });
});

const ORDER = ['NORM', 'MI', 'STTC', 'CD', 'HYP'];
function byModelOrder(a: string, b: string): number {
  return ORDER.indexOf(a) - ORDER.indexOf(b);
}
