import type { Db } from './db.ts';
import { nowIso } from './db.ts';
import { StoreError } from './errors.ts';

export interface Study {
  id: number;
  name: string;
  pseudonymPrefix: string;
  createdAt: string;
}

export interface StudySummary extends Study {
  records: number;
}

interface StudyRow {
  id: number;
  name: string;
  pseudonym_prefix: string;
  created_at: string;
}

function toStudy(r: StudyRow): Study {
  return { id: r.id, name: r.name, pseudonymPrefix: r.pseudonym_prefix, createdAt: r.created_at };
}

export function findStudy(db: Db, name: string): Study | null {
  const row = db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as StudyRow | undefined;
  return row ? toStudy(row) : null;
}

export function getStudy(db: Db, id: number): Study {
  const row = db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as StudyRow | undefined;
  if (!row) throw new StoreError('not-found', `study ${id} does not exist`);
  return toStudy(row);
}

/** The study of that name, created on first use; pseudonyms inside it read "S<id>-0001". */
export function ensureStudy(db: Db, name: string): Study {
  const trimmed = name.trim();
  if (!trimmed) throw new StoreError('invalid', 'study name must not be empty');
  return db
    .transaction(() => {
      const existing = findStudy(db, trimmed);
      if (existing) return existing;
      const next = ((db.prepare('SELECT MAX(id) AS m FROM studies').get() as { m: number | null }).m ?? 0) + 1;
      db.prepare('INSERT INTO studies (id, name, pseudonym_prefix, created_at) VALUES (?, ?, ?, ?)').run(
        next,
        trimmed,
        `S${next}`,
        nowIso(),
      );
      return getStudy(db, next);
    })
    .immediate();
}

export function listStudies(db: Db): StudySummary[] {
  const rows = db
    .prepare(
      `SELECT s.*, (SELECT COUNT(*) FROM records r WHERE r.study_id = s.id) AS records
       FROM studies s ORDER BY s.id`,
    )
    .all() as (StudyRow & { records: number })[];
  return rows.map((r) => ({ ...toStudy(r), records: r.records }));
}
