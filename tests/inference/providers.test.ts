import { afterEach, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../src/core/inference/engine.ts';
import { availableProviders, EP_ENV, parseProviderList, providerCandidates } from '../../src/core/inference/providers.ts';
import { caseRecord, fixtureIndex, tinyModelDir } from '../signal/preprocessingFixtures.ts';

const saved = process.env[EP_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[EP_ENV];
  else process.env[EP_ENV] = saved;
});

describe('execution providers', () => {
  it('offers what the platform build has, cpu last', () => {
    const list = availableProviders();
    expect(list[list.length - 1]).toBe('cpu');
    // this machine has no CUDA build of onnxruntime-node installed
    expect(list).not.toContain('cuda');
  });

  it('honours ECG_AUDIT_EP and always keeps cpu as the last resort', () => {
    process.env[EP_ENV] = 'cpu';
    expect(providerCandidates()).toEqual(['cpu']);
    process.env[EP_ENV] = 'cuda';
    expect(providerCandidates()).toEqual(['cuda', 'cpu']);
    expect(() => parseProviderList('gpu')).toThrowError(/ECG_AUDIT_EP=gpu: unknown execution provider/);
  });

  it('falls back to cpu when a provider cannot open a session, and says so', async () => {
    process.env[EP_ENV] = 'cuda,webgpu';
    const engine = await InferenceEngine.open(tinyModelDir);
    try {
      expect(engine.executionProvider).toBe('cpu');
      const p = await engine.predict(caseRecord(fixtureIndex().cases[0]!));
      expect(p.executionProvider).toBe('cpu');
      expect(p.providerNotes).toHaveLength(2);
      expect(p.providerNotes[0]).toMatch(/^execution provider cuda unavailable \(.+\); tried the next one$/);
      expect(p.providerNotes[1]).toMatch(/^execution provider webgpu unavailable/);
      expect(p.warnings).toEqual([]);
      expect(p.completenessMaxAbsError).toBeLessThan(1e-3);
    } finally {
      await engine.close();
    }
  });

  it('reports no warning when cpu was asked for', async () => {
    const engine = await InferenceEngine.open(tinyModelDir, { providers: ['cpu'] });
    const p = await engine.predict(caseRecord(fixtureIndex().cases[0]!));
    await engine.close();
    expect(p.warnings).toEqual([]);
    expect(p.providerNotes).toEqual([]);
  });
});
