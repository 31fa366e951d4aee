/**
 * `import --ptbxl-database`: PTB-XL records kept apart from their ptbxl_database.csv (as the full PTB-XL in
 * /tmp/ptbxl is, its tables in ../shared/data/ptbxl-full) still get their reference diagnoses.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportInputError, startImport } from '../../src/core/import/index.ts';
import { getReference, openStore } from '../../src/core/store/index.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { tinyModel } from './helpers.ts';

let dir: string;
let records: string;
let tiny: Awaited<ReturnType<typeof tinyModel>>;
const database = join(sharedDataDir(), 'ptbxl', 'ptbxl_database.csv');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-ptbxl-database-'));
  // the path's last three parts name the record in the table (records100/00000/00001_lr)
  records = join(dir, 'records100', '00000');
  mkdirSync(records, { recursive: true });
  for (const id of ['00001', '00002', '00003']) {
    for (const ext of ['hea', 'dat'])
      copyFileSync(join(sharedDataDir(), 'ptbxl', 'records100', '00000', `${id}_lr.${ext}`), join(records, `${id}_lr.${ext}`));
  }
  tiny = await tinyModel();
});

afterAll(async () => {
  await tiny?.close();
  rmSync(dir, { recursive: true, force: true });
});

function referenceCount(path: string): number {
  const db = openStore(path, { readonly: true });
  try {
    const ids = (db.prepare('SELECT id FROM records').all() as { id: number }[]).map((r) => r.id);
    expect(ids).toHaveLength(3);
    return ids.filter((id) => getReference(db, id) !== null).length;
  } finally {
    db.close();
  }
}

describe('import --ptbxl-database', () => {
  it('stores the reference diagnoses of records whose table is elsewhere, and none without it', async () => {
    for (const [name, ptbxlDatabase, expected] of [
      ['with.sqlite', database, 3],
      ['without.sqlite', undefined, 0],
    ] as const) {
      const path = join(dir, name);
      const db = openStore(path);
      try {
        const summary = await startImport(db, { inputs: [records], study: 'ptbxl', model: tiny.model, ptbxlDatabase }).done;
        expect(summary.imported).toBe(3);
      } finally {
        db.close();
      }
      expect(referenceCount(path)).toBe(expected);
    }
  });

  it('refuses a table that does not exist before reading any record', async () => {
    const db = openStore(join(dir, 'missing.sqlite'));
    try {
      const task = startImport(db, { inputs: [records], study: 'ptbxl', model: tiny.model, ptbxlDatabase: join(dir, 'nope.csv') });
      await expect(task.done).rejects.toThrow(ImportInputError);
      await expect(task.done).rejects.toThrow(/nope\.csv: no such PTB-XL database file/);
    } finally {
      db.close();
    }
  });
});
