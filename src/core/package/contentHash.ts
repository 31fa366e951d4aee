/**
 * The content hash of an audit package: sha256 over a canonical serialisation of the package's content tables
 * (docs/packages.md, "Content hash"). It is independent of SQLite's page layout, so VACUUM or a copy through the
 * backup API keeps it, while any edited, added or removed row changes it.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Db } from '../store/index.ts';

export const CONTENT_HASH_VERSION = 'ecg-audit-package-content/1';

/** The settings row holding the hash; it is the one package row the hash cannot cover. */
export const CONTENT_HASH_KEY = 'package.content_sha256';

export interface HashedTable {
  name: string;
  /** Columns that order the rows (the primary key), so row order does not depend on insertion order. */
  orderBy: string;
  /** Extra filter; only the settings table uses it. */
  where?: string;
}

const settingsTable: HashedTable = {
  name: 'settings',
  orderBy: 'key',
  where: `key LIKE 'package.%' AND key <> '${CONTENT_HASH_KEY}'`,
};

/** What a study package holds; labels a rater adds later live in raters/labels and are not covered. */
export const STUDY_PACKAGE_TABLES: readonly HashedTable[] = [
  { name: 'studies', orderBy: 'id' },
  { name: 'records', orderBy: 'id' },
  { name: 'signals', orderBy: 'record_id' },
  { name: 'annotations', orderBy: 'id' },
  { name: 'models', orderBy: 'id' },
  { name: 'runs', orderBy: 'id' },
  { name: 'attribution_maps', orderBy: 'run_id, class_index' },
  { name: 'evidence_regions', orderBy: 'id' },
  settingsTable,
];

/** What a labels package holds: the label history and the rows its foreign keys point at. */
export const LABELS_PACKAGE_TABLES: readonly HashedTable[] = [
  { name: 'studies', orderBy: 'id' },
  { name: 'records', orderBy: 'id' },
  { name: 'models', orderBy: 'id' },
  { name: 'runs', orderBy: 'id' },
  { name: 'evidence_regions', orderBy: 'id' },
  { name: 'raters', orderBy: 'id' },
  { name: 'labels', orderBy: 'id' },
  settingsTable,
];

function feedValue(h: Hash, v: unknown): void {
  if (v === null) {
    h.update('n');
  } else if (typeof v === 'bigint') {
    h.update(`i${v}\n`);
  } else if (typeof v === 'number') {
    // REAL: the exact IEEE-754 bits, so no decimal formatting can blur two values.
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    h.update(`r${b.toString('hex')}\n`);
  } else if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    h.update(`t${bytes.length}:`);
    h.update(bytes);
  } else if (Buffer.isBuffer(v)) {
    h.update(`b${v.length}:`);
    h.update(v);
  } else {
    throw new Error(`content hash: unexpected SQLite value of type ${typeof v}`);
  }
}

function columnsOf(db: Db, table: string): string[] {
  const cols = db.pragma(`table_info(${table})`) as { cid: number; name: string }[];
  return cols.sort((a, b) => a.cid - b.cid).map((c) => c.name);
}

/** sha256 (hex) of the canonical serialisation of `tables` in `db`. */
export function contentHash(db: Db, tables: readonly HashedTable[]): string {
  const h = createHash('sha256');
  h.update(`${CONTENT_HASH_VERSION}\n`);
  for (const t of tables) {
    const cols = columnsOf(db, t.name);
    h.update(`table ${t.name}\ncolumns ${cols.join(',')}\n`);
    const stmt = db
      .prepare(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM ${t.name}${t.where ? ` WHERE ${t.where}` : ''} ORDER BY ${t.orderBy}`)
      .raw(true)
      .safeIntegers(true);
    let rows = 0;
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      for (const v of row) feedValue(h, v);
      rows++;
    }
    h.update(`end ${t.name} ${rows}\n`);
  }
  return h.digest('hex');
}
