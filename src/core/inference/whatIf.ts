/**
 * What-if: re-run the model with parts of the input replaced by a baseline and see how each class moves.
 * Baseline: 0 in the z-scored model input, i.e. the lead's own mean over the window (a flat line at the
 * lead's average level). An occlusion given on the record's time axis is applied to every window it overlaps. Used by the viewer ("hide this region") and the faithfulness report
 * (deleting the top-N regions should lower the logit by about their summed contribution).
 */
import type { ModelInput } from '../signal/preprocess.ts';
import type { Prediction } from './explain.ts';
import { sigmoid } from './explain.ts';
import type { ImnOutputs } from './session.ts';

/** A span of one lead, in samples at the model's rate, end exclusive. */
export interface Occlusion {
  lead: string;
  startSample: number;
  endSample: number;
}

export interface WhatIfClass {
  code: string;
  logit: number;
  probability: number;
  deltaLogit: number;
  deltaProbability: number;
}

export interface WhatIfResult {
  occlusions: Occlusion[];
  classes: WhatIfClass[];
}

export const WHAT_IF_BASELINE = 0;

export function occludeLeads(prediction: Prediction, leads: readonly string[]): Occlusion[] {
  return leads.map((lead) => ({ lead, startSample: 0, endSample: prediction.samples }));
}

/** The class's N highest-ranked evidence regions. */
export function occludeTopRegions(prediction: Prediction, classCode: string, n: number): Occlusion[] {
  return prediction.regions
    .filter((r) => r.classCode === classCode && r.rank <= n)
    .map((r) => ({ lead: r.lead, startSample: r.startSample, endSample: r.endSample }));
}

/** The prediction's model input with the occlusions set to the baseline in every window they overlap. */
export function occludedInput(prediction: Prediction, occlusions: readonly Occlusion[]): ModelInput {
  const windows = Float32Array.from(prediction.windows);
  const C = prediction.leads.length;
  const L = prediction.inputLength;
  for (const o of occlusions) {
    const l = prediction.leads.indexOf(o.lead);
    if (l < 0) throw new RangeError(`what-if: lead ${o.lead} is not a model lead (${prediction.leads.join(', ')})`);
    const start = Math.max(0, Math.floor(o.startSample));
    const end = Math.min(prediction.samples, Math.ceil(o.endSample));
    if (!(end > start)) throw new RangeError(`what-if: empty span ${o.startSample}..${o.endSample} on ${o.lead}`);
    prediction.windowStarts.forEach((s, w) => {
      const from = Math.max(start, s) - s;
      const to = Math.min(end, s + L) - s;
      if (to > from) windows.fill(WHAT_IF_BASELINE, (w * C + l) * L + from, (w * C + l) * L + to);
    });
  }
  return {
    leads: prediction.leads,
    samplingRateHz: prediction.samplingRateHz,
    samples: prediction.samples,
    inputLength: L,
    windowStarts: prediction.windowStarts,
    windows,
  };
}

/** Aggregates the re-run like the original (max over windows) and reports the change per class. */
export function compareWhatIf(prediction: Prediction, occlusions: Occlusion[], out: ImnOutputs): WhatIfResult {
  const K = prediction.classes.length;
  const classes = prediction.classes.map((cls, c) => {
    let logit = -Infinity;
    for (let w = 0; w < out.batch; w++) logit = Math.max(logit, out.logits[w * K + c]!);
    const probability = sigmoid(logit);
    return { code: cls.code, logit, probability, deltaLogit: logit - cls.logit, deltaProbability: probability - cls.probability };
  });
  return { occlusions, classes };
}
