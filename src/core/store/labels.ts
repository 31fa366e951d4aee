/**
 * Raters and append-only labels (design in docs/store.md). A change is a new row that supersedes the old one;
 * the current labels are the rows nobody supersedes, less withdrawals (a row with the value `withdrawn` says the
 * rater no longer gives a judgement). Triggers reject UPDATE and DELETE on labels.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import type { Db } from './db.ts';
import { nowIso } from './db.ts';
import { StoreError } from './errors.ts';
import { REASON_CODES, type ReasonCode } from '../../shared/reasonCodes.ts';
import { createRaterKey, raterKeysDir, raterPrivateKey, type RegionKey, regionKeyText, signLabel } from './signing.ts';

export { REASON_CODES, type ReasonCode };

export type RegionVerdict = 'valid' | 'not_valid' | 'unsure';
export type LabelScale = 'per-record' | 'fixed';

export type LabelTarget =
  | { kind: 'region'; regionId: number }
  | { kind: 'drawn-region'; recordId: number; className: string; lead: string; startSample: number; endSample: number }
  | { kind: 'plausible'; recordId: number }
  | { kind: 'agree-class'; recordId: number; className: string };

/** The value of a label row that withdraws the rater's judgement on its target. */
export const WITHDRAWN = 'withdrawn';

export type LabelValue = RegionVerdict | 'yes' | 'partly' | 'no' | typeof WITHDRAWN;

export interface LabelInput {
  raterId: string;
  target: LabelTarget;
  /** `withdrawn` withdraws the rater's current label on the target (it needs one, and takes no reasons). */
  value: LabelValue;
  reasons?: ReasonCode[];
  note?: string;
  scale?: LabelScale;
  /** The label this one replaces; defaults to the rater's current label on the same target. */
  supersedes?: string;
}

export interface Label {
  id: string;
  raterId: string;
  createdAt: string;
  recordId: number;
  targetKind: LabelTarget['kind'];
  targetKey: string;
  regionId: number | null;
  className: string | null;
  lead: string | null;
  startSample: number | null;
  endSample: number | null;
  value: LabelValue;
  reasons: ReasonCode[];
  note: string;
  scale: LabelScale | null;
  supersedes: string | null;
}

export interface Rater {
  id: string;
  displayName: string;
  createdAt: string;
  /** Ed25519 public key (SPKI DER, base64) that signs the rater's labels; null for raters made before signing. */
  publicKey: string | null;
}

/**
 * A new rater with a random UUID, so two people of the same name on different machines stay apart, and an
 * Ed25519 key pair: the private key stays on this installation (signing.ts), the public key in the row.
 */
export function createRater(db: Db, displayName: string): Rater {
  const name = displayName.trim();
  if (!name) throw new StoreError('invalid', 'rater display name must not be empty');
  const id = randomUUID();
  const rater = { id, displayName: name, createdAt: nowIso(), publicKey: createRaterKey(id) };
  db.prepare('INSERT INTO raters (id, display_name, created_at, public_key) VALUES (?, ?, ?, ?)').run(
    rater.id,
    rater.displayName,
    rater.createdAt,
    rater.publicKey,
  );
  return rater;
}

/** Adds a rater that came from elsewhere (an audit package) under its own id and key; the same id twice is a no-op. */
export function importRater(db: Db, rater: Rater): void {
  db.prepare('INSERT INTO raters (id, display_name, created_at, public_key) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run(
    rater.id,
    rater.displayName,
    rater.createdAt,
    rater.publicKey,
  );
}

interface RaterRow {
  id: string;
  display_name: string;
  created_at: string;
  public_key: string | null;
}

export function listRaters(db: Db): Rater[] {
  return (db.prepare('SELECT * FROM raters ORDER BY created_at').all() as RaterRow[]).map((r) => ({
    id: r.id,
    displayName: r.display_name,
    createdAt: r.created_at,
    publicKey: r.public_key,
  }));
}

/**
 * The key that signs a new label of the rater: only the installation holding the rater's private key labels in
 * their name. A rater made before signing gets a key pair here, once.
 */
function signingKey(db: Db, raterId: string): KeyObject {
  const row = db.prepare('SELECT * FROM raters WHERE id = ?').get(raterId) as RaterRow | undefined;
  if (!row) throw new StoreError('not-found', `rater ${raterId} does not exist`);
  if (row.public_key === null) {
    const publicKey = raterPrivateKey(raterId)?.publicKey ?? createRaterKey(raterId);
    db.prepare('UPDATE raters SET public_key = ? WHERE id = ?').run(publicKey, raterId);
    return raterPrivateKey(raterId)!.key;
  }
  const own = raterPrivateKey(raterId);
  if (!own || own.publicKey !== row.public_key) {
    throw new StoreError(
      'conflict',
      `rater ${JSON.stringify(row.display_name)} (${raterId}) signs labels with a key this installation does not hold (${raterKeysDir()}): labels in a rater's name are made on that rater's own installation`,
    );
  }
  return own.key;
}

