/**
 * A labels package: a rater's label history for one study, to send back to the researcher. It is a store
 * database too, holding only the labels, their raters and the rows the labels point at (records without
 * signals, runs without maps, evidence regions), so foreign keys hold; the manifest names the study package the
 * labels were made in, when known, and the model and record hashes the merge checks.
 */
import { statSync } from 'node:fs';
import { nowIso } from '../store/db.ts';
import { type Db, getSetting, SCHEMA_VERSION } from '../store/index.ts';
import { appVersion } from '../../shared/version.ts';
import { PackageError } from './errors.ts';
import { copyRows, writeNewPackage } from './file.ts';
import { readManifest, sealPackage, verifyPackage } from './manifest.ts';
import type { PackageSummary } from './exportStudy.ts';
import { deidentifiedRecord, drawDateShiftDays, studyContent } from './source.ts';

/** Settings key under which importing a study package records its hash, so labels made after import name it. */
export function importedPackageKey(studyName: string): string {
  return `imported-package:${studyName}`;
}

export interface LabelsExportOptions {
  studyName: string;
  out: string;
  /** Only this rater's labels (their full history); all raters' when absent. */
  raterId?: string;
}

export function exportLabelsPackage(src: Db, srcPath: string, options: LabelsExportOptions): PackageSummary {
  const content = studyContent(src, srcPath, options.studyName);
  const studyId = content.study.id;
  const rater = options.raterId ?? null;
  if (rater !== null && !src.prepare('SELECT 1 FROM raters WHERE id = ?').get(rater)) {
    throw new PackageError('not-found', `${srcPath}: no rater with id ${rater}`);
  }
  const madeIn = readManifest(src, srcPath);
  if (madeIn?.kind === 'labels') throw new PackageError('invalid', `${srcPath}: is already a labels package; merge it instead`);
  const madeAgainstPackage = madeIn ? verifyPackage(src, srcPath).sha256 : getSetting(src, importedPackageKey(content.study.name));
  const labelWhere = 'record_id IN (SELECT id FROM records WHERE study_id = ?) AND (? IS NULL OR rater_id = ?)';
  const raterIds = (
    src.prepare(`SELECT DISTINCT rater_id FROM labels WHERE ${labelWhere} ORDER BY rater_id`).all(studyId, rater, rater) as {
      rater_id: string;
    }[]
  ).map((r) => r.rater_id);
  const inStudy = 'record_id IN (SELECT id FROM records WHERE study_id = ?)';

  const result = writeNewPackage(options.out, (dst) =>
    dst.transaction(() => {
      // A label may precede the label it supersedes in id order; the foreign key is checked at commit.
      dst.pragma('defer_foreign_keys = ON');
      copyRows(src, dst, 'studies', 'id = ?', [studyId]);
      const shift = drawDateShiftDays();
      copyRows(src, dst, 'records', 'study_id = ?', [studyId], (row) => deidentifiedRecord(row, shift));
      copyRows(src, dst, 'models', `id IN (SELECT value FROM json_each(?))`, [JSON.stringify(content.models.map((m) => m.id))]);
      copyRows(src, dst, 'runs', inStudy, [studyId]);
      copyRows(
        src,
        dst,
        'evidence_regions',
        'run_id IN (SELECT run.id FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ?)',
        [studyId],
      );
      copyRows(src, dst, 'raters', `id IN (SELECT value FROM json_each(?))`, [JSON.stringify(raterIds)]);
      const labels = copyRows(src, dst, 'labels', labelWhere, [studyId, rater, rater]);
      const sha256 = sealPackage(dst, {
        format: 'ecg-audit-package',
        formatVersion: 1,
        kind: 'labels',
        schemaVersion: SCHEMA_VERSION,
        createdAt: nowIso(),
        appVersion,
        study: { name: content.study.name, pseudonymPrefix: content.study.pseudonymPrefix },
        models: content.models,
        records: content.records.map((r) => ({ pseudonym: r.pseudonym, contentSha256: r.contentSha256 })),
        blinding: null,
        madeAgainstPackage,
        raterIds,
      });
      return { sha256, labels };
    })(),
  );
  return {
    path: options.out,
    kind: 'labels',
    sha256: result.sha256,
    studyName: content.study.name,
    records: content.records.length,
    models: content.models,
    labels: result.labels,
    raters: raterIds.length,
    bytes: statSync(options.out).size,
  };
}
