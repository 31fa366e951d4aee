import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/index.ts';
import { appPool, closeAppPools } from '../../src/app/inference.ts';
import { switchAppStore } from '../../src/app/records.ts';
import { ModelError } from '../../src/core/inference/errors.ts';
import type { RecordSignal } from '../../src/core/signal/preprocess.ts';
import { writeLinearModel } from '../helpers/linearModel.ts';
import { repoPath } from '../helpers/sharedData.ts';

const modelDir = writeLinearModel();
const modelId = basename(modelDir);
const dir = mkdtempSync(join(tmpdir(), 'ecg-app-pools-'));
const ctx = createAppContext({ mode: 'browser', dbPath: join(dir, 'a.sqlite'), modelsDir: dirname(modelDir) }, repoPath());

afterAll(async () => {
  await closeAppPools(ctx);
  rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(modelDir), { recursive: true, force: true });
});

describe("the app's inference pools", () => {
  it('are opened once per model, replaced when its files change, closed on a database switch', async () => {
    const first = await appPool(ctx, modelId);
    expect(await appPool(ctx, modelId)).toBe(first);
    const [out] = await first.runWindows([first.preprocess(syntheticRecord())], { priority: true });
    expect(out!.logits).toHaveLength(3);

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(modelDir, 'model.json'), later, later);
    const second = await appPool(ctx, modelId);
    expect(second).not.toBe(first);
    await expect(first.runWindows([first.preprocess(syntheticRecord())])).rejects.toThrow(/closed/);

    switchAppStore(ctx, join(dir, 'b.sqlite'));
    await expect(second.runWindows([second.preprocess(syntheticRecord())])).rejects.toThrow(/closed/);
    expect(await appPool(ctx, modelId)).not.toBe(second);
  });

  it('reject a model that is not there with its typed error', async () => {
    await expect(appPool(ctx, 'no-such-model')).rejects.toBeInstanceOf(ModelError);
  });
});

/** 10 s of 12 leads at 100 Hz. */
function syntheticRecord(): RecordSignal {
  const names = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
  return {
    sourcePath: 'synthetic',
    samplingRateHz: 100,
    leads: names.map(
      (name, l) =>
        ({ name, mv: Float32Array.from({ length: 1000 }, (_, t) => Math.sin((t * (l + 1)) / 50)) }) as RecordSignal['leads'][number],
    ),
  };
}
