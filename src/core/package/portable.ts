/**
 * Labels in a form that means the same in every database: record ids become signal hashes and evidence-region
 * ids become (model, class, lead, span, rank), because row ids differ between the researcher's database, the
 * package and a rater's own database. Merging compares and writes labels in this form.
 */
import { type Db, type RegionKey, regionKeyText } from '../store/index.ts';

export { type RegionKey, regionKeyText };

export interface PortableLabel {
  id: string;
  raterId: string;
  createdAt: string;
  recordSha256: string;
  targetKind: string;
  /** The store's target key, except for evidence regions, whose key names the region by its RegionKey. */
  targetKey: string;
  region: RegionKey | null;
  className: string | null;
  lead: string | null;
  startSample: number | null;
  endSample: number | null;
  value: string;
  reasons: string;
  note: string;
  scale: string | null;
  supersedes: string | null;
  /** The rater's Ed25519 signature over the fields above (store/signing.ts); null for labels made before signing. */
  signature: string | null;
}

export interface PortableRater {
  id: string;
  displayName: string;
  createdAt: string;
  publicKey: string | null;
}

interface Row {
  id: string;
  rater_id: string;
  created_at: string;
  record_sha: string;
  target_kind: string;
  target_key: string;
  region_id: number | null;
  model_id: string | null;
  g_class: string | null;
  g_lead: string | null;
  g_start: number | null;
  g_end: number | null;
  g_rank: number | null;
  class_name: string | null;
  lead: string | null;
  start_sample: number | null;
  end_sample: number | null;
  value: string;
  reasons: string;
  note: string;
  scale: string | null;
  supersedes: string | null;
  signature: string | null;
}

/** Every label on the study's records (optionally one rater's), ordered by id. */
export function portableLabels(db: Db, studyId: number, raterId?: string): PortableLabel[] {
  const rows = db
    .prepare(
      `SELECT l.id, l.rater_id, l.created_at, r.content_sha256 AS record_sha, l.target_kind, l.target_key, l.region_id,
         run.model_id, g.class_name AS g_class, g.lead AS g_lead, g.start_sample AS g_start, g.end_sample AS g_end, g.rank AS g_rank,
         l.class_name, l.lead, l.start_sample, l.end_sample, l.value, l.reasons, l.note, l.scale, l.supersedes, l.signature
       FROM labels l JOIN records r ON r.id = l.record_id
         LEFT JOIN evidence_regions g ON g.id = l.region_id LEFT JOIN runs run ON run.id = g.run_id
       WHERE r.study_id = ? AND (? IS NULL OR l.rater_id = ?) ORDER BY l.id`,
    )
    .all(studyId, raterId ?? null, raterId ?? null) as Row[];
  return rows.map((r) => {
    const region: RegionKey | null =
      r.region_id === null
        ? null
        : { modelId: r.model_id!, className: r.g_class!, lead: r.g_lead!, startSample: r.g_start!, endSample: r.g_end!, rank: r.g_rank! };
    return {
      id: r.id,
      raterId: r.rater_id,
      createdAt: r.created_at,
      recordSha256: r.record_sha,
      targetKind: r.target_kind,
      targetKey: region ? `region:${regionKeyText(r.record_sha, region)}` : r.target_key,
      region,
      className: r.class_name,
      lead: r.lead,
      startSample: r.start_sample,
      endSample: r.end_sample,
      value: r.value,
      reasons: r.reasons,
      note: r.note,
      scale: r.scale,
      supersedes: r.supersedes,
      signature: r.signature,
    };
  });
}

/** The raters who wrote any of `labels`, ordered by id. */
export function portableRaters(db: Db, labels: readonly PortableLabel[]): PortableRater[] {
  const ids = [...new Set(labels.map((l) => l.raterId))].sort();
  const stmt = db.prepare('SELECT id, display_name, created_at, public_key FROM raters WHERE id = ?');
  return ids.map((id) => {
    const r = stmt.get(id) as { id: string; display_name: string; created_at: string; public_key: string | null };
    return { id: r.id, displayName: r.display_name, createdAt: r.created_at, publicKey: r.public_key };
  });
}