interface ResolvedTarget {
  recordId: number;
  key: string;
  /** An evidence region as every database names it (for the signature). */
  region?: RegionKey;
  regionId: number | null;
  className: string | null;
  lead: string | null;
  startSample: number | null;
  endSample: number | null;
}

/** The record a label target is on (an evidence region's, through its run). */
export function labelTargetRecordId(db: Db, t: LabelTarget): number {
  return resolveTarget(db, t).recordId;
}

function resolveTarget(db: Db, t: LabelTarget): ResolvedTarget {
  switch (t.kind) {
    case 'region': {
      const r = db
        .prepare(
          `SELECT g.class_name, g.lead, g.start_sample, g.end_sample, g.rank, run.record_id, run.model_id
           FROM evidence_regions g JOIN runs run ON run.id = g.run_id WHERE g.id = ?`,
        )
        .get(t.regionId) as
        | { class_name: string; lead: string; start_sample: number; end_sample: number; rank: number; record_id: number; model_id: string }
        | undefined;
      if (!r) throw new StoreError('not-found', `evidence region ${t.regionId} does not exist`);
      return {
        recordId: r.record_id,
        key: `region:${t.regionId}`,
        region: {
          modelId: r.model_id,
          className: r.class_name,
          lead: r.lead,
          startSample: r.start_sample,
          endSample: r.end_sample,
          rank: r.rank,
        },
        regionId: t.regionId,
        className: r.class_name,
        lead: r.lead,
        startSample: r.start_sample,
        endSample: r.end_sample,
      };
    }
    case 'drawn-region': {
      if (!Number.isInteger(t.startSample) || !Number.isInteger(t.endSample) || t.startSample < 0 || t.endSample <= t.startSample) {
        throw new StoreError('invalid', `drawn region ${t.startSample}-${t.endSample}: need 0 <= start < end (samples)`);
      }
      return {
        recordId: t.recordId,
        key: `drawn:${t.className}:${t.lead}:${t.startSample}:${t.endSample}`,
        regionId: null,
        className: t.className,
        lead: t.lead,
        startSample: t.startSample,
        endSample: t.endSample,
      };
    }
    case 'plausible':
      return { recordId: t.recordId, key: 'plausible', regionId: null, className: null, lead: null, startSample: null, endSample: null };
    case 'agree-class':
      return {
        recordId: t.recordId,
        key: `agree:${t.className}`,
        regionId: null,
        className: t.className,
        lead: null,
        startSample: null,
        endSample: null,
      };
  }
}

interface LabelRow {
  id: string;
  rater_id: string;
  created_at: string;
  record_id: number;
  target_kind: LabelTarget['kind'];
  target_key: string;
  region_id: number | null;
  class_name: string | null;
  lead: string | null;
  start_sample: number | null;
  end_sample: number | null;
  value: LabelValue;
  reasons: string;
  note: string;
  scale: LabelScale | null;
  supersedes: string | null;
}

function toLabel(r: LabelRow): Label {
  return {
    id: r.id,
    raterId: r.rater_id,
    createdAt: r.created_at,
    recordId: r.record_id,
    targetKind: r.target_kind,
    targetKey: r.target_key,
    regionId: r.region_id,
    className: r.class_name,
    lead: r.lead,
    startSample: r.start_sample,
    endSample: r.end_sample,
    value: r.value,
    reasons: JSON.parse(r.reasons) as ReasonCode[],
    note: r.note,
    scale: r.scale,
    supersedes: r.supersedes,
  };
}

const CURRENT = 'NOT EXISTS (SELECT 1 FROM labels n WHERE n.supersedes = l.id)';

/** SQL (over `labels l`) for a rater's judgement in force: the current row of its chain, unless a withdrawal. */
export const CURRENT_JUDGEMENT = `l.value <> '${WITHDRAWN}' AND ${CURRENT}`;

/**
 * Appends a label. When `supersedes` is not given, the rater's current label on the same target (if any) is
 * superseded, so each rater has at most one current label per target. A label can only supersede a current
 * label of the same rater on the same target.
 */
