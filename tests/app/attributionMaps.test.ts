/**
 * Attribution maps as a cache (migration 10): runs store the sha256 of the maps computed at import, every reader
 * recomputes them through runAttribution, and the viewer API says when a recomputation is not what was first
 * shown. Real LUDB records through the real import and the tiny test model.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, dispatch } from '../../src/app/index.ts';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { attributionSha256 } from '../../src/core/inference/explain.ts';
import { exportStudyPackage, importStudyPackage, verifyPackage, withReadonly } from '../../src/core/package/index.ts';
import { decodeMap, encodeMap } from '../../src/core/store/codec.ts';
import { getRecord, getRun, openStore, runAttribution, SCHEMA_VERSION } from '../../src/core/store/index.ts';
import { decodeFloat32 } from '../../src/renderer/src/ecg/binary.ts';
import type { ApiMethod, ApiRequest, ApiResponse } from '../../src/shared/api/index.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';
import { buildViewerDb, VIEWER_STUDY, viewerContext } from '../renderer/viewerDb.ts';

let dir: string;
let dbPath: string;
let engine: InferenceEngine;

type Call = <M extends ApiMethod>(method: M, request: ApiRequest<M>) => Promise<ApiResponse<M>>;

/** The app's API over the database at `path`, as the viewer calls it. */
function api(path: string): Call {
  const handlers = createHandlers(viewerContext(path));
  return async (method, request) => {
    const reply = await dispatch(handlers, method, request);
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
    return reply.value as never;
  };
}

