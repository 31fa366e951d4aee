/**
 * model.json: the manifest that travels with every ECG-IMN ONNX export (written by training/export).
 * It is the single source of truth for preprocessing, the class list and the ONNX signature.
 */
import { z } from 'zod';
import type { PreprocessSpec } from '../signal/preprocess.ts';

const dim = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const tensorSpec = z.object({ name: z.string().min(1), shape: z.array(dim).min(1) });

export const modelManifestSchema = z.object({
  schemaVersion: z.number().int().positive(),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'id must be a folder-safe name'),
  name: z.string().min(1),
  architecture: z.literal('ecg-imn'),
  classes: z.array(z.object({ code: z.string().min(1), name: z.string().min(1) })).min(1),
  outputActivation: z.literal('sigmoid'),
  samplingRateHz: z.number().positive(),
  inputLength: z.number().int().positive(),
  leadOrder: z.array(z.string().min(1)).min(1),
  preprocessing: z.object({
    resample: z.object({
      method: z.literal('resample_poly'),
      window: z.literal('kaiser'),
      beta: z.number().nonnegative(),
      padtype: z.literal('constant'),
    }),
    filters: z.array(z.unknown()).length(0, 'filters are not supported by this version'),
    // the app refuses records with missing samples; a model trained on zero-filled gaps would be mis-fed
    missingSamples: z.literal('refuse').optional(),
    zscore: z.object({
      std: z.literal('population'),
      epsilon: z.number().nonnegative(),
      formula: z.string().optional(),
      // the app implements this scope only; a model trained otherwise must be refused, not mis-fed
      scope: z.literal('per lead, per window').optional(),
    }),
    windowing: z.object({
      overlap: z.number().min(0).lt(1),
      aggregate: z.literal('max'),
      shorterThanInput: z.literal('error'),
    }),
  }),
  onnx: z.object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 must be 64 hex digits'),
    opset: z.number().int().positive(),
    inputs: z.tuple([tensorSpec]),
    outputs: z.array(tensorSpec).min(3),
    completeness: z.string().optional(),
  }),
  training: z.record(z.string(), z.unknown()).nullish(),
  metrics: z.record(z.string(), z.unknown()).nullish(),
  license: z.unknown().optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** The output names the engine needs, in the roles the IMN defines. */
export const OUTPUT_ROLES = ['logits', 'W', 'bias'] as const;

export function preprocessSpec(m: ModelManifest): PreprocessSpec {
  return {
    samplingRateHz: m.samplingRateHz,
    inputLength: m.inputLength,
    leadOrder: m.leadOrder,
    kaiserBeta: m.preprocessing.resample.beta,
    zscoreEpsilon: m.preprocessing.zscore.epsilon,
    windowOverlap: m.preprocessing.windowing.overlap,
  };
}
