import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `sql` prepared once per connection. The import writes a dozen statements per record; preparing each one
 * every time cost more than running it (measured with --cpu-prof on the full PTB-XL import).
 */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

export interface OpenStoreOptions {
  readonly?: boolean;
  /** Stop migrating at this version (tests build old databases with it). */
  migrateTo?: number;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Above this size the full integrity_check takes seconds; quick_check skips index-content checks. */
export const FULL_CHECK_MAX_BYTES = 256 * 2 ** 20;
const BUSY_TIMEOUT_MS = 10_000;

/** Refuses anything that is not an SQLite file before SQLite touches it, so a wrong file is never rewritten. */
function checkMagic(path: string): number | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new StoreError('not-sqlite', `${path}: not a file`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof StoreError) throw err;
    throw new StoreError('io', `${path}: ${(err as Error).message}`);
  }
  if (size === 0) return 0;
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_MAGIC)) {
    throw new StoreError('not-sqlite', `${path}: not an SQLite database (wrong file header); the file was left untouched`);
  }
  return size;
}

function checkIntegrity(db: Db, path: string, size: number): void {
  const pragma = size > FULL_CHECK_MAX_BYTES ? 'quick_check' : 'integrity_check';
  let rows: string[];
  try {
    rows = (db.pragma(`${pragma}(20)`) as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
  } catch (err) {
    throw new StoreError('corrupt', `${path}: database is corrupt (${(err as Error).message}); the file was left untouched`);
  }
  if (rows.length !== 1 || rows[0] !== 'ok') {
    throw new StoreError(
      'corrupt',
      `${path}: database is corrupt (${pragma}: ${rows.slice(0, 3).join('; ')}); the file was left untouched`,
    );
  }
}

function migrate(db: Db, path: string, target: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError('newer-schema', `${path}: schema version ${current} is newer than this app's ${SCHEMA_VERSION}; update the app`);
  }
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The settings key that makes a database an audit package (`src/core/package`): a file that travels. */
export const PACKAGE_MANIFEST_KEY = 'package.manifest';

/** True when the database holds a package manifest; read before choosing the journal mode. */
function isPackage(db: Db): boolean {
  const hasSettings = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get() !== undefined;
  return hasSettings && db.prepare('SELECT 1 FROM settings WHERE key = ?').get(PACKAGE_MANIFEST_KEY) !== undefined;
}

/**
 * Opens (creating when absent, unless readonly) the audit database: checks the file is SQLite and intact
 * (integrity_check, or quick_check above FULL_CHECK_MAX_BYTES), then applies pending migrations.
 * WAL lets readers see a consistent snapshot while an import writes. A package opened as the database uses a
 * rollback journal instead: every committed label is in the one file a rater mails, quit or crash, and
 * switching an older package out of WAL checkpoints whatever its `-wal` held into the file.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const size = checkMagic(path);
  if (size === null && readonly) throw new StoreError('not-found', `${path}: database does not exist`);
  if (size === null) mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new StoreError('io', `${path}: cannot open database (${(err as Error).message})`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    checkIntegrity(db, path, size ?? 0);
    db.pragma('foreign_keys = ON');
    if (readonly) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new StoreError(
          version > SCHEMA_VERSION ? 'newer-schema' : 'outdated-readonly',
          `${path}: schema version ${version}, this app needs ${SCHEMA_VERSION} (open it writable once to migrate)`,
        );
      }
    } else {
      if (isPackage(db)) {
        db.pragma('journal_mode = DELETE');
        db.pragma('synchronous = FULL');
      } else {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      migrate(db, path, options.migrateTo ?? SCHEMA_VERSION);
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError('corrupt', `${path}: ${(err as Error).message}`);
  }
}

/** A consistent copy of a live database through SQLite's online backup (writers are not blocked). */
export async function backupStore(db: Db, outPath: string): Promise<void> {
  mkdirSync(dirname(outPath), { recursive: true });
  await db.backup(outPath);
}

/** ISO time stamps everywhere, so rows sort by text. */
export function nowIso(): string {
  return new Date().toISOString();
}
