/**
 * The viewer's worklist in SQL: filters, search and order are computed by SQLite, and the viewer asks for one
 * page (or one neighbour) at a time, so a 100,000-record study costs a page of rows, not the whole list.
 *
 * Order: by record id, or a per-rater shuffle (shuffleKey): a bijection of the ids mixed with the seed, so
 * every record has its own place and the order is stable for a seed.
 */
import type { Db } from './db.ts';
import { CURRENT_JUDGEMENT } from './labels.ts';

export interface WorklistFilter {
  /** Records whose predicted classes include this one. */
  classCode: string | null;
  /** Top-class probability band [min, max]. */
  minProbability: number;
  maxProbability: number;
  /** Records where the rater has no label yet. */
  unlabeledByMe: boolean;
  disagreementOnly: boolean;
  /** Part of the pseudonym, the file name or the clinical text (diagnosis, report), any case. */
  search: string;
  /** The model's predicted classes differ from the reference's on a class the reference decides. */
  disagreesWithReference: boolean;
  /** The reference diagnosis has this superclass. */
  referenceClass: string | null;
}

export const ALL_RECORDS: WorklistFilter = {
  classCode: null,
  minProbability: 0,
  maxProbability: 1,
  unlabeledByMe: false,
  disagreementOnly: false,
  search: '',
  disagreesWithReference: false,
  referenceClass: null,
};

export interface WorklistQuery {
  studyId: number;
  raterId: string;
  /** Blinded: disagreement counts only the rater's own verdicts. */
  blinded: boolean;
  filter: WorklistFilter;
  /** null: by record id; else the shuffle's seed. */
  shuffleSeed: number | null;
  /** Search the clinical text (diagnoses) too: not where the study hides the reference diagnoses. */
  searchClinical: boolean;
}

export interface WorklistRow {
  recordId: number;
  pseudonym: string;
  recordName: string;
  durationS: number;
  topClass: string | null;
  topProbability: number | null;
  /** Classes at or above the threshold, most probable first, else the top class alone. */
  predicted: string[];
  labelsByRater: number;
  reviewedByRater: boolean;
  disagreement: boolean;
}

const LATEST_RUN = 'run.id = (SELECT id FROM runs WHERE record_id = r.id ORDER BY id DESC LIMIT 1)';
const MINE = `l.record_id = r.id AND l.rater_id = @rater AND ${CURRENT_JUDGEMENT}`;
const REVIEWED = `EXISTS (SELECT 1 FROM labels l WHERE ${MINE} AND l.target_kind = 'plausible')`;
const DISAGREEMENT = `(EXISTS (SELECT 1 FROM labels l WHERE ${MINE} AND l.target_kind IN ('plausible', 'agree-class') AND l.value = 'no')
  OR (@blinded = 0 AND EXISTS (SELECT 1 FROM labels l WHERE l.record_id = r.id AND l.target_kind IN ('plausible', 'agree-class')
      AND ${CURRENT_JUDGEMENT} GROUP BY l.target_key HAVING COUNT(DISTINCT l.value) > 1)))`;

/**
 * Multiply by an odd constant, XOR the seed, multiply by another (each a bijection mod 2^32; SQLite has no XOR:
 * a ^ b = (a | b) - (a & b)). The products stay below 2^63, so SQLite keeps integers.
 */
function shuffleKey(id: string): string {
  const x = `((${id} * 2654435761) % 4294967296)`;
  return `((((${x} | @seed) - (${x} & @seed)) * 739982445) % 4294967296)`;
}

/** The SQL of a query: only the conditions in use, so an unfiltered study is walked in id order by its index. */
interface QuerySql {
  /** `records r` (and its latest run where a condition needs it). */
  from: string;
  where: string;
  /** The order key as SQL over `r.id`, and the same for another id parameter. */
  key: (id: string) => string;
  params: Record<string, unknown>;
}

function sqlOf(q: WorklistQuery): QuerySql {
  const f = q.filter;
  const params: Record<string, unknown> = { study: q.studyId, rater: q.raterId, blinded: q.blinded ? 1 : 0 };
  const where = ['r.study_id = @study'];
  let needsRun = false;
  const needle = f.search.trim();
  if (needle) {
    params.like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const clinical = q.searchClinical ? ` OR r.clinical LIKE @like ESCAPE '\\'` : '';
    where.push(`(r.pseudonym LIKE @like ESCAPE '\\' OR r.record_name LIKE @like ESCAPE '\\'${clinical})`);
  }
  if (f.classCode !== null) {
    needsRun = true;
    params.class = f.classCode;
    where.push('EXISTS (SELECT 1 FROM json_each(run.predicted) p WHERE p.value = @class)');
  }
  if (f.minProbability > 0 || f.maxProbability < 1) {
    needsRun = true;
    params.min = f.minProbability;
    params.max = f.maxProbability;
    where.push('run.top_probability BETWEEN @min AND @max');
  }
  if (f.referenceClass !== null) {
    params.referenceClass = f.referenceClass;
    where.push('EXISTS (SELECT 1 FROM reference_classes rc WHERE rc.record_id = r.id AND rc.class = @referenceClass)');
  }
  if (f.disagreesWithReference) {
    // decided when the reference was stored (referenceRule.ts); keyed by record, so a record that does not
    // disagree costs one index probe and only the others look up their latest run
    where.push(`EXISTS (SELECT 1 FROM reference_disagreements x WHERE x.record_id = r.id
      AND x.run_id = (SELECT id FROM runs WHERE record_id = r.id ORDER BY id DESC LIMIT 1))`);
  }
  if (f.unlabeledByMe) where.push(`NOT EXISTS (SELECT 1 FROM labels l WHERE ${MINE})`);
  if (f.disagreementOnly) where.push(DISAGREEMENT);
  if (q.shuffleSeed !== null) params.seed = q.shuffleSeed;
  return {
    from: needsRun ? `records r JOIN runs run ON ${LATEST_RUN}` : 'records r',
    where: where.join(' AND '),
    key: (id) => (q.shuffleSeed === null ? id : shuffleKey(id)),
    params,
  };
}

