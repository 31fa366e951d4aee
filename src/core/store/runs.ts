import { createHash } from 'node:crypto';
import type { ClassPrediction, Prediction } from '../inference/explain.ts';
import type { ModelManifest } from '../inference/manifest.ts';
import { decodeMap, MAP_ENCODING } from './codec.ts';
import type { Db } from './db.ts';
import { nowIso, statement } from './db.ts';
import { StoreError } from './errors.ts';
import { predictedClasses } from './viewerQueries.ts';

export interface StoredRegion {
  id: number;
  classCode: string;
  lead: string;
  /** Samples at the run's map rate (the model's), end exclusive. */
  startSample: number;
  endSample: number;
  contribution: number;
  rank: number;
}

/** A row of evidence_regions, as SELECT * returns it. */
export interface RegionRow {
  id: number;
  run_id: number;
  class_name: string;
  lead: string;
  start_sample: number;
  end_sample: number;
  contribution: number;
  rank: number;
}

export function regionFromRow(r: RegionRow): StoredRegion {
  return {
    id: r.id,
    classCode: r.class_name,
    lead: r.lead,
    startSample: r.start_sample,
    endSample: r.end_sample,
    contribution: r.contribution,
    rank: r.rank,
  };
}

export interface RunWindows {
  samples: number;
  inputLength: number;
  windowStarts: number[];
}

export interface StoredRun {
  id: number;
  recordId: number;
  modelId: string;
  classes: ClassPrediction[];
  topClass: string;
  topProbability: number;
  completenessError: number;
  provider: string;
  timings: Record<string, number>;
  mapRateHz: number;
  windows: RunWindows;
  warnings: string[];
  createdAt: string;
  /**
   * sha256 of the attribution maps computed at import (attributionSha256); null for runs stored before
   * migration 10, whose maps are stored instead. Read the maps with runAttribution (attribution.ts).
   */
  attributionSha256: string | null;
  leads: string[];
  regions: StoredRegion[];
}

/** Adds the model, or checks that the stored manifest under this id is the same; returns its sha256. */
export function registerModel(db: Db, manifest: ModelManifest): string {
  const text = JSON.stringify(manifest);
  const sha = createHash('sha256').update(text).digest('hex');
  const row = db.prepare('SELECT manifest_sha256 AS s FROM models WHERE id = ?').get(manifest.id) as { s: string } | undefined;
  if (row && row.s !== sha) {
    throw new StoreError('conflict', `model ${manifest.id}: a different manifest with this id is already stored`);
  }
  if (!row) {
    db.prepare('INSERT INTO models (id, manifest, manifest_sha256, added_at) VALUES (?, ?, ?, ?)').run(manifest.id, text, sha, nowIso());
  }
  return sha;
}

export function listModels(db: Db): { id: string; manifest: ModelManifest; manifestSha256: string; addedAt: string }[] {
  const rows = db.prepare('SELECT * FROM models ORDER BY added_at, id').all() as {
    id: string;
    manifest: string;
    manifest_sha256: string;
    added_at: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    manifest: JSON.parse(r.manifest) as ModelManifest,
    manifestSha256: r.manifest_sha256,
    addedAt: r.added_at,
  }));
}

/** The models with runs on a study's records and how many, in the order the models were added. */
export function studyModels(db: Db, studyId: number): { id: string; manifest: ModelManifest; manifestSha256: string; runs: number }[] {
  const counts = db
    .prepare(
      'SELECT run.model_id AS id, COUNT(*) AS n FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = ? GROUP BY run.model_id',
    )
    .all(studyId) as { id: string; n: number }[];
  return listModels(db).flatMap((m) => {
    const runs = counts.find((c) => c.id === m.id)?.n ?? 0;
    return runs > 0 ? [{ id: m.id, manifest: m.manifest, manifestSha256: m.manifestSha256, runs }] : [];
  });
}

/**
 * Writes a prediction with its regions and the digest of its attribution maps (the maps themselves are
 * recomputed on demand, see attribution.ts); call inside the caller's transaction.
 */
