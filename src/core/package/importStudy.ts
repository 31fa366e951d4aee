/**
 * Importing a study package into a rater's own database: the study's records, models and runs are added
 * (records already there, by signal hash, are kept as they are), then any labels the package carries are
 * merged. One transaction: a refused import leaves the database as it was.
 */
import { statSync } from 'node:fs';
import { nowIso } from '../store/db.ts';
import { type Db, findStudy, setSetting } from '../store/index.ts';
import { PackageError } from './errors.ts';
import { importedPackageKey } from './exportLabels.ts';
import { assertSingleFile, rowInserter, withReadonly } from './file.ts';
import { applyBlinding, type PackageSummary } from './exportStudy.ts';
import { type Blinding, verifyPackage } from './manifest.ts';
import { type MergeSummary, mergeLabelPackages } from './merge.ts';

type Row = Record<string, unknown>;

interface StudyRows {
  sha256: string;
  summary: Omit<PackageSummary, 'bytes'>;
  study: Row;
  records: Row[];
  signals: Map<number, Row>;
  annotations: Row[];
  models: Row[];
  runs: Row[];
  maps: Row[];
  regions: Row[];
  blinding: Blinding | null;
}

function readStudyPackage(path: string): StudyRows {
  assertSingleFile(path);
  return withReadonly(path, (src) => {
    const { manifest, sha256 } = verifyPackage(src, path);
    if (manifest.kind !== 'study')
      throw new PackageError('not-a-package', `${path}: is a labels package; merge it instead of importing it`);
    const all = (sql: string) => src.prepare(sql).all() as Row[];
    return {
      sha256,
      summary: {
        path,
        kind: 'study',
        sha256,
        studyName: manifest.study.name,
        records: manifest.records.length,
        models: manifest.models,
        labels: 0,
        raters: 0,
      },
      study: all('SELECT * FROM studies')[0]!,
      records: all('SELECT * FROM records ORDER BY id'),
      signals: new Map(all('SELECT * FROM signals').map((s) => [Number(s.record_id), s])),
      annotations: all('SELECT * FROM annotations ORDER BY id'),
      models: all('SELECT * FROM models'),
      runs: all('SELECT * FROM runs ORDER BY id'),
      maps: all('SELECT * FROM attribution_maps ORDER BY run_id, class_index'),
      regions: all('SELECT * FROM evidence_regions ORDER BY id'),
      blinding: manifest.blinding,
    };
  });
}

function targetStudy(db: Db, name: string, preferredPrefix: string): number {
  const existing = findStudy(db, name);
  if (existing) return existing.id;
  const id = ((db.prepare('SELECT MAX(id) AS m FROM studies').get() as { m: number | null }).m ?? 0) + 1;
  const prefixTaken = db.prepare('SELECT 1 FROM studies WHERE pseudonym_prefix = ?').get(preferredPrefix) !== undefined;
  db.prepare('INSERT INTO studies (id, name, pseudonym_prefix, created_at) VALUES (?, ?, ?, ?)').run(
    id,
    name,
    prefixTaken ? `S${id}` : preferredPrefix,
    nowIso(),
  );
  return id;
}

export interface ImportSummary {
  package: PackageSummary;
  recordsAdded: number;
  recordsAlreadyPresent: number;
  runsAdded: number;
  labels: MergeSummary;
}

export function importStudyPackage(db: Db, dbPath: string, packagePath: string): ImportSummary {
  const bytes = statSync(packagePath).size;
  const p = readStudyPackage(packagePath);
  return db
    .transaction(() => {
      const studyId = targetStudy(db, String(p.study.name), String(p.study.pseudonym_prefix));
      const modelSha = db.prepare('SELECT manifest_sha256 AS s FROM models WHERE id = ?');
      for (const m of p.models) {
        const have = modelSha.get(m.id) as { s: string } | undefined;
        if (have && have.s !== m.manifest_sha256) {
          throw new PackageError('mismatch', `${packagePath}: model ${String(m.id)} differs from the model of that id in ${dbPath}`);
        }
        if (!have) rowInserter(db, 'models')(m);
      }

      const recordId = new Map<number, number>();
      const byHash = db.prepare('SELECT id FROM records WHERE study_id = ? AND content_sha256 = ?');
      const pseudonymTaken = db.prepare('SELECT 1 FROM records WHERE study_id = ? AND pseudonym = ?');
      const insertRecord = rowInserter(db, 'records');
      const insertSignal = rowInserter(db, 'signals');
      const added = new Set<number>();
      for (const r of p.records) {
        const have = byHash.get(studyId, r.content_sha256) as { id: number } | undefined;
        if (have) {
          recordId.set(Number(r.id), have.id);
          continue;
        }
        if (pseudonymTaken.get(studyId, r.pseudonym)) {
          throw new PackageError(
            'conflict',
            `${packagePath}: pseudonym ${String(r.pseudonym)} is already used by another record of the study in ${dbPath}`,
          );
        }
        const id = ((db.prepare('SELECT MAX(id) AS m FROM records').get() as { m: number | null }).m ?? 0) + 1;
        insertRecord({ ...r, id, study_id: studyId });
        insertSignal({ ...p.signals.get(Number(r.id))!, record_id: id });
        recordId.set(Number(r.id), id);
        added.add(id);
      }
      const insertAnnotation = rowInserter(db, 'annotations');
      for (const a of p.annotations) {
        const id = recordId.get(Number(a.record_id))!;
        if (added.has(id)) insertAnnotation({ ...a, id: null, record_id: id });
      }

      const runId = new Map<number, number>();
      const runExists = db.prepare('SELECT 1 FROM runs WHERE record_id = ? AND model_id = ?');
      const insertRun = rowInserter(db, 'runs');
      for (const run of p.runs) {
        const rid = recordId.get(Number(run.record_id))!;
        if (runExists.get(rid, run.model_id)) continue;
        const id = ((db.prepare('SELECT MAX(id) AS m FROM runs').get() as { m: number | null }).m ?? 0) + 1;
        insertRun({ ...run, id, record_id: rid });
        runId.set(Number(run.id), id);
      }
      const insertMap = rowInserter(db, 'attribution_maps');
      for (const m of p.maps) if (runId.has(Number(m.run_id))) insertMap({ ...m, run_id: runId.get(Number(m.run_id)) });
      const insertRegion = rowInserter(db, 'evidence_regions');
      for (const g of p.regions) if (runId.has(Number(g.run_id))) insertRegion({ ...g, id: null, run_id: runId.get(Number(g.run_id)) });

      if (p.blinding) applyBlinding(db, studyId, p.blinding);
      setSetting(db, importedPackageKey(String(p.study.name)), p.sha256);
      const labels = mergeLabelPackages(db, dbPath, [packagePath]);
      return {
        package: { ...p.summary, labels: labels.files[0]!.labels, raters: labels.files[0]!.raters, bytes },
        recordsAdded: added.size,
        recordsAlreadyPresent: p.records.length - added.size,
        runsAdded: runId.size,
        labels,
      };
    })
    .immediate();
}
