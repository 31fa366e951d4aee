/**
 * The slice of the store one report reads: a study, its records with one model's latest runs and evidence
 * regions (maps are not loaded: faithfulness recomputes them with the engine), the raters who labelled in the
 * study and every label ever written there (the audit trail).
 */
import type { ModelManifest } from '../inference/manifest.ts';
import type { Db } from '../store/db.ts';
import { type LabelHistoryRow, labelHistory, listRaters, type Rater } from '../store/labels.ts';
import { listModels, type RegionRow, regionFromRow, type StoredRegion, studyModels } from '../store/runs.ts';
import { findStudy, listStudies, type Study } from '../store/studies.ts';
import { ReportError } from './errors.ts';

export interface RunInfo {
  runId: number;
  /** Probability per class code. */
  probabilities: Record<string, number>;
  topClass: string;
  topProbability: number;
  completenessError: number;
  /** sha256 of the maps the raters were shown (store/attribution.ts); null for runs whose maps are stored instead. */
  attributionSha256: string | null;
  /** Evidence regions of the run (all classes). */
  regionCount: number;
  /** The run's regions that carry at least one label: the only ones the agreement statistics look at. */
  labelledRegions: StoredRegion[];
  /** Every region of the run's top class, labelled or not (the region-granularity deletion removes them). */
  topClassRegions: StoredRegion[];
}

export interface RecordInfo {
  id: number;
  pseudonym: string;
  recordName: string;
  sourcePath: string;
  /** Identifying fields kept at import (JSON as stored), null when dropped. */
  identifying: unknown;
  run: RunInfo | null;
}

export interface StudyData {
  study: Study;
  model: { id: string; manifest: ModelManifest; manifestSha256: string } | null;
  records: RecordInfo[];
  /** Raters with at least one label in the study, in order of first label. */
  raters: Rater[];
  /** Every label in the study (or of the one rater asked for), oldest first, superseded ones included. */
  labels: LabelHistoryRow[];
}

export interface StudyDataOptions {
  study?: string;
  modelId?: string;
  /** Only this rater's labels: what a rater who does not own a blinded study may see (the app decides). */
  onlyRater?: string;
}

/** The study named, or the only one; anything else is a ReportError listing what exists. */
export function chooseStudy(db: Db, name: string | undefined): Study {
  if (name !== undefined) {
    const study = findStudy(db, name);
    if (!study) {
      const names = listStudies(db).map((s) => JSON.stringify(s.name));
      throw new ReportError('not-found', `study ${JSON.stringify(name)} does not exist (studies: ${names.join(', ') || 'none'})`);
    }
    return study;
  }
  const studies = listStudies(db);
  if (studies.length === 1) return studies[0]!;
  throw new ReportError(
    'bad-options',
    studies.length === 0 ? 'the database holds no study' : `choose a study (${studies.map((s) => JSON.stringify(s.name)).join(', ')})`,
  );
}

/** The model named, else the one with the most runs in the study (ties: the model added first). */
function chooseModel(db: Db, studyId: number, modelId: string | undefined): StudyData['model'] {
  if (modelId !== undefined) {
    const m = listModels(db).find((x) => x.id === modelId);
    if (!m) throw new ReportError('not-found', `model ${JSON.stringify(modelId)} has no runs in this database`);
    return { id: m.id, manifest: m.manifest, manifestSha256: m.manifestSha256 };
  }
  let best: ReturnType<typeof studyModels>[number] | undefined;
  for (const m of studyModels(db, studyId)) if (!best || m.runs > best.runs) best = m;
  return best ? { id: best.id, manifest: best.manifest, manifestSha256: best.manifestSha256 } : null;
}

export function loadStudyData(db: Db, options: StudyDataOptions = {}): StudyData {
  const study = chooseStudy(db, options.study);
  const model = chooseModel(db, study.id, options.modelId);
  const recordRows = db
    .prepare('SELECT id, pseudonym, record_name, source_path, identifying FROM records WHERE study_id = ? ORDER BY id')
    .all(study.id) as { id: number; pseudonym: string; record_name: string; source_path: string; identifying: string | null }[];
  const runRows = model
    ? (db
        .prepare(
          `SELECT run.id, run.record_id, run.classes, run.top_class, run.top_probability, run.completeness_error, run.attribution_sha256
           FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ? AND run.model_id = ?`,
        )
        .all(study.id, model.id) as {
        id: number;
        record_id: number;
        classes: string;
        top_class: string;
        top_probability: number;
        completeness_error: number;
        attribution_sha256: string | null;
      }[])
    : [];
  const regionRows = model
    ? (db
        .prepare(
          `SELECT g.* FROM evidence_regions g JOIN runs run ON run.id = g.run_id JOIN records r ON r.id = run.record_id
           WHERE r.study_id = ? AND run.model_id = ? AND g.id IN (SELECT region_id FROM labels WHERE region_id IS NOT NULL) ORDER BY g.id`,
        )
        .all(study.id, model.id) as RegionRow[])
    : [];
  const topRegionRows = model
    ? (db
        .prepare(
          `SELECT g.* FROM evidence_regions g JOIN runs run ON run.id = g.run_id JOIN records r ON r.id = run.record_id
           WHERE r.study_id = ? AND run.model_id = ? AND g.class_name = run.top_class ORDER BY g.id`,
        )
        .all(study.id, model.id) as RegionRow[])
    : [];
  const topRegionsByRun = new Map<number, StoredRegion[]>();
  for (const g of topRegionRows) {
    let list = topRegionsByRun.get(g.run_id);
    if (!list) topRegionsByRun.set(g.run_id, (list = []));
    list.push(regionFromRow(g));
  }
  const regionCounts = new Map(
    (
      db
        .prepare(
          `SELECT g.run_id AS run, COUNT(*) AS n FROM evidence_regions g JOIN runs run ON run.id = g.run_id
           JOIN records r ON r.id = run.record_id WHERE r.study_id = ? GROUP BY g.run_id`,
        )
        .all(study.id) as { run: number; n: number }[]
    ).map((c) => [c.run, c.n]),
  );
  const regionsByRun = new Map<number, StoredRegion[]>();
  for (const g of regionRows) {
    let list = regionsByRun.get(g.run_id);
    if (!list) regionsByRun.set(g.run_id, (list = []));
    list.push(regionFromRow(g));
  }
  const runByRecord = new Map<number, RunInfo>();
  for (const r of runRows) {
    const classes = JSON.parse(r.classes) as { code: string; probability: number }[];
    runByRecord.set(r.record_id, {
      runId: r.id,
      probabilities: Object.fromEntries(classes.map((c) => [c.code, c.probability])),
      topClass: r.top_class,
      topProbability: r.top_probability,
      completenessError: r.completeness_error,
      attributionSha256: r.attribution_sha256,
      regionCount: regionCounts.get(r.id) ?? 0,
      labelledRegions: regionsByRun.get(r.id) ?? [],
      topClassRegions: topRegionsByRun.get(r.id) ?? [],
    });
  }
  const labels = labelHistory(db, { studyId: study.id, raterId: options.onlyRater });
  const raterIds = [...new Set(labels.map((l) => l.raterId))];
  const raters = listRaters(db);
  return {
    study,
    model,
    records: recordRows.map((r) => ({
      id: r.id,
      pseudonym: r.pseudonym,
      recordName: r.record_name,
      sourcePath: r.source_path,
      identifying: r.identifying === null ? null : JSON.parse(r.identifying),
      run: runByRecord.get(r.id) ?? null,
    })),
    raters: raterIds.map((id) => raters.find((r) => r.id === id)!),
    labels,
  };
}
