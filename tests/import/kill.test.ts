/**
 * Crash safety: an import process SIGKILLed at random points and started again ends with exactly the contents
 * of an uninterrupted import, and a reader in another process never sees a half-written record.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/index.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { contents, TINY_MODEL_DIR } from './helpers.ts';

const TRIALS = 20;
const RECORDS = 40;

function inputs(): string[] {
  const dir = join(sharedDataDir(), 'ptbxl/records500/00000');
  const headers = readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .slice(0, RECORDS);
  return headers.flatMap((h) => [join(dir, h), join(dir, h.replace('.hea', '.dat'))]);
}

function cli(db: string): ReturnType<typeof spawn> {
  return spawn(
    process.execPath,
    [repoPath('bin/ecg-audit.mjs'), 'import', ...inputs(), '--db', db, '--study', 'kill', '--model', TINY_MODEL_DIR, '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

async function runToEnd(db: string): Promise<{ imported: number; status: string; resumed: boolean; failed: unknown[] }> {
  const child = cli(db);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`import exited with ${code}: ${err}`);
  return JSON.parse(out);
}

function jobStatus(path: string): string | null {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT status FROM import_jobs ORDER BY id LIMIT 1').get() as { status: string } | undefined;
    return row?.status ?? null;
  } catch {
    return null; // killed before the tables existed
  } finally {
    db.close();
  }
}

/** One consistent snapshot from another process: every stored record is whole and has its outcome row. */
function checkSnapshot(reader: Database.Database): number {
  return reader.transaction(() => {
    const q = (sql: string): number => (reader.prepare(sql).get() as { n: number }).n;
    const outcomes = q('SELECT COUNT(*) AS n FROM import_files');
    expect(q('SELECT COUNT(*) AS n FROM records r WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.record_id = r.id)')).toBe(0);
    expect(q('SELECT COUNT(*) AS n FROM records r WHERE NOT EXISTS (SELECT 1 FROM runs u WHERE u.record_id = r.id)')).toBe(0);
    expect(q('SELECT COUNT(*) AS n FROM runs u WHERE length(u.attribution_sha256) IS NOT 64')).toBe(0);
    expect(q("SELECT COUNT(*) AS n FROM import_files WHERE outcome = 'imported'")).toBe(q('SELECT COUNT(*) AS n FROM records'));
    expect(q("SELECT COUNT(*) AS n FROM import_files WHERE outcome = 'part-of-record' AND record_id IS NULL")).toBe(0);
    return outcomes;
  })();
}

/** Kills the import once `target` outcome rows exist (0: at a random moment of start-up), checking snapshots meanwhile. */
async function killAt(db: string, target: number, startupMs: number): Promise<{ seen: number; snapshots: number }> {
  const child = cli(db);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let alive = true;
  void exited.then(() => (alive = false));
  const t0 = Date.now();
  let reader: Database.Database | null = null;
  let seen = 0;
  let snapshots = 0;
  while (alive) {
    if (target === 0 && Date.now() - t0 >= startupMs) break;
    try {
      reader ??= new Database(db, { readonly: true, fileMustExist: true });
      seen = checkSnapshot(reader);
      snapshots++;
      if (target > 0 && seen >= target) break;
    } catch (err) {
      // the database, its tables or its latest columns do not exist yet while the child starts (migrations run one
      // transaction each); anything else is a real failure
      if (!/no such table|no such column|unable to open|does not exist|SQLITE_CANTOPEN/.test(String(err))) throw err;
      reader?.close();
      reader = null;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
  reader?.close();
  return { seen, snapshots };
}

describe('import killed at random points', () => {
  it(`resumes to the same contents as an uninterrupted run (${TRIALS} SIGKILL trials, ${RECORDS} records)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-kill-'));
    const refPath = join(dir, 'reference.sqlite');
    const ref = await runToEnd(refPath);
    expect(ref).toMatchObject({ imported: RECORDS, status: 'completed', failed: [] });
    const refDb = openStore(refPath, { readonly: true });
    const expected = contents(refDb);
    refDb.close();

    let midImportKills = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const path = join(dir, `trial-${trial}.sqlite`);
      // a quarter of the trials die during start-up, the rest after a random number of files
      const target = trial % 4 === 0 ? 0 : 1 + Math.floor(Math.random() * (2 * RECORDS - 1));
      const killed = await killAt(path, target, 500 + Math.random() * 2500);
      if (killed.seen > 0 && killed.seen < 2 * RECORDS) midImportKills++;
      const jobAfterKill = existsSync(path) ? jobStatus(path) : null;
      const resumed = await runToEnd(path);
      expect(resumed.status).toBe('completed');
      expect(resumed.failed).toEqual([]);
      // killed after the job completed: running it again is a new job that finds every record a duplicate
      if (jobAfterKill === 'completed') expect(resumed).toMatchObject({ resumed: false, imported: 0 });
      else if (jobAfterKill === 'running') expect(resumed.resumed).toBe(true);
      const db = openStore(path); // runs integrity_check
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(contents(db), `trial ${trial} (killed at ${killed.seen} files)`).toEqual(expected);
      db.close();
    }
    expect(midImportKills).toBeGreaterThanOrEqual(TRIALS / 2);
  }, 900_000);
});
