/**
 * What-if runs on the open record: the model re-run with part of its input flattened to the lead's mean level,
 * the class's probability and score (logit) before and after, newest first.
 */
import { ref, type Ref, watch } from 'vue';
import type { EcgAuditApi } from '../../../shared/api/index.ts';
import type { OcclusionRequest } from '../../../shared/api/records.ts';
import { describeError, type ShownError } from './errors.ts';
import type { RegionItem } from './labelTargets.ts';

export interface WhatIfResult {
  id: number;
  description: string;
  classCode: string;
  before: number;
  after: number;
  beforeLogit: number;
  afterLogit: number;
}

const KEPT = 6;

export function useWhatIf(api: EcgAuditApi, runId: Ref<number | null>, classCode: Ref<string | null>) {
  const results = ref<WhatIfResult[]>([]);
  const error = ref<ShownError | null>(null);
  const running = ref(false);
  let nextId = 0;

  watch(runId, () => {
    results.value = [];
    error.value = null;
  });

  async function run(occlude: OcclusionRequest, description: string): Promise<void> {
    const id = runId.value;
    const code = classCode.value;
    if (id === null || code === null) return;
    running.value = true;
    try {
      const reply = await api.call('records.whatIf', { runId: id, classCode: code, occlude });
      if (runId.value !== id) return;
      error.value = null;
      const result: WhatIfResult = {
        id: ++nextId,
        description,
        classCode: code,
        before: reply.original.probability,
        after: reply.whatIf.probability,
        beforeLogit: reply.original.logit,
        afterLogit: reply.whatIf.logit,
      };
      results.value = [result, ...results.value].slice(0, KEPT);
    } catch (err) {
      error.value = describeError(err, 'run the what-if');
    } finally {
      running.value = false;
    }
  }

  function withoutRegion(region: RegionItem | null): Promise<void> {
    if (!region || region.target.kind !== 'region') {
      error.value = { text: 'Select one of the model’s evidence regions first (J / K).', detail: '' };
      return Promise.resolve();
    }
    return run({ kind: 'region', regionId: region.target.regionId }, `without region ${region.rank} (${region.lead})`);
  }

  return { results, error, running, run, withoutRegion };
}
