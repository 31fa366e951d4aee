/**
 * A large study from a small real one, in seconds: the store's own rows cloned in SQL. Every clone has its
 * record row (new pseudonym, content hash and file name) and its model run, so worklists, filters and counts
 * see a study of that size; the first `complete` clones also get their signal, stored attribution maps (runs
 * imported before migration 10), evidence regions and wave annotations, so they open in the viewer like
 * imported records. (Cloning every signal would write about 13 KB per record.)
 */
import type { Db } from '../../src/core/store/index.ts';

export function cloneStudy(db: Db, studyId: number, records: number, complete = 0): void {
  const sources = (db.prepare('SELECT id FROM records WHERE study_id = ? ORDER BY id').all(studyId) as { id: number }[]).map((r) => r.id);
  if (!sources.length) throw new Error(`study ${studyId} has no records to clone`);
  const copies = records - sources.length;
  if (copies <= 0) return;
  const prefix = (db.prepare('SELECT pseudonym_prefix AS p FROM studies WHERE id = ?').get(studyId) as { p: string }).p;
  db.transaction(() => {
    // records and runs for all clones: one INSERT ... SELECT each over a numbers table
    db.exec('CREATE TEMP TABLE clone_n (n INTEGER PRIMARY KEY, src INTEGER NOT NULL)');
    const insertN = db.prepare('INSERT INTO clone_n (n, src) VALUES (?, ?)');
    for (let i = 0; i < copies; i++) insertN.run(i, sources[i % sources.length]);
    const numbered = (db.prepare('SELECT records_numbered AS k FROM studies WHERE id = ?').get(studyId) as { k: number }).k;
    db.prepare(
      `INSERT INTO records (study_id, pseudonym, content_sha256, source_path, source_files, record_name, format, sampling_rate_hz,
         samples_per_lead, duration_s, lead_names, clinical, identifying, warnings, imported_at)
       SELECT r.study_id, @prefix || '-' || printf('%04d', @numbered + c.n + 1), 'clone-' || c.n || '-' || r.content_sha256,
         r.source_path, r.source_files, r.record_name || '-copy' || c.n, r.format, r.sampling_rate_hz, r.samples_per_lead,
         r.duration_s, r.lead_names, r.clinical, r.identifying, r.warnings, r.imported_at
       FROM clone_n c JOIN records r ON r.id = c.src ORDER BY c.n`,
    ).run({ prefix, numbered });
    db.prepare('UPDATE studies SET records_numbered = records_numbered + ? WHERE id = ?').run(copies, studyId);
    db.exec(`CREATE TEMP TABLE clone_map AS
      SELECT c.n, c.src, r.id AS dst FROM clone_n c JOIN records r ON r.content_sha256 = 'clone-' || c.n || '-' ||
        (SELECT content_sha256 FROM records WHERE id = c.src) AND r.study_id = ${Number(studyId)}`);
    db.exec(`INSERT INTO runs (record_id, model_id, classes, top_class, top_probability, completeness_error, provider, timings,
        map_rate_hz, windows, warnings, created_at, attribution_sha256, predicted)
      SELECT m.dst, run.model_id, run.classes, run.top_class, run.top_probability, run.completeness_error, run.provider, run.timings,
        run.map_rate_hz, run.windows, run.warnings, run.created_at, run.attribution_sha256, run.predicted
      FROM clone_map m JOIN runs run ON run.record_id = m.src ORDER BY m.n`);
    // the first `complete` clones: everything a record needs to open
    db.prepare(`CREATE TEMP TABLE clone_full AS SELECT * FROM clone_map WHERE n < ?`).run(complete);
    db.exec(`INSERT INTO signals (record_id, leads, data) SELECT f.dst, s.leads, s.data FROM clone_full f JOIN signals s ON s.record_id = f.src;
      INSERT INTO annotations (record_id, lead, kind, onset_sample, peak_sample, offset_sample)
        SELECT f.dst, a.lead, a.kind, a.onset_sample, a.peak_sample, a.offset_sample FROM clone_full f JOIN annotations a ON a.record_id = f.src;
      CREATE TEMP TABLE clone_runs AS SELECT src_run.id AS src, dst_run.id AS dst FROM clone_full f
        JOIN runs src_run ON src_run.record_id = f.src JOIN runs dst_run ON dst_run.record_id = f.dst AND dst_run.model_id = src_run.model_id;
      INSERT INTO attribution_maps (run_id, class_index, leads, samples, encoding, data)
        SELECT cr.dst, a.class_index, a.leads, a.samples, a.encoding, a.data FROM clone_runs cr JOIN attribution_maps a ON a.run_id = cr.src;
      INSERT INTO evidence_regions (run_id, class_name, lead, start_sample, end_sample, contribution, rank)
        SELECT cr.dst, g.class_name, g.lead, g.start_sample, g.end_sample, g.contribution, g.rank
        FROM clone_runs cr JOIN evidence_regions g ON g.run_id = cr.src ORDER BY cr.dst, g.id;
      DROP TABLE clone_runs; DROP TABLE clone_full; DROP TABLE clone_map; DROP TABLE clone_n;`);
  })();
}
