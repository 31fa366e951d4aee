/** A study package: everything a rater needs to audit a study offline, as one store database file. */
import { statSync } from 'node:fs';
import { seededRandom } from '../../shared/seededRandom.ts';
import { permutation } from '../audit/stats.ts';
import { nowIso } from '../store/db.ts';
import { type Db, SCHEMA_VERSION } from '../store/index.ts';
import { PACKAGE_OWNER, setBlinding } from '../store/viewerQueries.ts';
import { appVersion } from '../../shared/version.ts';
import { PackageError } from './errors.ts';
import { copyRows, rowInserter, writeNewPackage } from './file.ts';
import { type Blinding, type PackageManifest, sealPackage } from './manifest.ts';
import { deidentifiedRecord, drawDateShiftDays, studyContent } from './source.ts';

export interface StudyExportOptions {
  studyName: string;
  out: string;
  hideProbabilities?: boolean;
  randomiseOrder?: boolean;
  /** Seed of the shuffle; a random one is drawn (and recorded in the manifest) when absent. */
  seed?: number;
}

export interface PackageSummary {
  path: string;
  kind: PackageManifest['kind'];
  sha256: string;
  studyName: string;
  records: number;
  models: PackageManifest['models'];
  labels: number;
  raters: number;
  bytes: number;
}

/** Raters of a package see only their own labels; probabilities are hidden when the researcher asked. */
export function applyBlinding(db: Db, studyId: number, blinding: Blinding): void {
  // the settings belong to the sender, so no rater of the package can change them
  setBlinding(db, studyId, { blinded: true, hideProbability: blinding.hideProbabilities, hideReference: true, ownerId: PACKAGE_OWNER });
}

/**
 * Writes a study package from `src`: de-identified records with signals and wave annotations, models, runs with
 * their attribution maps and evidence regions. No labels: raters audit blind to each other. Record ids in the
 * package follow the worklist order, which the store's worklist uses.
 */
export function exportStudyPackage(src: Db, srcPath: string, options: StudyExportOptions): PackageSummary {
  const content = studyContent(src, srcPath, options.studyName);
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw new PackageError('invalid', `seed ${options.seed} is not an integer`);
  const randomise = options.randomiseOrder ?? false;
  const seed = randomise ? (options.seed ?? Math.floor(Math.random() * 2 ** 31)) : null;
  const order =
    seed === null ? content.records : Array.from(permutation(content.records.length, seededRandom(seed)), (i) => content.records[i]!);
  const newId = new Map(order.map((r, i) => [r.id, i + 1]));
  const blinding: Blinding = { hideProbabilities: options.hideProbabilities ?? false, randomiseOrder: randomise, seed };
  const mapRecord = (row: Record<string, unknown>) => ({ ...row, record_id: newId.get(Number(row.record_id)) });
  const inStudy = 'record_id IN (SELECT id FROM records WHERE study_id = ?)';
  const inRuns = 'run_id IN (SELECT run.id FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ?)';
  const studyId = content.study.id;

  const sha256 = writeNewPackage(options.out, (dst) =>
    dst.transaction(() => {
      copyRows(src, dst, 'studies', 'id = ?', [studyId]);
      const byId = new Map<number, Record<string, unknown>>();
      for (const row of src.prepare('SELECT * FROM records WHERE study_id = ?').iterate(studyId) as Iterable<Record<string, unknown>>) {
        byId.set(Number(row.id), row);
      }
      const insertRecord = rowInserter(dst, 'records');
      const shift = drawDateShiftDays();
      for (const r of order) insertRecord({ ...deidentifiedRecord(byId.get(r.id)!, shift), id: newId.get(r.id) });
      copyRows(src, dst, 'signals', inStudy, [studyId], mapRecord);
      copyRows(src, dst, 'annotations', inStudy, [studyId], mapRecord);
      copyRows(src, dst, 'models', `id IN (SELECT value FROM json_each(?))`, [JSON.stringify(content.models.map((m) => m.id))]);
      copyRows(src, dst, 'runs', inStudy, [studyId], mapRecord);
      copyRows(src, dst, 'attribution_maps', inRuns, [studyId]);
      copyRows(src, dst, 'evidence_regions', inRuns, [studyId]);
      applyBlinding(dst, studyId, blinding);
      return sealPackage(dst, {
        format: 'ecg-audit-package',
        formatVersion: 1,
        kind: 'study',
        schemaVersion: SCHEMA_VERSION,
        createdAt: nowIso(),
        appVersion,
        study: { name: content.study.name, pseudonymPrefix: content.study.pseudonymPrefix },
        models: content.models,
        records: order.map((r) => ({ pseudonym: r.pseudonym, contentSha256: r.contentSha256 })),
        blinding,
        madeAgainstPackage: null,
        raterIds: [],
      });
    })(),
  );
  return {
    path: options.out,
    kind: 'study',
    sha256,
    studyName: content.study.name,
    records: order.length,
    models: content.models,
    labels: 0,
    raters: 0,
    bytes: statSync(options.out).size,
  };
}