export function appendLabel(db: Db, input: LabelInput): Label {
  const reasons = input.reasons ?? [];
  for (const r of reasons) {
    if (!(REASON_CODES as readonly string[]).includes(r)) throw new StoreError('invalid', `unknown reason code ${JSON.stringify(r)}`);
  }
  if (input.value === WITHDRAWN && reasons.length > 0) throw new StoreError('invalid', 'a withdrawal carries no reasons');
  return db
    .transaction(() => {
      const key = signingKey(db, input.raterId);
      const target = resolveTarget(db, input.target);
      const record = db.prepare('SELECT content_sha256 FROM records WHERE id = ?').get(target.recordId) as
        { content_sha256: string } | undefined;
      if (!record) throw new StoreError('not-found', `record ${target.recordId} does not exist`);
      const current = db
        .prepare(`SELECT id, value FROM labels l WHERE rater_id = ? AND record_id = ? AND target_key = ? AND ${CURRENT}`)
        .get(input.raterId, target.recordId, target.key) as { id: string; value: LabelValue } | undefined;
      if (input.value === WITHDRAWN && (current === undefined || current.value === WITHDRAWN)) {
        throw new StoreError('conflict', `rater ${input.raterId} has no label on ${target.key} of record ${target.recordId} to withdraw`);
      }
      const supersedes = input.supersedes ?? current?.id ?? null;
      if (supersedes !== null && supersedes !== current?.id) {
        throw new StoreError(
          'conflict',
          `label ${supersedes} is not the rater's current label on this target (current: ${current?.id ?? 'none'})`,
        );
      }
      const fields = {
        id: randomUUID(),
        raterId: input.raterId,
        createdAt: nowIso(),
        recordSha256: record.content_sha256,
        targetKind: input.target.kind,
        targetKey: target.region ? `region:${regionKeyText(record.content_sha256, target.region)}` : target.key,
        className: target.className,
        lead: target.lead,
        startSample: target.startSample,
        endSample: target.endSample,
        value: input.value,
        reasons: JSON.stringify(reasons),
        note: input.note ?? '',
        scale: input.scale ?? null,
        supersedes,
      };
      const id = fields.id;
      try {
        db.prepare(
          `INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, region_id, class_name, lead,
           start_sample, end_sample, value, reasons, note, scale, supersedes, signature)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          fields.raterId,
          fields.createdAt,
          target.recordId,
          fields.targetKind,
          target.key,
          target.regionId,
          fields.className,
          fields.lead,
          fields.startSample,
          fields.endSample,
          fields.value,
          fields.reasons,
          fields.note,
          fields.scale,
          supersedes,
          signLabel(key, fields),
        );
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_CHECK') {
          throw new StoreError('invalid', `label value ${JSON.stringify(input.value)} is not allowed for a ${input.target.kind} target`);
        }
        throw err;
      }
      return toLabel(db.prepare('SELECT * FROM labels WHERE id = ?').get(id) as LabelRow);
    })
    .immediate();
}

/** The judgements in force on a record (withdrawn targets have none); with `raterId`, only that rater's (blinded mode). */
export function currentLabels(db: Db, recordId: number, options: { raterId?: string } = {}): Label[] {
  const rows = db
    .prepare(`SELECT * FROM labels l WHERE record_id = ? AND (? IS NULL OR rater_id = ?) AND ${CURRENT_JUDGEMENT} ORDER BY created_at, id`)
    .all(recordId, options.raterId ?? null, options.raterId ?? null) as LabelRow[];
  return rows.map(toLabel);
}

export interface LabelHistoryRow extends Label {
  raterName: string;
  studyName: string;
  recordPseudonym: string;
  /** False when a later label supersedes this one (a current withdrawal is current: the target has no judgement). */
  current: boolean;
}

/** Whether a history row is a judgement in force: current and not a withdrawal (what statistics count). */
export function inForce(label: Pick<LabelHistoryRow, 'current' | 'value'>): boolean {
  return label.current && label.value !== WITHDRAWN;
}

/** Every label ever written (the audit trail), oldest first, optionally for one study and for one rater. */
export function labelHistory(db: Db, options: { studyId?: number; raterId?: string } = {}): LabelHistoryRow[] {
  const rows = db
    .prepare(
      `SELECT l.*, ra.display_name AS rater_name, s.name AS study_name, r.pseudonym AS record_pseudonym, ${CURRENT} AS is_current
       FROM labels l JOIN raters ra ON ra.id = l.rater_id JOIN records r ON r.id = l.record_id JOIN studies s ON s.id = r.study_id
       WHERE (@study IS NULL OR r.study_id = @study) AND (@rater IS NULL OR l.rater_id = @rater) ORDER BY l.created_at, l.id`,
    )
    .all({ study: options.studyId ?? null, rater: options.raterId ?? null }) as (LabelRow & {
    rater_name: string;
    study_name: string;
    record_pseudonym: string;
    is_current: number;
  })[];
  return rows.map((r) => ({
    ...toLabel(r),
    raterName: r.rater_name,
    studyName: r.study_name,
    recordPseudonym: r.record_pseudonym,
    current: r.is_current === 1,
  }));
}
