import {
  allowedClinical,
  type ClinicalMetadata,
  type EcgRecord,
  type FormatId,
  type IdentifyingMetadata,
  type Lead,
  type WaveAnnotation,
  type WaveKind,
} from '../formats/record.ts';
import { decodeSignal, type EncodedSignal, encodeSignal, type StoredLead } from './codec.ts';
import type { Db } from './db.ts';
import { nowIso, statement } from './db.ts';
import { StoreError } from './errors.ts';
import { CURRENT_JUDGEMENT } from './labels.ts';

export interface RecordSummary {
  id: number;
  studyId: number;
  pseudonym: string;
  contentSha256: string;
  sourcePath: string;
  sourceFiles: string[];
  recordName: string;
  format: FormatId;
  samplingRateHz: number;
  samplesPerLead: number;
  durationS: number;
  leadNames: string[];
  clinical: ClinicalMetadata;
  /** Present only when the import kept identifying fields. */
  identifying: IdentifyingMetadata | null;
  warnings: string[];
  importedAt: string;
}

export interface StoredRecord extends RecordSummary {
  leads: Lead[];
  annotations: WaveAnnotation[];
}

interface RecordRow {
  id: number;
  study_id: number;
  pseudonym: string;
  content_sha256: string;
  source_path: string;
  source_files: string;
  record_name: string;
  format: FormatId;
  sampling_rate_hz: number;
  samples_per_lead: number;
  duration_s: number;
  lead_names: string;
  clinical: string;
  identifying: string | null;
  warnings: string;
  imported_at: string;
}

function toSummary(r: RecordRow): RecordSummary {
  return {
    id: r.id,
    studyId: r.study_id,
    pseudonym: r.pseudonym,
    contentSha256: r.content_sha256,
    sourcePath: r.source_path,
    sourceFiles: JSON.parse(r.source_files) as string[],
    recordName: r.record_name,
    format: r.format,
    samplingRateHz: r.sampling_rate_hz,
    samplesPerLead: r.samples_per_lead,
    durationS: r.duration_s,
    leadNames: JSON.parse(r.lead_names) as string[],
    clinical: JSON.parse(r.clinical) as ClinicalMetadata,
    identifying: r.identifying === null ? null : (JSON.parse(r.identifying) as IdentifyingMetadata),
    warnings: JSON.parse(r.warnings) as string[],
    importedAt: r.imported_at,
  };
}

export function findRecordByHash(db: Db, studyId: number, contentSha256: string): RecordSummary | null {
  const row = statement(db, 'SELECT * FROM records WHERE study_id = ? AND content_sha256 = ?').get(studyId, contentSha256) as
    RecordRow | undefined;
  return row ? toSummary(row) : null;
}

/**
 * Writes a record with its signal and annotations; call inside the caller's transaction so the record,
 * its run and the import outcome land together. Identifying fields are dropped unless `keepIdentifiers`.
 * `signal` may come encoded already (the import's file workers encode it), to keep the deflate off the writing thread.
 */