interface Row {
  id: number;
  pseudonym: string;
  record_name: string;
  duration_s: number;
  top_class: string | null;
  top_probability: number | null;
  /** runs.predicted: JSON array of the predicted classes, most probable first. */
  predicted: string | null;
  labels_by_rater: number;
  reviewed: number;
  disagreement: number;
}

/** One page of the filtered, ordered worklist, and how many records pass the filter. */
export function worklistPage(db: Db, q: WorklistQuery, offset: number, limit: number): { total: number; rows: WorklistRow[] } {
  const s = sqlOf(q);
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM ${s.from} WHERE ${s.where}`).get(s.params) as { n: number }).n;
  const rows = db
    .prepare(
      `WITH page AS (SELECT r.id FROM ${s.from} WHERE ${s.where} ORDER BY ${s.key('r.id')} LIMIT @limit OFFSET @offset)
       SELECT r.id, r.pseudonym, r.record_name, r.duration_s, run.top_class, run.top_probability, run.predicted,
         (SELECT COUNT(*) FROM labels l WHERE ${MINE}) AS labels_by_rater,
         ${REVIEWED} AS reviewed,
         ${DISAGREEMENT} AS disagreement
       FROM page JOIN records r ON r.id = page.id LEFT JOIN runs run ON ${LATEST_RUN}
       ORDER BY ${s.key('r.id')}`,
    )
    .all({ ...s.params, blinded: q.blinded ? 1 : 0, limit, offset }) as Row[];
  return {
    total,
    rows: rows.map((r) => ({
      recordId: r.id,
      pseudonym: r.pseudonym,
      recordName: r.record_name,
      durationS: r.duration_s,
      topClass: r.top_class,
      topProbability: r.top_probability,
      predicted: r.predicted === null ? [] : (JSON.parse(r.predicted) as string[]),
      labelsByRater: r.labels_by_rater,
      reviewedByRater: r.reviewed === 1,
      disagreement: r.disagreement === 1,
    })),
  };
}

export type WorklistMove = 'first' | 'this' | 'next' | 'previous' | 'next-unreviewed';

/**
 * A record of the filtered worklist relative to `fromRecordId` (which need not pass the filter itself), and
 * its index in the list; null when there is none (the end of the list, or nothing left to review).
 * `next-unreviewed` wraps around to the start.
 */
export function worklistStep(
  db: Db,
  q: WorklistQuery,
  fromRecordId: number | null,
  move: WorklistMove,
): { recordId: number; index: number } | null {
  const s = sqlOf(q);
  const p = { ...s.params, from: fromRecordId ?? -1 };
  const key = s.key('r.id');
  const pick = (where: string, desc = false): number | null => {
    const row = db
      .prepare(`SELECT r.id FROM ${s.from} WHERE ${s.where} AND ${where} ORDER BY ${key} ${desc ? 'DESC' : ''} LIMIT 1`)
      .get(p) as { id: number } | undefined;
    return row?.id ?? null;
  };
  const unreviewed = `NOT ${REVIEWED}`;
  let id: number | null;
  switch (move) {
    case 'first':
      id = pick('1');
      break;
    case 'this':
      id = pick('r.id = @from');
      break;
    case 'next':
      id = pick(`${key} > ${s.key('@from')}`);
      break;
    case 'previous':
      id = pick(`${key} < ${s.key('@from')}`, true);
      break;
    case 'next-unreviewed':
      id = pick(`${key} > ${s.key('@from')} AND ${unreviewed}`) ?? pick(`r.id <> @from AND ${unreviewed}`);
      break;
  }
  if (id === null) return null;
  const before = db
    .prepare(`SELECT COUNT(*) AS n FROM ${s.from} WHERE ${s.where} AND ${key} < ${s.key('@at')}`)
    .get({ ...s.params, at: id }) as {
    n: number;
  };
  return { recordId: id, index: before.n };
}

/** The study's size, the records with the rater's record verdict, and the model classes its runs carry. */
export function worklistSummary(db: Db, studyId: number, raterId: string): { records: number; reviewed: number; classCodes: string[] } {
  const p = { study: studyId, rater: raterId };
  const { records, reviewed } = db
    .prepare(
      `SELECT COUNT(*) AS records,
         COALESCE(SUM(EXISTS (SELECT 1 FROM labels l WHERE ${MINE} AND l.target_kind = 'plausible')), 0) AS reviewed
       FROM records r WHERE r.study_id = @study`,
    )
    .get(p) as { records: number; reviewed: number };
  const classSets = db
    .prepare(
      `SELECT run.classes FROM runs run WHERE run.id IN (
         SELECT MAX(run.id) FROM runs run JOIN records r ON r.id = run.record_id WHERE r.study_id = @study GROUP BY run.model_id)`,
    )
    .all({ study: studyId }) as { classes: string }[];
  const codes = new Set(classSets.flatMap((c) => (JSON.parse(c.classes) as { code: string }[]).map((x) => x.code)));
  return { records, reviewed, classCodes: [...codes] };
}
