import { openStore } from './src/core/store/index.ts';
const db = openStore('/tmp/rprof/bench.sqlite', { readonly: true });
const q = `SELECT l.*, ra.display_name AS rater_name, s.name AS study_name, r.pseudonym AS record_pseudonym, NOT EXISTS (SELECT 1 FROM labels n WHERE n.supersedes = l.id) AS is_current
       FROM labels l JOIN raters ra ON ra.id = l.rater_id JOIN records r ON r.id = l.record_id JOIN studies s ON s.id = r.study_id
       WHERE (? IS NULL OR r.study_id = ?) ORDER BY l.created_at, l.id`;
console.log(db.prepare('EXPLAIN QUERY PLAN ' + q).all(1, 1));
for (let i = 0; i < 3; i++) { const t = performance.now(); const rows = db.prepare(q).all(1, 1); console.log(rows.length, (performance.now() - t).toFixed(0)); }
let t = performance.now(); db.prepare('SELECT * FROM labels').all(); console.log('plain', (performance.now() - t).toFixed(0));
t = performance.now(); db.prepare(`SELECT run.id, run.record_id, run.classes FROM runs run`).all(); console.log('runs', (performance.now() - t).toFixed(0));
t = performance.now(); db.prepare(`SELECT g.* FROM evidence_regions g`).all(); console.log('regions', (performance.now() - t).toFixed(0));
