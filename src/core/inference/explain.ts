/**
 * Turns the IMN's raw outputs for one record's windows into the result the app keeps: per-class logit,
 * probability, bias and per-lead contributions, the exactness check, the attribution map on the record's
 * time axis and the evidence regions. Everything here is computed once, at prediction time.
 *
 * Aggregation (manifest windowing.aggregate = "max"): a class's probability is the largest over the windows;
 * its logit, bias and lead contributions are those of the window that attains it (its "decisive window"),
 * so that sum(leadContributions) + bias = logit holds for the reported numbers.
 * Stitching onto the record's time axis (model rate): attribution[c][l][t] = the mean, over the windows w
 * covering t, of W_w[c][l][t - s_w] * x_w[l][t - s_w] (x_w = window w's z-scored input): the average of the
 * overlapping windows' W*x. For a record of exactly one window this is that window's W*x.
 */
import type { ModelInput } from '../signal/preprocess.ts';
import type { ModelManifest } from './manifest.ts';
import type { ExecutionProvider } from './providers.ts';
import { DEFAULT_REGION_RULE, type EvidenceRegion, evidenceRegions, type RegionRule } from './regions.ts';
import type { ImnOutputs } from './session.ts';

/** Above this, the model output violates logit = sum(W*x) + b beyond float32 round-off. */
export const COMPLETENESS_TOLERANCE = 1e-3;

export interface ClassPrediction {
  code: string;
  name: string;
  logit: number;
  probability: number;
  bias: number;
  /** Index into windowStarts of the decisive window. */
  window: number;
  /** Sum over the decisive window of W*x per lead: each lead's share of the logit. */
  leadContributions: Record<string, number>;
}

export interface Prediction {
  modelId: string;
  executionProvider: ExecutionProvider;
  leads: readonly string[];
  samplingRateHz: number;
  /** Samples per lead at the model's rate. */
  samples: number;
  inputLength: number;
  windowStarts: number[];
  classes: ClassPrediction[];
  /** max over windows and classes of |sum(W*x) + b - logit|, summed in float64. */
  completenessMaxAbsError: number;
  /** The model input, windows x leads x inputLength (z-scored per window): the x of W*x. */
  windows: Float32Array;
  /** Per class (manifest order), leads x samples of stitched W*x. */
  attribution: Float32Array[];
  /** Every class's evidence regions, each class ranked on its own. */
  regions: EvidenceRegion[];
  /** Problems with this result: a provider that failed mid-run, a failed completeness check. */
  warnings: string[];
  /** Providers tried and skipped before the one that ran (normal on machines without a GPU). */
  providerNotes: string[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export interface ExplainContext {
  manifest: ModelManifest;
  executionProvider: ExecutionProvider;
  warnings?: string[];
  providerNotes?: string[];
  regionRule?: RegionRule;
}

/**
 * `out` holds this record's windows only (out.batch === input.windowStarts.length), in window order.
 */
export function explain(input: ModelInput, out: ImnOutputs, ctx: ExplainContext): Prediction {
  const m = ctx.manifest;
  const K = m.classes.length;
  const C = input.leads.length;
  const L = m.inputLength;
  const N = input.samples;
  const nWin = input.windowStarts.length;
  if (out.batch !== nWin) throw new RangeError(`explain: ${out.batch} outputs for ${nWin} windows`);
  const x = input.windows;

  // per window and class: completeness error and per-lead sums of W*x
  const leadSums = new Float64Array(nWin * K * C);
  let completeness = 0;
  for (let w = 0; w < nWin; w++) {
    for (let c = 0; c < K; c++) {
      let total = 0;
      const wBase = (w * K + c) * C * L;
      for (let l = 0; l < C; l++) {
        let s = 0;
        const xBase = (w * C + l) * L;
        const wl = wBase + l * L;
        for (let t = 0; t < L; t++) s += out.W[wl + t]! * x[xBase + t]!;
        leadSums[(w * K + c) * C + l] = s;
        total += s;
      }
      const err = Math.abs(total + out.bias[w * K + c]! - out.logits[w * K + c]!);
      if (!(err <= completeness)) completeness = err; // NaN propagates as a failure
    }
  }

  const classes: ClassPrediction[] = m.classes.map((cls, c) => {
    let best = 0;
    for (let w = 1; w < nWin; w++) if (out.logits[w * K + c]! > out.logits[best * K + c]!) best = w;
    const logit = out.logits[best * K + c]!;
    const leadContributions: Record<string, number> = {};
    input.leads.forEach((lead, l) => (leadContributions[lead] = leadSums[(best * K + c) * C + l]!));
    // sigmoid is monotone, so the window with the largest logit has the largest probability
    return {
      code: cls.code,
      name: cls.name,
      logit,
      probability: sigmoid(logit),
      bias: out.bias[best * K + c]!,
      window: best,
      leadContributions,
    };
  });

  const coverage = new Float32Array(N);
  for (const start of input.windowStarts) for (let t = start; t < start + L; t++) coverage[t]! += 1;
  const attribution = m.classes.map((_, c) => {
    const a = new Float32Array(C * N);
    input.windowStarts.forEach((start, w) => {
      const wBase = (w * K + c) * C * L;
      for (let l = 0; l < C; l++) {
        const row = l * N + start;
        const xBase = (w * C + l) * L;
        for (let t = 0; t < L; t++) a[row + t]! += (out.W[wBase + l * L + t]! * x[xBase + t]!) / coverage[start + t]!;
      }
    });
    return a;
  });

  const regions = attribution.flatMap((a, c) =>
    evidenceRegions(m.classes[c]!.code, a, input.leads, N, input.samplingRateHz, ctx.regionRule ?? DEFAULT_REGION_RULE),
  );

  const warnings = [...(ctx.warnings ?? [])];
  if (!(completeness <= COMPLETENESS_TOLERANCE)) {
    warnings.push(
      `completeness check failed: |sum(W*x) + b - logit| reaches ${completeness.toExponential(2)} (tolerance ${COMPLETENESS_TOLERANCE}); the attribution is not exact for this record`,
    );
  }
  return {
    modelId: m.id,
    executionProvider: ctx.executionProvider,
    leads: input.leads,
    samplingRateHz: input.samplingRateHz,
    samples: N,
    inputLength: L,
    windowStarts: input.windowStarts,
    classes,
    completenessMaxAbsError: completeness,
    windows: x,
    attribution,
    regions,
    warnings,
    providerNotes: [...(ctx.providerNotes ?? [])],
  };
}
