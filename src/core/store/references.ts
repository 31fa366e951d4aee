/**
 * The reference diagnosis stored with a record (migration 9): what the dataset says the record is, beside what the
 * model predicts. Written in the record's import transaction; read by the viewer, the worklist filters and the
 * report's "model on this study" section.
 */
import { type Db, statement } from './db.ts';
import { RUN_DISAGREES_WITH_REFERENCE } from './referenceRule.ts';

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
  // the record's runs are stored before its reference (the import's order)
  statement(
    db,
    `INSERT INTO reference_disagreements (record_id, run_id)
     SELECT run.record_id, run.id FROM runs run JOIN reference_diagnoses d ON d.record_id = run.record_id
     WHERE run.record_id = ? AND ${RUN_DISAGREES_WITH_REFERENCE}`,
  ).run(recordId);
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
  const row = statement(db, 'SELECT * FROM reference_diagnoses WHERE record_id = ?').get(recordId) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** The superclasses that some record of the study has in its reference, sorted (by the class index, not every row). */
export function studyReferenceClasses(db: Db, studyId: number): string[] {
  const rows = db
    .prepare(
      `SELECT c.class FROM (SELECT DISTINCT class FROM reference_classes) c WHERE EXISTS (
         SELECT 1 FROM reference_classes rc JOIN records r ON r.id = rc.record_id WHERE rc.class = c.class AND r.study_id = ?)
       ORDER BY c.class`,
    )
    .all(studyId) as { class: string }[];
  return rows.map((r) => r.class);
}

/** Every reference of a study's records, by record id. */
export function studyReferences(db: Db, studyId: number): Map<number, StoredReference> {
  const rows = db
    .prepare('SELECT d.* FROM reference_diagnoses d JOIN records r ON r.id = d.record_id WHERE r.study_id = ?')
    .all(studyId) as Row[];
  return new Map(rows.map((r) => [r.record_id, fromRow(r)]));
}
