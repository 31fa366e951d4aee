/** What a package takes from its source database: the study, its records, runs and models, de-identified. */
import { basename } from 'node:path';
import { type Db, findStudy, type Study } from '../store/index.ts';
import { PackageError } from './errors.ts';

export interface StudyContent {
  study: Study;
  /** Record ids and pseudonyms in worklist (import) order. */
  records: { id: number; pseudonym: string; contentSha256: string }[];
  runIds: number[];
  models: { id: string; manifestSha256: string }[];
}

export function studyContent(db: Db, path: string, studyName: string): StudyContent {
  const study = findStudy(db, studyName);
  if (!study) throw new PackageError('not-found', `${path}: no study named ${JSON.stringify(studyName)}`);
  const records = (
    db.prepare('SELECT id, pseudonym, content_sha256 FROM records WHERE study_id = ? ORDER BY id').all(study.id) as {
      id: number;
      pseudonym: string;
      content_sha256: string;
    }[]
  ).map((r) => ({ id: r.id, pseudonym: r.pseudonym, contentSha256: r.content_sha256 }));
  if (records.length === 0) throw new PackageError('invalid', `${path}: study ${JSON.stringify(studyName)} has no records`);
  const runIds = (
    db.prepare('SELECT run.id FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ? ORDER BY run.id').all(study.id) as {
      id: number;
    }[]
  ).map((r) => r.id);
  const models = (
    db
      .prepare(
        `SELECT m.id, m.manifest_sha256 FROM models m WHERE m.id IN
           (SELECT run.model_id FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ?) ORDER BY m.id`,
      )
      .all(study.id) as { id: string; manifest_sha256: string }[]
  ).map((m) => ({ id: m.id, manifestSha256: m.manifest_sha256 }));
  return { study, records, runIds, models };
}

/**
 * A records row fit to leave the researcher's machine: identifying fields dropped, and file names and paths
 * (which often carry a patient id) replaced by the pseudonym, in the warnings too.
 */
export function deidentifiedRecord(row: Record<string, unknown>): Record<string, unknown> {
  const pseudonym = String(row.pseudonym);
  const files = JSON.parse(String(row.source_files)) as string[];
  const names = [...new Set([String(row.source_path), ...files].map((f) => basename(f)).filter((n) => n.length > 0))];
  const warnings = (JSON.parse(String(row.warnings)) as string[]).map((w) => names.reduce((text, n) => text.split(n).join(pseudonym), w));
  return {
    ...row,
    source_path: '',
    source_files: '[]',
    record_name: pseudonym,
    identifying: null,
    warnings: JSON.stringify(warnings),
  };
}
