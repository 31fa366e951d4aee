/** Opening and writing package files: every failure becomes a PackageError naming the file. */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Db, openStore, StoreError } from '../store/index.ts';
import { PackageError } from './errors.ts';

function fromStoreError(path: string, err: unknown): PackageError {
  if (err instanceof PackageError) return err;
  if (err instanceof StoreError) {
    const problem =
      err.problem === 'not-sqlite' ? 'not-a-package' : err.problem === 'not-found' ? 'not-found' : err.problem === 'io' ? 'io' : 'corrupt';
    return new PackageError(problem, err.message);
  }
  return new PackageError('corrupt', `${path}: ${(err as Error).message}`);
}

/**
 * Refuses a package with a `-wal` or `-journal` file beside it. Those files belong to the package: labels a
 * rater committed may still be in the `-wal`, and a `-journal` is a write that never finished. Reading the
 * package file alone would silently miss or half-see them, and a mailed package travels without them.
 */
export function assertSingleFile(path: string): void {
  const name = basename(path);
  if (existsSync(`${path}-wal`)) {
    throw new PackageError(
      'not-single-file',
      `${path}: ${name}-wal lies beside it, so labels may be in that file and not in the package: the package is open in the app or was not closed cleanly; quit the app (or open the package once and quit), then use the single ${name}`,
    );
  }
  if (existsSync(`${path}-journal`)) {
    throw new PackageError(
      'not-single-file',
      `${path}: ${name}-journal lies beside it, a write to the package that never finished; open the package once in the app and quit (SQLite rolls the write back), then try again`,
    );
  }
}

/** Opens a package (or any store file) read-only; a truncated or damaged file fails SQLite's integrity check here. */
export function openReadonly(path: string): Db {
  if (!existsSync(path)) throw new PackageError('not-found', `${path}: file does not exist`);
  if (statSync(path).size === 0) throw new PackageError('corrupt', `${path}: file is empty`);
  try {
    return openStore(path, { readonly: true });
  } catch (err) {
    throw fromStoreError(path, err);
  }
}

/** Runs `read` on a read-only connection and always closes it; reader errors name the file. */
export function withReadonly<T>(path: string, read: (db: Db) => T): T {
  const db = openReadonly(path);
  try {
    return read(db);
  } catch (err) {
    throw fromStoreError(path, err);
  } finally {
    db.close();
  }
}

/**
 * Builds a new package at `out` through the store's own migrations (so it is a valid store database), writing
 * into `out.partial` and renaming at the end so a crash never leaves a half-written file under the real name.
 * The result is a single self-contained file (rollback journal, vacuumed), never a WAL pair.
 */
export function writeNewPackage<T>(out: string, build: (db: Db) => T): T {
  if (existsSync(out)) throw new PackageError('io', `${out}: file already exists; choose another name or remove it`);
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  let db: Db;
  try {
    db = openStore(partial);
  } catch (err) {
    throw fromStoreError(partial, err);
  }
  try {
    const result = build(db);
    db.pragma('journal_mode = DELETE');
    db.exec('VACUUM');
    db.close();
    renameSync(partial, out);
    return result;
  } catch (err) {
    if (db.open) db.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
    throw err;
  }
}

/**
 * Copies rows of `table` from `src` into `dst` (same schema), optionally rewriting each row; columns come from
 * the destination so a column the source lacks would fail loudly instead of being dropped.
 */
export function rowInserter(dst: Db, table: string): (row: Record<string, unknown>) => void {
  const cols = (dst.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  const insert = dst.prepare(
    `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
  );
  return (row) => {
    insert.run(row);
  };
}

export function copyRows(
  src: Db,
  dst: Db,
  table: string,
  where: string,
  params: unknown[],
  rewrite: (row: Record<string, unknown>) => Record<string, unknown> | null = (row) => row,
): number {
  const insert = rowInserter(dst, table);
  let n = 0;
  for (const row of src.prepare(`SELECT * FROM ${table} WHERE ${where}`).iterate(...params) as Iterable<Record<string, unknown>>) {
    const out = rewrite(row);
    if (out === null) continue;
    insert(out);
    n++;
  }
  return n;
}
