/** What a package takes from its source database: the study, its records, runs and models, de-identified. */
import { randomInt } from 'node:crypto';
import { basename } from 'node:path';
import { allowedClinical } from '../formats/record.ts';
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

/** Whole days (1 to 10 years) every date of a package is moved back by; drawn per package, never stored. */
export function drawDateShiftDays(): number {
  return randomInt(365, 3651);
}

/** An ISO date or date-time moved `days` back (the time of day kept), or undefined when it is not ISO. */
export function shiftedDate(iso: string, days: number): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T[\d:.]*(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(iso);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(t)) return undefined;
  return new Date(t - days * 86_400_000).toISOString().slice(0, 10) + (m[4] ?? '');
}

/**
 * A records row fit to leave the researcher's machine: identifying fields dropped, clinical fields by the
 * allow-list only, the recording date shifted by the package's offset (dropped when it cannot be parsed), and
 * file paths and names (which often carry a patient id) replaced by the pseudonym, in the warnings too.
 */
export function deidentifiedRecord(row: Record<string, unknown>, dateShiftDays: number): Record<string, unknown> {
  const pseudonym = String(row.pseudonym);
  const files = [String(row.source_path), ...(JSON.parse(String(row.source_files)) as string[])].filter((f) => f.length > 0);
  // whole paths first, so no directory (a patient's folder) is left in front of a replaced name
  const names = [...new Set([...files, ...files.map((f) => basename(f))])].sort((a, b) => b.length - a.length);
  const warnings = (JSON.parse(String(row.warnings)) as string[]).map((w) => names.reduce((text, n) => text.split(n).join(pseudonym), w));
  const clinical = allowedClinical(JSON.parse(String(row.clinical)));
  if (clinical.recordedAt !== undefined) {
    const shifted = shiftedDate(clinical.recordedAt, dateShiftDays);
    if (shifted === undefined) delete clinical.recordedAt;
    else clinical.recordedAt = shifted;
  }
  return {
    ...row,
    source_path: '',
    source_files: '[]',
    record_name: pseudonym,
    clinical: JSON.stringify(clinical),
    identifying: null,
    warnings: JSON.stringify(warnings),
  };
}
