import type { Db, FileOutcomeRow } from '../store/index.ts';
import { fileOutcomes } from '../store/index.ts';

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Files that were not imported, as CSV (file, outcome, problem), for the person who ran the import. */
export function problemsCsv(rows: readonly FileOutcomeRow[]): string {
  const problems = rows.filter((r) => r.outcome === 'failed' || r.outcome === 'skipped');
  return ['file,outcome,problem', ...problems.map((r) => [r.path, r.outcome, r.reason].map(csvField).join(','))].join('\n') + '\n';
}

/** The failure report of a job in the database. */
export function errorReportCsv(db: Db, jobId: number): string {
  return problemsCsv(fileOutcomes(db, jobId));
}
