import type { Db } from '../store/index.ts';
import { fileOutcomes } from '../store/index.ts';

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The files of a job that were not imported, as CSV (file, outcome, problem), for the person who ran it. */
export function errorReportCsv(db: Db, jobId: number): string {
  const rows = fileOutcomes(db, jobId).filter((r) => r.outcome === 'failed' || r.outcome === 'skipped');
  return ['file,outcome,problem', ...rows.map((r) => [r.path, r.outcome, r.reason].map(csvField).join(','))].join('\n') + '\n';
}
