import { z } from 'zod';
import { endpoint } from './contract.ts';

/**
 * Large arrays (signals, attribution maps) cross IPC/HTTP as base64 of little-endian float32, lead-major,
 * not as JSON number arrays: about 4x smaller and decoded in the renderer straight into a Float32Array.
 */
export const float32Payload = z.object({
  encoding: z.literal('f32le-base64'),
  /** Number of float32 values. */
  length: z.number().int().nonnegative(),
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
});
export type Float32Payload = z.infer<typeof float32Payload>;

/** Bytes a base64 string of n chars decodes to. */
function base64Bytes(data: string): number {
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - pad;
}

/** Checks a payload holds exactly `expected` float32 values (the sizes the rest of the reply states). */
function checkPayload(ctx: z.RefinementCtx, payload: Float32Payload, expected: number, path: (string | number)[]): void {
  if (payload.length !== expected || payload.data.length % 4 !== 0 || base64Bytes(payload.data) !== expected * 4) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `payload holds ${payload.length} values in ${payload.data.length} base64 chars, expected ${expected} float32`,
    });
  }
}

const studySummary = z.object({ id: z.number().int(), name: z.string(), records: z.number().int() });

const worklistItem = z.object({
  recordId: z.number().int(),
  pseudonym: z.string(),
  recordName: z.string(),
  durationS: z.number(),
  topClass: z.string().nullable(),
  topProbability: z.number().nullable(),
  /** Classes at or above 0.5, else the top class alone. */
  predicted: z.array(z.string()),
  labelsByMe: z.number().int(),
  reviewedByMe: z.boolean(),
  /** My verdicts disagree with the model, or (unblinded) raters' verdicts disagree with each other. */
  disagreement: z.boolean(),
  /** The reference diagnosis' superclasses; null without a reference or when the study hides it from raters. */
  reference: z.array(z.string()).nullable(),
});
export type WorklistItemDto = z.infer<typeof worklistItem>;

const recordDto = z
  .object({
    id: z.number().int(),
    studyId: z.number().int(),
    pseudonym: z.string(),
    recordName: z.string(),
    samplingRateHz: z.number().positive(),
    samplesPerLead: z.number().int().positive(),
    durationS: z.number(),
    leads: z.array(z.string()).min(1),
    /** leads x samplesPerLead, in mV. */
    signal: float32Payload,
    age: z.number().nullable(),
    sex: z.string().nullable(),
    warnings: z.array(z.string()),
  })
  .superRefine((r, ctx) => checkPayload(ctx, r.signal, r.leads.length * r.samplesPerLead, ['signal']));
export type RecordDto = z.infer<typeof recordDto>;

const regionDto = z.object({
  id: z.number().int(),
  classCode: z.string(),
  lead: z.string(),
  /** Samples at the run's map rate, end exclusive. */
  startSample: z.number().int(),
  endSample: z.number().int(),
  contribution: z.number(),
  rank: z.number().int(),
});
export type RegionDto = z.infer<typeof regionDto>;

const classDto = z.object({
  code: z.string(),
  name: z.string(),
  logit: z.number(),
  probability: z.number(),
  bias: z.number(),
  leadContributions: z.record(z.string(), z.number()),
});
export type ClassDto = z.infer<typeof classDto>;

/**
 * Whether the attribution maps shown are exactly those of the import. Maps are recomputed from the stored
 * signal and checked against the sha256 stored at import (docs/store.md, "Attribution maps").
 */
const mapsCheckDto = z.object({
  status: z.enum(['stored', 'recomputed', 'differs']),
  /** What to tell the user, in plain words; null when the maps are exactly what was first shown. */
  notice: z.string().nullable(),
  /** The technical account (digests, execution providers), for a tooltip. */
  detail: z.string(),
});
export type MapsCheckDto = z.infer<typeof mapsCheckDto>;

const runDto = z
  .object({
    id: z.number().int(),
    modelId: z.string(),
    classes: z.array(classDto).min(1),
    topClass: z.string(),
    completenessError: z.number(),
    provider: z.string(),
    mapRateHz: z.number().positive(),
    mapSamples: z.number().int().positive(),
    leads: z.array(z.string()).min(1),
    /** A = W*x per class (classes order), each leads x mapSamples: classes x leads x mapSamples values. */
    attribution: float32Payload,
    mapsCheck: mapsCheckDto,
    regions: z.array(regionDto),
    warnings: z.array(z.string()),
    createdAt: z.string(),
  })
  .superRefine((r, ctx) => checkPayload(ctx, r.attribution, r.classes.length * r.leads.length * r.mapSamples, ['attribution']));
export type RunDto = z.infer<typeof runDto>;

const weightsDto = z
  .object({
    runId: z.number().int(),
    classCode: z.string(),
    leads: z.array(z.string()).min(1),
    mapSamples: z.number().int().positive(),
    mapRateHz: z.number().positive(),
    /** The window the weights are from (index into the run's windows; by default the class's decisive window). */
    window: z.number().int().nonnegative(),
    /** Its first sample on the record's time axis at mapRateHz. */
    windowStart: z.number().int().nonnegative(),
    /** Raw W of that window at its span, 0 elsewhere, leads x mapSamples. */
    weights: float32Payload,
  })
  .superRefine((r, ctx) => checkPayload(ctx, r.weights, r.leads.length * r.mapSamples, ['weights']));

export const occlusionRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('region'), regionId: z.number().int() }),
  z.object({ kind: z.literal('lead'), lead: z.string().min(1) }),
  z.object({ kind: z.literal('top-regions'), n: z.number().int().min(1).max(50) }),
]);
export type OcclusionRequest = z.infer<typeof occlusionRequest>;

