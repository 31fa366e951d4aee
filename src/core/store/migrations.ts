/**
 * Numbered schema migrations. Migration i (1-based) takes a database from user_version i-1 to i; each runs in
 * one transaction together with the user_version bump, so a crash leaves the database at a whole version.
 * Never edit a released migration: add a new one.
 */
import { RUN_DISAGREES_WITH_REFERENCE } from './referenceRule.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: recordings.
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- Prefix of the study-local pseudonyms, 'S<id>'.
    pseudonym_prefix TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    pseudonym TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_files TEXT NOT NULL,
    record_name TEXT NOT NULL,
    format TEXT NOT NULL,
    sampling_rate_hz REAL NOT NULL,
    samples_per_lead INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    lead_names TEXT NOT NULL,
    clinical TEXT NOT NULL,
    -- NULL unless the import opted in to keep identifying fields.
    identifying TEXT,
    warnings TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (study_id, content_sha256),
    UNIQUE (study_id, pseudonym)
  );
  CREATE TABLE signals (
    record_id INTEGER PRIMARY KEY REFERENCES records(id),
    leads TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    lead TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('P', 'QRS', 'T')),
    onset_sample INTEGER NOT NULL,
    peak_sample INTEGER,
    offset_sample INTEGER NOT NULL
  );
  CREATE INDEX annotations_record ON annotations(record_id);
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: model runs and their explanations.
  `
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    added_at TEXT NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES records(id),
    model_id TEXT NOT NULL REFERENCES models(id),
    -- JSON [{code, name, logit, probability, bias, window, leadContributions}] in manifest order.
    classes TEXT NOT NULL,
    top_class TEXT NOT NULL,
    top_probability REAL NOT NULL,
    completeness_error REAL NOT NULL,
    provider TEXT NOT NULL,
    timings TEXT NOT NULL,
    -- Time axis of maps and regions: the model's rate, samples per lead, window length and starts.
    map_rate_hz REAL NOT NULL,
    windows TEXT NOT NULL,
    warnings TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (record_id, model_id)
  );
  CREATE TABLE attribution_maps (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    class_index INTEGER NOT NULL,
    leads INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, class_index)
  );
  CREATE TABLE evidence_regions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    class_name TEXT NOT NULL,
    lead TEXT NOT NULL,
    start_sample INTEGER NOT NULL,
    end_sample INTEGER NOT NULL,
    contribution REAL NOT NULL,
    rank INTEGER NOT NULL
  );
  CREATE INDEX evidence_regions_run ON evidence_regions(run_id);
  `,
  // 3: raters and append-only labels (see docs/store.md).
  `
  CREATE TABLE raters (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    rater_id TEXT NOT NULL REFERENCES raters(id),
    created_at TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('region', 'drawn-region', 'plausible', 'agree-class')),
    -- What the label is about, one string per target, so 'current' is one label per rater and target.
    target_key TEXT NOT NULL,
    region_id INTEGER REFERENCES evidence_regions(id),
    class_name TEXT,
    lead TEXT,
    start_sample INTEGER,
    end_sample INTEGER,
    value TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT NOT NULL,
    scale TEXT CHECK (scale IN ('per-record', 'fixed')),
    supersedes TEXT UNIQUE REFERENCES labels(id),
    CHECK (
      (target_kind IN ('region', 'drawn-region') AND value IN ('valid', 'not_valid', 'unsure')
        AND class_name IS NOT NULL AND lead IS NOT NULL AND start_sample IS NOT NULL AND end_sample IS NOT NULL)
      OR (target_kind = 'plausible' AND value IN ('yes', 'partly', 'no'))
      OR (target_kind = 'agree-class' AND value IN ('yes', 'no') AND class_name IS NOT NULL)
    ),
    CHECK (target_kind <> 'region' OR region_id IS NOT NULL)
  );
  CREATE INDEX labels_record ON labels(record_id, rater_id);
  CREATE TRIGGER labels_no_update BEFORE UPDATE ON labels
    BEGIN SELECT RAISE(ABORT, 'labels are append-only: UPDATE is forbidden, append a superseding label'); END;
  CREATE TRIGGER labels_no_delete BEFORE DELETE ON labels
    BEGIN SELECT RAISE(ABORT, 'labels are append-only: DELETE is forbidden'); END;
  `,
  // 4: import jobs and what happened to every file.
  `
  CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    model_id TEXT REFERENCES models(id),
    inputs TEXT NOT NULL,
    -- sha256 of the inputs, study, model and options: an unfinished job with the same key is resumed.
    inputs_key TEXT NOT NULL,
    keep_identifiers INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'cancelled', 'completed')),
    total_files INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX import_jobs_key ON import_jobs(inputs_key, status);
  CREATE TABLE import_files (
    job_id INTEGER NOT NULL REFERENCES import_jobs(id),
    path TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'duplicate', 'part-of-record', 'skipped', 'failed')),
    record_id INTEGER REFERENCES records(id),
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, path)
  );
  `,
  // 5: a per-study counter for pseudonyms, so numbering a record does not count the study's records.
  `
  ALTER TABLE studies ADD COLUMN records_numbered INTEGER NOT NULL DEFAULT 0;
  UPDATE studies SET records_numbered = (SELECT COUNT(*) FROM records r WHERE r.study_id = studies.id);
  `,
  // 6: the value 'withdrawn', a label row saying the rater no longer gives a judgement on the target (so the
  // first label can be undone without UPDATE or DELETE). SQLite cannot alter a CHECK, so the table is rebuilt:
  // the old one is renamed away first (its self-reference and triggers follow it), the rows are copied with
  // the supersedes foreign key checked at commit, and the old table is dropped (DROP fires no triggers).
  `
  PRAGMA defer_foreign_keys = ON;
  ALTER TABLE labels RENAME TO labels_v5;
  CREATE TABLE labels (
    id TEXT PRIMARY KEY,
    rater_id TEXT NOT NULL REFERENCES raters(id),
    created_at TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('region', 'drawn-region', 'plausible', 'agree-class')),
    target_key TEXT NOT NULL,
    region_id INTEGER REFERENCES evidence_regions(id),
    class_name TEXT,
    lead TEXT,
    start_sample INTEGER,
    end_sample INTEGER,
    value TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT NOT NULL,
    scale TEXT CHECK (scale IN ('per-record', 'fixed')),
    supersedes TEXT UNIQUE REFERENCES labels(id),
    CHECK (
      (target_kind IN ('region', 'drawn-region') AND value IN ('valid', 'not_valid', 'unsure', 'withdrawn')
        AND class_name IS NOT NULL AND lead IS NOT NULL AND start_sample IS NOT NULL AND end_sample IS NOT NULL)
      OR (target_kind = 'plausible' AND value IN ('yes', 'partly', 'no', 'withdrawn'))
      OR (target_kind = 'agree-class' AND value IN ('yes', 'no', 'withdrawn') AND class_name IS NOT NULL)
    ),
    CHECK (target_kind <> 'region' OR region_id IS NOT NULL),
    -- A withdrawal always withdraws a label, and carries no reasons.
    CHECK (value <> 'withdrawn' OR (supersedes IS NOT NULL AND reasons = '[]'))
  );
  INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, region_id, class_name, lead, start_sample,
    end_sample, value, reasons, note, scale, supersedes)
  SELECT id, rater_id, created_at, record_id, target_kind, target_key, region_id, class_name, lead, start_sample,
    end_sample, value, reasons, note, scale, supersedes FROM labels_v5;
  DROP TABLE labels_v5;
  CREATE INDEX labels_record ON labels(record_id, rater_id);
  CREATE TRIGGER labels_no_update BEFORE UPDATE ON labels
    BEGIN SELECT RAISE(ABORT, 'labels are append-only: UPDATE is forbidden, append a superseding label'); END;
  CREATE TRIGGER labels_no_delete BEFORE DELETE ON labels
    BEGIN SELECT RAISE(ABORT, 'labels are append-only: DELETE is forbidden'); END;
  `,
  // 7: INSERT OR REPLACE on an existing label id deletes the old row without firing the DELETE trigger
  // (SQLite fires delete triggers for REPLACE only with recursive_triggers), so an id is refused before insert.
  `
  CREATE TRIGGER labels_no_replace BEFORE INSERT ON labels WHEN EXISTS (SELECT 1 FROM labels WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'labels are append-only: label id exists, INSERT OR REPLACE is forbidden'); END;
  `,
  // 8: signed labels (src/core/store/signing.ts). NULL marks raters and labels made before signing; a rater's
  // public key is set once and never changed (a new key means a new rater).
  `
  ALTER TABLE raters ADD COLUMN public_key TEXT;
  ALTER TABLE labels ADD COLUMN signature TEXT;
  CREATE TRIGGER raters_key_fixed BEFORE UPDATE OF public_key ON raters WHEN OLD.public_key IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a rater''s public key never changes: a new key needs a new rater'); END;
  `,
  // 9: the reference diagnosis a record's source carries (PTB-XL statements, CinC #Dx, LUDB diagnoses), mapped to
  // the model's superclasses (src/core/dataset/reference.ts); never patient data. reference_classes holds one row
  // per positive superclass, so worklist filters are plain SQL.
  `
  CREATE TABLE reference_diagnoses (
    record_id INTEGER PRIMARY KEY REFERENCES records(id),
    source TEXT NOT NULL CHECK (source IN ('ptb-xl', 'cinc', 'ludb')),
    -- JSON [{system, code, text?, likelihood?, superclass?, leftOut?}]
    codes TEXT NOT NULL,
    -- JSON arrays of superclass codes: positives, and classes the source cannot decide
    superclasses TEXT NOT NULL,
    undetermined TEXT NOT NULL
  );
  CREATE TABLE reference_classes (
    record_id INTEGER NOT NULL REFERENCES reference_diagnoses(record_id),
    class TEXT NOT NULL,
    PRIMARY KEY (record_id, class)
  ) WITHOUT ROWID;
  CREATE INDEX reference_classes_class ON reference_classes(class, record_id);
  `,
  // 10: attribution maps become a cache. A run stores the sha256 of its maps (attributionSha256 in
  // src/core/inference/explain.ts) instead of the maps; runAttribution recomputes them from the stored signal and
  // checks the digest. Runs stored before keep their maps (and a NULL digest), which stay what the viewer shows.
  // runs.predicted: the predicted classes (probability >= 0.5, else the top class; predictedClasses in
  // viewerQueries.ts) as a JSON array, so the worklist's class filter need not parse every run's classes JSON.
  // reference_disagreements: the runs that disagree with their record's reference (referenceRule.ts), decided
  // when the reference is stored, so the worklist's filter is a lookup (evaluating the rule for every record of
  // the full PTB-XL took 170 ms). Not part of packages: raters do not see the reference. runs_record_latest: a
  // record's latest run is an index seek (the worklist joins it for every record a run filter looks at; without
  // it SQLite sorted each record's runs: 6 us a record).
  `
  ALTER TABLE runs ADD COLUMN attribution_sha256 TEXT;
  ALTER TABLE runs ADD COLUMN predicted TEXT NOT NULL DEFAULT '[]';
  UPDATE runs SET predicted = CASE
    WHEN EXISTS (SELECT 1 FROM json_each(runs.classes) c WHERE json_extract(c.value, '$.probability') >= 0.5)
    THEN (SELECT json_group_array(code) FROM (
      SELECT json_extract(c.value, '$.code') AS code FROM json_each(runs.classes) c
      WHERE json_extract(c.value, '$.probability') >= 0.5 ORDER BY json_extract(c.value, '$.probability') DESC, c.key))
    ELSE json_array(top_class) END;
  CREATE INDEX runs_record_latest ON runs(record_id, id);
  CREATE TABLE reference_disagreements (
    record_id INTEGER NOT NULL REFERENCES records(id),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (record_id, run_id)
  ) WITHOUT ROWID;
  INSERT INTO reference_disagreements (record_id, run_id)
    SELECT run.record_id, run.id FROM runs run JOIN reference_diagnoses d ON d.record_id = run.record_id WHERE ${RUN_DISAGREES_WITH_REFERENCE};
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
