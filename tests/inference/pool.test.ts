import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { ModelError } from '../../src/core/inference/errors.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { attributionSha256 } from '../../src/core/inference/explain.ts';
import { BATCH_NICE, InferencePool } from '../../src/core/inference/pool.ts';
import { PreprocessError } from '../../src/core/signal/preprocess.ts';
import { caseRecord, fixtureIndex, tinyModelDir } from '../signal/preprocessingFixtures.ts';

const cases = fixtureIndex().cases;
const good = cases.filter((c) => !c.error).map(caseRecord);
const tooShort = caseRecord(cases.find((c) => c.error)!);
let pool: InferencePool;

beforeAll(async () => {
  pool = await InferencePool.open(tinyModelDir, { providers: ['cpu'], batchWorkers: 1, threadsPerWorker: 1, chunkRecords: 4 });
});
afterAll(async () => pool.close());

describe('inference worker pool', () => {
  it('runs in worker threads with the same results as the in-process engine', async () => {
    const engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
    const direct = await engine.predict(good[1]!);
    await engine.close();
    const pooled = await pool.predict(good[1]!, { priority: true });
    expect(pool.executionProviders).toEqual(['cpu', 'cpu']);
    expect(pooled.classes).toEqual(direct.classes);
    expect(pooled.regions).toEqual(direct.regions);
    expect(pooled.attribution[0]).toEqual(direct.attribution[0]);
  });

  it('gives every record the same attribution digest batched with others as alone, on 1 or 2 intra-op threads', async () => {
    // the store keeps only this digest and recomputes the maps one record at a time (store/attribution.ts)
    const batched = await pool.predictBatch(good);
    const engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'], intraOpThreads: 2 });
    try {
      for (const [i, record] of good.entries()) {
        const alone = await engine.predict(record);
        const outcome = batched[i]!;
        if (!outcome.ok) throw outcome.error;
        expect(outcome.prediction.attributionSha256).toBe(alone.attributionSha256);
        expect(outcome.prediction.attributionSha256).toBe(attributionSha256(alone.attribution));
      }
    } finally {
      await engine.close();
    }
    expect(new Set(batched.map((o) => (o.ok ? o.prediction.attributionSha256 : ''))).size).toBe(good.length);
  });

  it('a priority request is not starved by a batch import running at the same time', async () => {
    const batchRecords = Array.from({ length: 60 }, (_, i) => good[i % good.length]!);
    let batchDone = false;
    const batch = pool.predictBatch(batchRecords).then((r) => {
      batchDone = true;
      return r;
    });
    // let the batch lane start before the viewer asks
    await new Promise((r) => setTimeout(r, 20));
    const priority = await pool.predict(good[0]!, { priority: true });
    expect(batchDone).toBe(false);
    expect(priority.completenessMaxAbsError).toBeLessThan(1e-3);
    const outcomes = await batch;
    expect(outcomes).toHaveLength(60);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('runs the batch workers below the priority of the main thread', () => {
    // a thread's niceness is field 19 of /proc/self/task/<tid>/stat (after the command name in brackets)
    const niceness = readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
    expect(BATCH_NICE).toBeGreaterThan(0);
    // the batch worker's thread (and the threads it started after lowering its priority)
    expect(niceness.filter((n) => n === BATCH_NICE).length).toBeGreaterThan(0);
    expect(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[16]).toBe('0');
  });

  it('returns per-record typed errors in place without failing the batch', async () => {
    const outcomes = await pool.predictBatch([good[0]!, tooShort, good[2]!]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const failed = outcomes[1]!;
    if (failed.ok) throw new Error('unreachable');
    expect(failed.error).toBeInstanceOf(PreprocessError);
    expect((failed.error as PreprocessError).problem).toBe('too-short');
    await expect(pool.predict(tooShort)).rejects.toBeInstanceOf(PreprocessError);
  });

  it('answers what-if in the priority lane', async () => {
    const p = await pool.predict(good[0]!, { priority: true });
    const r = await pool.whatIf(p, [{ lead: 'I', startSample: 0, endSample: p.samples }]);
    expect(r.classes).toHaveLength(p.classes.length);
    expect(r.classes.some((k) => k.deltaLogit !== 0)).toBe(true);
  });

  it('rejects queued and new work once closed', async () => {
    const own = await InferencePool.open(tinyModelDir, { providers: ['cpu'], batchWorkers: 1, threadsPerWorker: 1 });
    const pending = expect(own.predictBatch(Array.from({ length: 20 }, () => good[0]!))).rejects.toThrow(/closed/);
    await own.close();
    await pending;
    await expect(own.predict(good[0]!)).rejects.toThrow(/closed/);
  });

  it('fails to open with the model error when the model is bad', async () => {
    await expect(InferencePool.open('/nonexistent/model', { providers: ['cpu'] })).rejects.toBeInstanceOf(ModelError);
  });
});
