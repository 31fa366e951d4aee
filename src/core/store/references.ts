/**
 * The reference diagnosis stored with a record (migration 9): what the dataset says the record is, beside what the
 * model predicts. Written in the record's import transaction; read by the viewer, the worklist filters and the
 * report's "model on this study" section.
 */
import { type Db, statement } from './db.ts';

export interface StoredReference {
  source: 'ptb-xl' | 'cinc' | 'ludb';
  codes: { system: string; code: string; text?: string; likelihood?: number; superclass?: string; leftOut?: string }[];
  superclasses: string[];
  undetermined: string[];
}

export function insertReference(db: Db, recordId: number, ref: StoredReference): void {
  statement(db, 'INSERT INTO reference_diagnoses (record_id, source, codes, superclasses, undetermined) VALUES (?, ?, ?, ?, ?)').run(
    recordId,
    ref.source,
    JSON.stringify(ref.codes),
    JSON.stringify(ref.superclasses),
    JSON.stringify(ref.undetermined),
  );
  const cls = statement(db, 'INSERT INTO reference_classes (record_id, class) VALUES (?, ?)');
  for (const c of ref.superclasses) cls.run(recordId, c);
}

interface Row {
  record_id: number;
  source: StoredReference['source'];
  codes: string;
  superclasses: string;
  undetermined: string;
}

const fromRow = (r: Row): StoredReference => ({
  source: r.source,
  codes: JSON.parse(r.codes) as StoredReference['codes'],
  superclasses: JSON.parse(r.superclasses) as string[],
  undetermined: JSON.parse(r.undetermined) as string[],
});

export function getReference(db: Db, recordId: number): StoredReference | null {
  const row = db.prepare('SELECT * FROM reference_diagnoses WHERE record_id = ?').get(recordId) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** Every reference of a study's records, by record id. */
export function studyReferences(db: Db, studyId: number): Map<number, StoredReference> {
  const rows = db
    .prepare('SELECT d.* FROM reference_diagnoses d JOIN records r ON r.id = d.record_id WHERE r.study_id = ?')
    .all(studyId) as Row[];
  return new Map(rows.map((r) => [r.record_id, fromRow(r)]));
}

/** Worklist filters on the reference, as SQL over the latest run of each record. */
export interface ReferenceFilter {
  /** The model's predicted classes (probability >= threshold, else the top class) differ from the reference's on a class the reference decides. */
  disagreesWithReference?: boolean;
  /** The reference has this superclass. */
  referenceClass?: string;
}

/** Ids of the study's records that pass the filter (records without a reference never do). */
export function recordsMatching(db: Db, studyId: number, filter: ReferenceFilter, threshold: number): Set<number> {
  const where = ['r.study_id = @studyId'];
  if (filter.referenceClass !== undefined) {
    where.push('EXISTS (SELECT 1 FROM reference_classes rc WHERE rc.record_id = r.id AND rc.class = @referenceClass)');
  }
  if (filter.disagreesWithReference) {
    const code = "json_extract(c.value, '$.code')";
    const predicted = `(json_extract(c.value, '$.probability') >= @threshold
      OR (${code} = run.top_class AND NOT EXISTS (
        SELECT 1 FROM json_each(run.classes) c2 WHERE json_extract(c2.value, '$.probability') >= @threshold)))`;
    where.push(`EXISTS (
      SELECT 1 FROM json_each(run.classes) c
      WHERE NOT EXISTS (SELECT 1 FROM json_each(d.undetermined) u WHERE u.value = ${code})
        AND ${predicted} <> EXISTS (SELECT 1 FROM reference_classes rc WHERE rc.record_id = r.id AND rc.class = ${code}))`);
  }
  const rows = db
    .prepare(
      `SELECT r.id FROM records r
       JOIN reference_diagnoses d ON d.record_id = r.id
       JOIN runs run ON run.id = (SELECT id FROM runs WHERE record_id = r.id ORDER BY id DESC LIMIT 1)
       WHERE ${where.join(' AND ')}`,
    )
    .all({ studyId, referenceClass: filter.referenceClass ?? null, threshold }) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}