export function insertRecord(
  db: Db,
  studyId: number,
  record: EcgRecord,
  contentSha256: string,
  keepIdentifiers: boolean,
  signal: EncodedSignal = encodeSignal(record.leads),
): { id: number; pseudonym: string } {
  const next = statement(
    db,
    'UPDATE studies SET records_numbered = records_numbered + 1 WHERE id = ? RETURNING pseudonym_prefix AS p, records_numbered AS n',
  );
  const taken = statement(db, 'SELECT 1 FROM records WHERE study_id = ? AND pseudonym = ?');
  let pseudonym: string;
  // records copied in by other means (audit packages) may hold numbers the counter has not passed yet
  do {
    const study = next.get(studyId) as { p: string; n: number } | undefined;
    if (!study) throw new StoreError('not-found', `study ${studyId} does not exist`);
    pseudonym = `${study.p}-${String(study.n).padStart(4, '0')}`;
  } while (taken.get(studyId, pseudonym));
  const id = Number(
    statement(
      db,
      `INSERT INTO records (study_id, pseudonym, content_sha256, source_path, source_files, record_name, format,
           sampling_rate_hz, samples_per_lead, duration_s, lead_names, clinical, identifying, warnings, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      studyId,
      pseudonym,
      contentSha256,
      record.sourcePath,
      JSON.stringify(record.sourceFiles),
      record.recordName,
      record.format,
      record.samplingRateHz,
      record.samplesPerLead,
      record.durationS,
      JSON.stringify(record.leads.map((l) => l.name)),
      JSON.stringify(allowedClinical(record.clinical)),
      keepIdentifiers ? JSON.stringify(record.identifying) : null,
      JSON.stringify(record.warnings),
      nowIso(),
    ).lastInsertRowid,
  );
  statement(db, 'INSERT INTO signals (record_id, leads, data) VALUES (?, ?, ?)').run(id, JSON.stringify(signal.leads), signal.data);
  const insertWave = statement(
    db,
    'INSERT INTO annotations (record_id, lead, kind, onset_sample, peak_sample, offset_sample) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const a of record.annotations) insertWave.run(id, a.lead, a.kind, a.onsetSample, a.peakSample, a.offsetSample);
  return { id, pseudonym };
}

export function getRecordSummary(db: Db, id: number): RecordSummary {
  const row = db.prepare('SELECT * FROM records WHERE id = ?').get(id) as RecordRow | undefined;
  if (!row) throw new StoreError('not-found', `record ${id} does not exist`);
  return toSummary(row);
}

/** A record with its signal decoded to millivolts and its wave annotations; the original file is not needed. */
export function getRecord(db: Db, id: number): StoredRecord {
  const summary = getRecordSummary(db, id);
  const sig = db.prepare('SELECT leads, data FROM signals WHERE record_id = ?').get(id) as { leads: string; data: Buffer } | undefined;
  if (!sig) throw new StoreError('corrupt', `record ${id} has no stored signal`);
  const leads = decodeSignal(
    JSON.parse(sig.leads) as StoredLead[],
    sig.data,
    summary.samplesPerLead,
    `record ${summary.pseudonym}: signal blob`,
  );
  const fs = summary.samplingRateHz;
  const waves = db
    .prepare('SELECT lead, kind, onset_sample, peak_sample, offset_sample FROM annotations WHERE record_id = ? ORDER BY id')
    .all(id) as { lead: string; kind: WaveKind; onset_sample: number; peak_sample: number | null; offset_sample: number }[];
  const annotations = waves.map((w) => ({
    lead: w.lead,
    kind: w.kind,
    onsetS: w.onset_sample / fs,
    peakS: w.peak_sample === null ? null : w.peak_sample / fs,
    offsetS: w.offset_sample / fs,
    onsetSample: w.onset_sample,
    peakSample: w.peak_sample,
    offsetSample: w.offset_sample,
  }));
  return { ...summary, leads, annotations };
}

export interface WorklistItem {
  recordId: number;
  pseudonym: string;
  recordName: string;
  durationS: number;
  topClass: string | null;
  topProbability: number | null;
  /** Current, not withdrawn labels of the given rater on this record (0 when no rater was asked about). */
  labelsByRater: number;
  /** Whether the rater's record-level plausibility verdict is in force (given and not withdrawn). */
  reviewedByRater: boolean;
}

/** The records of a study in import order, with the model's top class and the rater's progress. */
export function worklist(db: Db, studyId: number, options: { modelId?: string; raterId?: string } = {}): WorklistItem[] {
  const rows = db
    .prepare(
      `SELECT r.id, r.pseudonym, r.record_name, r.duration_s, run.top_class, run.top_probability,
         (SELECT COUNT(*) FROM labels l WHERE l.record_id = r.id AND l.rater_id = @rater
            AND ${CURRENT_JUDGEMENT}) AS labels_by_rater,
         EXISTS (SELECT 1 FROM labels l WHERE l.record_id = r.id AND l.rater_id = @rater
            AND l.target_kind = 'plausible' AND ${CURRENT_JUDGEMENT}) AS reviewed
       FROM records r
       LEFT JOIN runs run ON run.id = (
         SELECT id FROM runs WHERE record_id = r.id AND (@model IS NULL OR model_id = @model) ORDER BY id DESC LIMIT 1)
       WHERE r.study_id = @study ORDER BY r.id`,
    )
    .all({ study: studyId, rater: options.raterId ?? null, model: options.modelId ?? null }) as {
    id: number;
    pseudonym: string;
    record_name: string;
    duration_s: number;
    top_class: string | null;
    top_probability: number | null;
    labels_by_rater: number;
    reviewed: number;
  }[];
  return rows.map((r) => ({
    recordId: r.id,
    pseudonym: r.pseudonym,
    recordName: r.record_name,
    durationS: r.duration_s,
    topClass: r.top_class,
    topProbability: r.top_probability,
    labelsByRater: r.labels_by_rater,
    reviewedByRater: r.reviewed === 1,
  }));
}
