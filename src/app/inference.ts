/**
 * The app's inference worker pools: one per model, opened on first use and kept for the app's lifetime, so the
 * viewer's re-runs and the faithfulness report never run ONNX on the thread that answers API calls (and the
 * workers' start-up is paid once). A pool is replaced when its model's files change on disk and closed when
 * the app switches databases or quits. Idle pool workers do not keep the process alive (see pool.ts).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFolder } from '../core/inference/modelFolder.ts';
import { InferencePool } from '../core/inference/pool.ts';
import type { AppContext } from './context.ts';

interface OpenPool {
  pool: Promise<InferencePool>;
  /** The model files' modification times when the pool was opened. */
  stamp: Promise<string>;
}

const pools = new WeakMap<AppContext, Map<string, OpenPool>>();

function stampOf(model: ModelFolder): string {
  return [model.manifestPath, model.onnxPath].map((p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 'missing').join();
}

/** The pool of model `modelId` (a folder under ctx.modelsDir), shared by imports, the viewer and reports. */
export async function appPool(ctx: AppContext, modelId: string): Promise<InferencePool> {
  let open = pools.get(ctx);
  if (!open) pools.set(ctx, (open = new Map()));
  const dir = join(ctx.modelsDir, modelId);
  const current = open.get(dir);
  if (current) {
    const pool = await current.pool;
    if ((await current.stamp) === stampOf(pool.model)) return pool;
    if (open.get(dir) === current) {
      open.delete(dir);
      void pool.close();
    }
    return appPool(ctx, modelId);
  }
  const pool = InferencePool.open(dir, { workerFile: ctx.inferenceWorkerFile });
  const entry: OpenPool = { pool, stamp: pool.then((p) => stampOf(p.model)) };
  entry.stamp.catch(() => {
    if (open.get(dir) === entry) open.delete(dir);
  });
  open.set(dir, entry);
  return pool;
}

/** Closes every pool of the context (after a database switch, or when the app quits). */
export async function closeAppPools(ctx: AppContext): Promise<void> {
  const open = pools.get(ctx);
  if (!open) return;
  const entries = [...open.values()];
  open.clear();
  await Promise.all(
    entries.map((e) =>
      e.pool.then(
        (p) => p.close(),
        () => undefined,
      ),
    ),
  );
}