const outcome = z.object({ logit: z.number(), probability: z.number() });

export const LAYOUT_IDS = ['3x4', '6x2', '12x1'] as const;

export const viewerSettings = z.object({
  /** Screen pixels per millimetre, measured by the user with a ruler (96 dpi CSS pixels = 3.78). */
  pxPerMm: z.number().min(1).max(40),
  /** Paper drawn to fit the window, or at the calibrated true scale (pxPerMm). */
  paperSize: z.enum(['fit', 'true-scale']),
  layout: z.enum(LAYOUT_IDS),
  speedMmPerS: z.union([z.literal(25), z.literal(50)]),
  gainMmPerMv: z.union([z.literal(5), z.literal(10), z.literal(20)]),
  highPass: z.boolean(),
  notchHz: z.union([z.literal(50), z.literal(60)]).nullable(),
  scaleMode: z.enum(['per-record', 'fixed']),
  /** The fixed scale's end, in logit units per sample (A) or raw W units. */
  fixedScaleMax: z.number().positive(),
  randomOrder: z.boolean(),
});
export type ViewerSettings = z.infer<typeof viewerSettings>;

export const referenceDto = z.object({
  source: z.enum(['ptb-xl', 'cinc', 'ludb']),
  codes: z.array(
    z.object({
      system: z.string(),
      code: z.string(),
      text: z.string().optional(),
      likelihood: z.number().optional(),
      superclass: z.string().optional(),
      leftOut: z.string().optional(),
    }),
  ),
  superclasses: z.array(z.string()),
  /** Classes this source cannot decide (e.g. NORM for CinC and LUDB): neither present nor absent. */
  undetermined: z.array(z.string()),
});
export type ReferenceDto = z.infer<typeof referenceDto>;

/** What the worklist shows: defaults are "everything". Class and probability filters need visible predictions. */
export const worklistFilter = z.object({
  classCode: z.string().min(1).nullable().default(null),
  minProbability: z.number().min(0).max(1).default(0),
  maxProbability: z.number().min(0).max(1).default(1),
  unlabeledByMe: z.boolean().default(false),
  disagreementOnly: z.boolean().default(false),
  /** Part of the record's pseudonym, file name or clinical text (diagnosis), any case. */
  search: z.string().max(200).default(''),
  /** The model's predicted classes differ from the reference on a class the reference decides. */
  disagreesWithReference: z.boolean().default(false),
  /** The reference has this superclass. */
  referenceClass: z.string().min(1).nullable().default(null),
});
export type WorklistFilterDto = z.infer<typeof worklistFilter>;

const worklistQuery = {
  studyId: z.number().int(),
  raterId: z.string().min(1),
  filter: worklistFilter.default(worklistFilter.parse({})),
  /** The rater's own shuffled order (stable per rater and study), else import order. */
  shuffled: z.boolean().default(false),
};

export const recordsApi = {
  'records.studies': endpoint(z.object({}).strict(), z.array(studySummary)),
  /**
   * One page of the study's worklist for a rater, filtered and ordered by the database, with the study's
   * size and the rater's progress; `importing` while an import still adds records to the study.
   */
  'records.worklist': endpoint(
    z
      .object({ ...worklistQuery, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) })
      .strict(),
    z.object({
      total: z.number().int(),
      offset: z.number().int(),
      items: z.array(worklistItem),
      studyRecords: z.number().int(),
      reviewed: z.number().int(),
      /** The classes the study's model(s) score; empty when the study hides predictions. */
      classCodes: z.array(z.string()),
      /** The reference superclasses in the study; empty when the study hides references. */
      referenceClasses: z.array(z.string()),
      importing: z.boolean(),
    }),
  ),
  /** A record of the filtered worklist relative to `recordId` (first, this one, next, previous, next not reviewed). */
  'records.worklistStep': endpoint(
    z
      .object({
        ...worklistQuery,
        recordId: z.number().int().nullable(),
        move: z.enum(['first', 'this', 'next', 'previous', 'next-unreviewed']),
      })
      .strict(),
    z.object({ found: z.object({ recordId: z.number().int(), index: z.number().int() }).nullable() }),
  ),
  /** The record's reference diagnosis: null without one; hidden (and null) when the study keeps it from raters. */
  'records.reference': endpoint(
    z.object({ recordId: z.number().int() }).strict(),
    z.object({ reference: referenceDto.nullable(), hidden: z.boolean() }),
  ),
  'records.get': endpoint(z.object({ recordId: z.number().int() }).strict(), recordDto),
  /** The latest model run on the record, or null when it was imported without a model. */
  'records.run': endpoint(z.object({ recordId: z.number().int() }).strict(), z.object({ run: runDto.nullable() })),
  /** Raw W for one class: needs the model (the store keeps W*x), so it re-runs the record. */
  'records.weights': endpoint(
    z.object({ runId: z.number().int(), classCode: z.string().min(1), window: z.number().int().nonnegative().optional() }).strict(),
    weightsDto,
  ),
  /** Re-runs the model with the chosen part of the input replaced by the baseline (see docs/viewer.md). */
  'records.whatIf': endpoint(
    z.object({ runId: z.number().int(), classCode: z.string().min(1), occlude: occlusionRequest }).strict(),
    z.object({
      classCode: z.string(),
      baseline: z.string(),
      occluded: z.array(z.object({ lead: z.string(), startSample: z.number().int(), endSample: z.number().int() })),
      original: outcome,
      whatIf: outcome,
    }),
  ),
  'records.viewerSettings': endpoint(z.object({}).strict(), viewerSettings),
  'records.saveViewerSettings': endpoint(viewerSettings.partial().strict(), viewerSettings),
};