export function insertRun(db: Db, recordId: number, p: Prediction, timings: Record<string, number>): number {
  if (!/^[0-9a-f]{64}$/.test(p.attributionSha256)) {
    throw new StoreError('invalid', `run of ${p.modelId} on record ${recordId}: no sha256 of its attribution maps`);
  }
  let top = p.classes[0]!;
  for (const c of p.classes) if (c.probability > top.probability) top = c;
  const windows: RunWindows = { samples: p.samples, inputLength: p.inputLength, windowStarts: p.windowStarts };
  const runId = Number(
    statement(
      db,
      `INSERT INTO runs (record_id, model_id, classes, top_class, top_probability, completeness_error, provider, timings,
           map_rate_hz, windows, warnings, created_at, attribution_sha256, predicted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      recordId,
      p.modelId,
      JSON.stringify(p.classes),
      top.code,
      top.probability,
      p.completenessMaxAbsError,
      p.executionProvider,
      JSON.stringify(timings),
      p.samplingRateHz,
      JSON.stringify({ ...windows, leads: p.leads }),
      JSON.stringify(p.warnings),
      nowIso(),
      p.attributionSha256,
      JSON.stringify(predictedClasses(p.classes)),
    ).lastInsertRowid,
  );
  const insertRegion = statement(
    db,
    `INSERT INTO evidence_regions (run_id, class_name, lead, start_sample, end_sample, contribution, rank)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of p.regions) insertRegion.run(runId, r.classCode, r.lead, r.startSample, r.endSample, r.contribution, r.rank);
  return runId;
}

interface RunRow {
  id: number;
  record_id: number;
  model_id: string;
  classes: string;
  top_class: string;
  top_probability: number;
  completeness_error: number;
  provider: string;
  timings: string;
  map_rate_hz: number;
  windows: string;
  warnings: string;
  created_at: string;
  attribution_sha256: string | null;
}

/** The latest run on a record (of the given model, when named) with its regions; null when none. */
export function getRun(db: Db, recordId: number, modelId?: string): StoredRun | null {
  const row = db
    .prepare('SELECT * FROM runs WHERE record_id = ? AND (? IS NULL OR model_id = ?) ORDER BY id DESC LIMIT 1')
    .get(recordId, modelId ?? null, modelId ?? null) as RunRow | undefined;
  if (!row) return null;
  const regions = db.prepare('SELECT * FROM evidence_regions WHERE run_id = ? ORDER BY id').all(row.id) as RegionRow[];
  const { leads, ...windows } = JSON.parse(row.windows) as RunWindows & { leads: string[] };
  return {
    id: row.id,
    recordId: row.record_id,
    modelId: row.model_id,
    classes: JSON.parse(row.classes) as ClassPrediction[],
    topClass: row.top_class,
    topProbability: row.top_probability,
    completenessError: row.completeness_error,
    provider: row.provider,
    timings: JSON.parse(row.timings) as Record<string, number>,
    mapRateHz: row.map_rate_hz,
    windows,
    warnings: JSON.parse(row.warnings) as string[],
    createdAt: row.created_at,
    attributionSha256: row.attribution_sha256,
    leads,
    regions: regions.map(regionFromRow),
  };
}

/**
 * The maps stored with a run before migration 10 (float16, decoded), or null when the run stores only their
 * digest. Callers go through runAttribution (attribution.ts), which falls back to recomputing.
 */
export function storedMaps(db: Db, runId: number): Float32Array[] | null {
  const maps = db
    .prepare('SELECT class_index, leads, samples, encoding, data FROM attribution_maps WHERE run_id = ? ORDER BY class_index')
    .all(runId) as { class_index: number; leads: number; samples: number; encoding: string; data: Buffer }[];
  if (maps.length === 0) return null;
  return maps.map((m) => {
    if (m.encoding !== MAP_ENCODING) throw new StoreError('corrupt', `run ${runId}: unknown map encoding ${m.encoding}`);
    return decodeMap(m.data, m.leads * m.samples, `run ${runId}: attribution map ${m.class_index}`);
  });
}
