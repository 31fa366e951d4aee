/**
 * The one way to read a run's attribution maps. Maps are a cache: since migration 10 a run stores the sha256 of
 * the maps computed at import instead of the maps, and they are recomputed here from the stored signal (which
 * the store keeps bit for bit) on the run's decisive windows. The digest then says whether the recomputation is
 * exactly what was first shown; when it is not (another execution provider, another build of onnxruntime) the
 * recomputed maps are still returned, with the difference stated, so the caller can tell the user.
 * Runs stored before migration 10 keep their stored maps, which are returned as they are.
 */
import { attributionSha256, windowAttribution } from '../inference/explain.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { ModelInput } from '../signal/preprocess.ts';
import type { Db } from './db.ts';
import { StoreError } from './errors.ts';
import { getRecord } from './records.ts';
import { type StoredRun, storedMaps } from './runs.ts';

/** Preprocessing and raw runs of the run's model; bind the pool's priority lane for interactive callers. */
export type MapRunner = Pick<WindowRunner, 'preprocess' | 'runWindows'>;

export type MapsCheck =
  /** Stored with the run (imported before migration 10): exactly what was first shown, at float16 precision. */
  | { kind: 'stored' }
  /** Recomputed; its sha256 equals the one stored at import. */
  | { kind: 'recomputed'; sha256: string }
  /** Recomputed, and not bit-identical to what was first shown. */
  | {
      kind: 'differs';
      importedSha256: string;
      recomputedSha256: string;
      /** Largest |logit now - logit stored| over the classes, on their decisive windows: how far apart the runs are. */
      maxLogitChange: number;
    };

export interface RunAttribution {
  /** Per class (manifest order), leads x samples at the run's map rate: the decisive window's W*x at its span. */
  attribution: Float32Array[];
  check: MapsCheck;
  /** The model input, preprocessed from the stored signal (what-if and raw weights start from it). */
  input: ModelInput;
}

/** The maps of `run` (a StoredRun from getRun), stored or recomputed and checked against the import's digest. */
export async function runAttribution(db: Db, run: StoredRun, runner: MapRunner): Promise<RunAttribution> {
  const input = runner.preprocess(getRecord(db, run.recordId));
  if (input.samples !== run.windows.samples || input.leads.join() !== run.leads.join()) {
    throw new StoreError(
      'conflict',
      `run ${run.id}: the model ${run.modelId} now preprocesses this record differently from when it was run`,
    );
  }
  const stored = storedMaps(db, run.id);
  if (stored) return { attribution: stored, check: { kind: 'stored' }, input };
  if (run.attributionSha256 === null) {
    throw new StoreError('corrupt', `run ${run.id}: neither attribution maps nor their sha256 are stored`);
  }
  const [out] = await runner.runWindows([input]);
  const K = run.classes.length;
  const attribution = run.classes.map((c, k) => windowAttribution(input, out!, K, k, c.window));
  const sha256 = attributionSha256(attribution);
  if (sha256 === run.attributionSha256) return { attribution, check: { kind: 'recomputed', sha256 }, input };
  let maxLogitChange = 0;
  run.classes.forEach((c, k) => (maxLogitChange = Math.max(maxLogitChange, Math.abs(out!.logits[c.window * K + k]! - c.logit))));
  return {
    attribution,
    check: { kind: 'differs', importedSha256: run.attributionSha256, recomputedSha256: sha256, maxLogitChange },
    input,
  };
}
