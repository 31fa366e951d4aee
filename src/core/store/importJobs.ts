/** Import jobs and per-file outcomes: the rows that let an interrupted import resume without repeating work. */
import type { Db } from './db.ts';
import { nowIso, statement } from './db.ts';
import { StoreError } from './errors.ts';

export type FileOutcome = 'imported' | 'duplicate' | 'part-of-record' | 'skipped' | 'failed';
export type JobStatus = 'running' | 'cancelled' | 'completed';

export interface ImportJob {
  id: number;
  studyId: number;
  modelId: string | null;
  inputs: string[];
  inputsKey: string;
  keepIdentifiers: boolean;
  status: JobStatus;
  totalFiles: number | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface FileOutcomeRow {
  path: string;
  outcome: FileOutcome;
  recordId: number | null;
  reason: string;
}

interface JobRow {
  id: number;
  study_id: number;
  model_id: string | null;
  inputs: string;
  inputs_key: string;
  keep_identifiers: number;
  status: JobStatus;
  total_files: number | null;
  created_at: string;
  finished_at: string | null;
}

function toJob(r: JobRow): ImportJob {
  return {
    id: r.id,
    studyId: r.study_id,
    modelId: r.model_id,
    inputs: JSON.parse(r.inputs) as string[],
    inputsKey: r.inputs_key,
    keepIdentifiers: r.keep_identifiers === 1,
    status: r.status,
    totalFiles: r.total_files,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export function getImportJob(db: Db, id: number): ImportJob {
  const row = db.prepare('SELECT * FROM import_jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) throw new StoreError('not-found', `import job ${id} does not exist`);
  return toJob(row);
}

/** The latest job with this key that did not complete (killed or cancelled), which a new start resumes. */
export function findUnfinishedJob(db: Db, inputsKey: string): ImportJob | null {
  const row = db
    .prepare(`SELECT * FROM import_jobs WHERE inputs_key = ? AND status <> 'completed' ORDER BY id DESC LIMIT 1`)
    .get(inputsKey) as JobRow | undefined;
  return row ? toJob(row) : null;
}

export function listImportJobs(db: Db): ImportJob[] {
  return (db.prepare('SELECT * FROM import_jobs ORDER BY id').all() as JobRow[]).map(toJob);
}

export function createImportJob(
  db: Db,
  job: { studyId: number; modelId: string | null; inputs: string[]; inputsKey: string; keepIdentifiers: boolean },
): ImportJob {
  const id = Number(
    db
      .prepare(
        `INSERT INTO import_jobs (study_id, model_id, inputs, inputs_key, keep_identifiers, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(job.studyId, job.modelId, JSON.stringify(job.inputs), job.inputsKey, job.keepIdentifiers ? 1 : 0, nowIso()).lastInsertRowid,
  );
  return getImportJob(db, id);
}

export function setJobStatus(db: Db, jobId: number, status: JobStatus, totalFiles?: number): void {
  db.prepare(
    `UPDATE import_jobs SET status = ?, total_files = COALESCE(?, total_files),
       finished_at = CASE WHEN ? = 'running' THEN NULL ELSE ? END WHERE id = ?`,
  ).run(status, totalFiles ?? null, status, nowIso(), jobId);
}

/**
 * Records outcomes; call inside the transaction that wrote what they describe. The first outcome of a file
 * wins, so two processes working on the same job cannot give a file two outcomes.
 */
export function insertFileOutcomes(db: Db, jobId: number, rows: FileOutcomeRow[]): void {
  const stmt = statement(db, 'INSERT OR IGNORE INTO import_files (job_id, path, outcome, record_id, reason) VALUES (?, ?, ?, ?, ?)');
  for (const r of rows) stmt.run(jobId, r.path, r.outcome, r.recordId, r.reason);
}

export function fileOutcomes(db: Db, jobId: number): FileOutcomeRow[] {
  return (
    db.prepare('SELECT path, outcome, record_id, reason FROM import_files WHERE job_id = ? ORDER BY path').all(jobId) as {
      path: string;
      outcome: FileOutcome;
      record_id: number | null;
      reason: string;
    }[]
  ).map((r) => ({ path: r.path, outcome: r.outcome, recordId: r.record_id, reason: r.reason }));
}

export function outcomeCounts(db: Db, jobId: number): Record<FileOutcome, number> {
  const counts: Record<FileOutcome, number> = { imported: 0, duplicate: 0, 'part-of-record': 0, skipped: 0, failed: 0 };
  const rows = db.prepare('SELECT outcome, COUNT(*) AS n FROM import_files WHERE job_id = ? GROUP BY outcome').all(jobId) as {
    outcome: FileOutcome;
    n: number;
  }[];
  for (const r of rows) counts[r.outcome] = r.n;
  return counts;
}

/**
 * Takes back an import that stored nothing in the study it created: the job, its file outcomes, the study and
 * its settings go, in one transaction, so no empty study is left behind. Refused (false) when the study holds
 * records or another import job names it.
 */
export function discardEmptyImport(db: Db, jobId: number): boolean {
  return db
    .transaction(() => {
      const { studyId } = getImportJob(db, jobId);
      const records = db.prepare('SELECT COUNT(*) AS n FROM records WHERE study_id = ?').get(studyId) as { n: number };
      const otherJobs = db.prepare('SELECT COUNT(*) AS n FROM import_jobs WHERE study_id = ? AND id <> ?').get(studyId, jobId) as {
        n: number;
      };
      if (records.n > 0 || otherJobs.n > 0) return false;
      db.prepare('DELETE FROM import_files WHERE job_id = ?').run(jobId);
      db.prepare('DELETE FROM import_jobs WHERE id = ?').run(jobId);
      db.prepare(`DELETE FROM settings WHERE key LIKE 'study.' || ? || '.%'`).run(studyId);
      db.prepare('DELETE FROM studies WHERE id = ?').run(studyId);
      return true;
    })
    .immediate();
}
