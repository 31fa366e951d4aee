/** The inference layer's public surface: model folders, the in-process engine, the worker pool and the views. */
export { InferenceEngine } from './engine.ts';
export { ModelError, type ModelProblem } from './errors.ts';
export { COMPLETENESS_TOLERANCE, type ClassPrediction, type Prediction } from './explain.ts';
export { type ModelManifest, modelManifestSchema } from './manifest.ts';
export {
  DEFAULT_MODEL_ID,
  defaultModelDir,
  type ListedModel,
  listModels,
  loadModelFolder,
  type ModelFolder,
  resolveModelDir,
} from './modelFolder.ts';
export { type BatchOutcome, defaultLayout, InferencePool, type PoolOptions } from './pool.ts';
export { availableProviders, EP_ENV, type ExecutionProvider } from './providers.ts';
export { DEFAULT_REGION_RULE, type EvidenceRegion, type RegionRule } from './regions.ts';
export type { SessionOptions } from './session.ts';
export { type Occlusion, occludeLeads, occludeTopRegions, type WhatIfResult } from './whatIf.ts';
