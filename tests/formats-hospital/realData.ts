/** Real records from the shared data folder, read with the project's WFDB reader (never copied into the repo). */
import { join } from 'node:path';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { fixtureFromRecord, type FixtureSignal } from '../helpers/hospitalWriters/signal.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

export async function ptbxl(id: number, hz: 100 | 500 = 500, leads?: string[]): Promise<FixtureSignal> {
  const name = `${String(id).padStart(5, '0')}_${hz === 500 ? 'hr' : 'lr'}`;
  const rec = await readEcgFile(join(sharedDataDir(), 'ptbxl', `records${hz}`, '00000', `${name}.hea`), {
    datasetMetadata: false,
  });
  return fixtureFromRecord(rec, leads);
}

export async function ludb(id: number, leads?: string[]): Promise<FixtureSignal> {
  const rec = await readEcgFile(join(sharedDataDir(), 'ludb', 'data', `${id}.hea`), { datasetMetadata: false });
  return fixtureFromRecord(rec, leads);
}