function recordIds(path: string): number[] {
  const db = openStore(path, { readonly: true });
  try {
    return (db.prepare('SELECT record_id AS id FROM runs ORDER BY record_id').all() as { id: number }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** The viewer's maps of a record, decoded: classes x leads x samples. */
async function shownMaps(call: Call, recordId: number) {
  const { run } = await call('records.run', { recordId });
  return { run: run!, maps: decodeFloat32(run!.attribution.data, run!.attribution.length) };
}

/**
 * What a database imported before migration 10 looks like: every run's maps stored (float16), no digest, no
 * predicted-classes column, no reference_disagreements and no runs_record_latest index, at user_version 9. Made from a current database, so the records are real imports.
 */
async function makeLegacy(from: string, to: string): Promise<void> {
  copyFileSync(from, to);
  const db = openStore(to);
  const maps = new Map<number, Buffer[]>();
  try {
    for (const id of recordIds(to)) {
      const run = getRun(db, id)!;
      maps.set(run.id, (await engine.predict(getRecord(db, id))).attribution.map(encodeMap));
    }
  } finally {
    db.close();
  }
  const raw = new Database(to);
  const insert = raw.prepare(
    'INSERT INTO attribution_maps (run_id, class_index, leads, samples, encoding, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  raw.transaction(() => {
    for (const [runId, blobs] of maps) {
      const { windows } = raw.prepare('SELECT windows FROM runs WHERE id = ?').get(runId) as { windows: string };
      const { samples, leads } = JSON.parse(windows) as { samples: number; leads: string[] };
      blobs.forEach((b, k) => insert.run(runId, k, leads.length, samples, 'float16-shuffle-deflate', b));
    }
    raw.exec(`ALTER TABLE runs DROP COLUMN attribution_sha256; ALTER TABLE runs DROP COLUMN predicted;
      DROP TABLE reference_disagreements; DROP INDEX runs_record_latest`);
    raw.pragma('user_version = 9');
  })();
  raw.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-attribution-maps-'));
  dbPath = join(dir, 'audit.sqlite');
  await buildViewerDb(dbPath, [1, 2, 3]);
  engine = await InferenceEngine.open(TINY_MODEL_DIR, { providers: ['cpu'] });
}, 300_000);

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('attribution maps recomputed on demand', () => {
  it('store no maps at import, only a digest, and a recomputation from the stored signal has that digest', async () => {
    const db = openStore(dbPath, { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM attribution_maps').get() as { n: number }).n).toBe(0);
      const ids = recordIds(dbPath);
      expect(ids).toHaveLength(3);
      for (const id of ids) {
        const run = getRun(db, id)!;
        expect(run.attributionSha256).toMatch(/^[0-9a-f]{64}$/);
        const got = await runAttribution(db, run, engine);
        expect(got.check).toEqual({ kind: 'recomputed', sha256: run.attributionSha256 });
        // the very maps a fresh prediction gives, and they explain the stored logits exactly
        const fresh = await engine.predict(getRecord(db, id));
        expect(fresh.attributionSha256).toBe(run.attributionSha256);
        expect(got.attribution).toEqual(fresh.attribution);
        run.classes.forEach((c, k) => {
          const sum = got.attribution[k]!.reduce((s, v) => s + v, 0);
          expect(Math.abs(sum + c.bias - c.logit)).toBeLessThan(1e-3);
        });
      }
    } finally {
      db.close();
    }
  });

  it('the viewer API says in plain words when a recomputation differs from the digest stored at import', async () => {
    const altered = join(dir, 'altered.sqlite');
    copyFileSync(dbPath, altered);
    const [changed, untouched] = recordIds(altered);
    const raw = new Database(altered);
    // what a run on another execution provider looks like to the check: a digest the recomputation does not reach
    raw.prepare('UPDATE runs SET attribution_sha256 = ? WHERE record_id = ?').run(attributionSha256([new Float32Array(4)]), changed);
    raw.close();
    const call = api(altered);

    const { run } = await shownMaps(call, changed!);
    expect(run.mapsCheck.status).toBe('differs');
    expect(run.mapsCheck.notice).toMatch(/recalculated on this computer and differ slightly from those shown when this ECG was imported/);
    expect(run.mapsCheck.notice).not.toMatch(/sha|hash|provider|logit/i);
    expect(run.mapsCheck.detail).toMatch(/attribution map sha256 mismatch: imported [0-9a-f]{12} on cpu, recomputed [0-9a-f]{12} on cpu/);

    const other = await shownMaps(call, untouched!);
    expect(other.run.mapsCheck).toMatchObject({ status: 'recomputed', notice: null });
    expect(other.run.mapsCheck.detail).toMatch(/equals the one stored at import/);
  });

  it('a database from before migration 10 opens, migrates, and shows the maps it stored', async () => {
    const legacy = join(dir, 'legacy.sqlite');
    await makeLegacy(dbPath, legacy);
    const derived = (path: string) => {
      const d = openStore(path, { readonly: true });
      try {
        return {
          predicted: d.prepare('SELECT record_id, predicted FROM runs ORDER BY record_id').all(),
          disagreements: d.prepare('SELECT record_id, run_id FROM reference_disagreements ORDER BY record_id, run_id').all(),
        };
      } finally {
        d.close();
      }
    };
    const db = openStore(legacy);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // the migration derives what the import now writes, the same way
      expect(derived(legacy)).toEqual(derived(dbPath));
      for (const id of recordIds(legacy)) {
        const run = getRun(db, id)!;
        expect(run.attributionSha256).toBeNull();
        const got = await runAttribution(db, run, engine);
        expect(got.check).toEqual({ kind: 'stored' });
        const stored = db
          .prepare('SELECT data, leads, samples FROM attribution_maps WHERE run_id = ? ORDER BY class_index')
          .all(run.id) as {
          data: Buffer;
          leads: number;
          samples: number;
        }[];
        expect(got.attribution).toEqual(stored.map((m) => decodeMap(m.data, m.leads * m.samples)));
      }
    } finally {
      db.close();
    }
    const call = api(legacy);
    const [first] = recordIds(legacy);
    const { run, maps } = await shownMaps(call, first!);
    expect(run.mapsCheck).toMatchObject({ status: 'stored', notice: null });
    // float16 of the maps a fresh prediction gives
    const reader = openStore(legacy, { readonly: true });
    const fresh = (await engine.predict(getRecord(reader, first!))).attribution;
    reader.close();
    const size = run.leads.length * run.mapSamples;
    fresh.forEach((a, k) => expect(maps.subarray(k * size, (k + 1) * size)).toEqual(decodeMap(encodeMap(a), a.length)));
    const cls = run.classes.find((c) => run.regions.some((r) => r.classCode === c.code))!;
    const whatIf = await call('records.whatIf', { runId: run.id, classCode: cls.code, occlude: { kind: 'top-regions', n: 2 } });
    expect(whatIf.original.logit).toBe(cls.logit);
  });

  it('a study package carries the digests (and stored maps of older runs), verifies, and recomputes the same maps after import', async () => {
    const pkg = join(dir, 'study.ecgaudit');
    const db = openStore(dbPath);
    try {
      exportStudyPackage(db, dbPath, { studyName: VIEWER_STUDY, out: pkg });
    } finally {
      db.close();
    }
    withReadonly(pkg, (p) => {
      verifyPackage(p, pkg);
      expect((p.prepare('SELECT COUNT(*) AS n FROM attribution_maps').get() as { n: number }).n).toBe(0);
      expect((p.prepare('SELECT COUNT(*) AS n FROM runs WHERE length(attribution_sha256) = 64').get() as { n: number }).n).toBe(3);
    });
    // a rater opens the package as their database
    const rater = api(pkg);
    for (const id of recordIds(pkg)) expect((await shownMaps(rater, id)).run.mapsCheck.status).toBe('recomputed');

    // the package imported into another researcher's database
    const other = join(dir, 'other.sqlite');
    const target = openStore(other);
    try {
      expect(importStudyPackage(target, other, pkg).runsAdded).toBe(3);
      for (const id of recordIds(other)) {
        const run = getRun(target, id)!;
        expect((await runAttribution(target, run, engine)).check).toEqual({ kind: 'recomputed', sha256: run.attributionSha256 });
      }
    } finally {
      target.close();
    }

    // a package from a database imported before migration 10 keeps its stored maps
    const legacy = join(dir, 'legacy-for-package.sqlite');
    await makeLegacy(dbPath, legacy);
    const legacyPkg = join(dir, 'legacy.ecgaudit');
    const src = openStore(legacy);
    try {
      exportStudyPackage(src, legacy, { studyName: VIEWER_STUDY, out: legacyPkg });
    } finally {
      src.close();
    }
    withReadonly(legacyPkg, (p) => {
      verifyPackage(p, legacyPkg);
      expect((p.prepare('SELECT COUNT(*) AS n FROM attribution_maps').get() as { n: number }).n).toBe(3 * 5);
    });
    const legacyRater = api(legacyPkg);
    for (const id of recordIds(legacyPkg)) expect((await shownMaps(legacyRater, id)).run.mapsCheck.status).toBe('stored');
  });
});
