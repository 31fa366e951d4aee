/**
 * Turns the IMN's raw outputs for one record's windows into the result the app keeps: per-class logit,
 * probability, bias and per-lead contributions, the exactness check, the attribution map on the record's
 * time axis and the evidence regions. Everything here is computed once, at prediction time.
 *
 * Aggregation (manifest windowing.aggregate = "max"): a class's probability is the largest over the windows;
 * its logit, bias and lead contributions are those of the window that attains it (its "decisive window"),
 * so that sum(leadContributions) + bias = logit holds for the reported numbers.
 * Attribution on the record's time axis (model rate): attribution[c] is the decisive window's exact W*x placed
 * at that window's span, 0 elsewhere, and the class's evidence regions are found in that span only. So the map
 * and the regions explain the very logit and probability shown: the map sums to logit - bias, and a region's
 * contribution is its share of that logit. (An average over overlapping windows would explain no logit the
 * model produced.) Any other window's W*x is available with windowAttribution.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
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
  /**
   * Per class (manifest order), leads x samples: the decisive window's W*x at its span, 0 elsewhere. Empty when
   * the caller asked for no maps (ExplainContext.maps false: the import keeps only their digest).
   */
  attribution: Float32Array[];
  /** attributionSha256(attribution): what the store keeps instead of the maps, to check a recomputation. */
  attributionSha256: string;
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
  /** false: leave Prediction.attribution empty (regions and the digest are computed all the same). */
  maps?: boolean;
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

  const rule = ctx.regionRule ?? DEFAULT_REGION_RULE;
  const products = classes.map((cls, c) => windowProduct(input, out, K, c, cls.window));
  const starts = classes.map((cls) => input.windowStarts[cls.window]!);
  const attribution = ctx.maps === false ? [] : products.map((a, c) => onRecordAxis(a, starts[c]!, C, N, L));
  const regions = classes.flatMap((cls, c) => {
    // the rule (its percentile threshold included) sees the decisive window only, not the zeros around it
    const start = starts[c]!;
    return evidenceRegions(cls.code, products[c]!, input.leads, L, input.samplingRateHz, rule).map((r) => ({
      ...r,
      startSample: r.startSample + start,
      endSample: r.endSample + start,
      startS: (r.startSample + start) / input.samplingRateHz,
      endS: (r.endSample + start) / input.samplingRateHz,
    }));
  });

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
    attributionSha256: windowedAttributionSha256(products, starts, C, N, L),
    regions,
    warnings,
    providerNotes: [...(ctx.providerNotes ?? [])],
  };
}

/** Window w's exact W*x for class c, leads x inputLength (lead-major). */
function windowProduct(input: ModelInput, out: ImnOutputs, classes: number, c: number, w: number): Float32Array {
  const C = input.leads.length;
  const L = input.inputLength;
  if (w < 0 || w >= input.windowStarts.length) throw new RangeError(`window ${w} does not exist (${input.windowStarts.length} windows)`);
  const a = new Float32Array(C * L);
  const wBase = (w * classes + c) * C * L;
  const xBase = w * C * L;
  for (let i = 0; i < C * L; i++) a[i] = out.W[wBase + i]! * input.windows[xBase + i]!;
  return a;
}

/** A window's leads x L values placed at `start` on the record's time axis (leads x N), 0 elsewhere. */
function onRecordAxis(product: Float32Array, start: number, C: number, N: number, L: number): Float32Array {
  const a = new Float32Array(C * N);
  for (let l = 0; l < C; l++) a.set(product.subarray(l * L, (l + 1) * L), l * N + start);
  return a;
}

/**
 * Window w's exact W*x for class c on the record's time axis (leads x samples): the window's span holds its
 * W*x, everything else is 0. explain() keeps the decisive window's; any other window can be asked for here.
 */
export function windowAttribution(input: ModelInput, out: ImnOutputs, classes: number, c: number, w: number): Float32Array {
  const product = windowProduct(input, out, classes, c, w);
  return onRecordAxis(product, input.windowStarts[w]!, input.leads.length, input.samples, input.inputLength);
}

const littleEndian = endianness() === 'LE';

function leBytes(a: Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return littleEndian ? bytes : Buffer.from(bytes).swap32();
}

function digestHeader(classes: number) {
  return createHash('sha256').update(`attribution-f32le/${classes}\n`);
}

/**
 * sha256 (hex) of the attribution maps exactly as computed: the class count, then each class's leads x samples
 * float32 values (record time axis) in little-endian byte order. The model is deterministic on one execution
 * provider (bit for bit across batch layouts and thread counts, checked in tests/inference/pool.test.ts), so
 * maps recomputed from the stored signal have the digest of the ones first shown, and another digest means
 * the numbers differ.
 */
export function attributionSha256(attribution: readonly Float32Array[]): string {
  const h = digestHeader(attribution.length);
  for (const a of attribution) h.update(leBytes(a));
  return h.digest('hex');
}

/** attributionSha256 of the maps onRecordAxis would build from `products`, without building them. */
function windowedAttributionSha256(products: readonly Float32Array[], starts: readonly number[], C: number, N: number, L: number): string {
  const h = digestHeader(products.length);
  const zeros = new Uint8Array(4 * Math.max(0, N - L));
  products.forEach((a, c) => {
    const start = starts[c]!;
    for (let l = 0; l < C; l++) {
      h.update(zeros.subarray(0, 4 * start));
      h.update(leBytes(a.subarray(l * L, (l + 1) * L)));
      h.update(zeros.subarray(0, 4 * (N - start - L)));
    }
  });
  return h.digest('hex');
}
