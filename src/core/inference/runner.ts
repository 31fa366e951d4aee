/**
 * What the faithfulness report and the viewer's re-runs need from a model: its folder, its preprocessing and
 * raw batched runs over already preprocessed (or perturbed) windows. InferenceEngine runs them on the calling
 * thread; InferencePool in its worker threads, so the Electron main process stays responsive.
 */
import type { ModelInput, RecordSignal } from '../signal/preprocess.ts';
import type { ModelFolder } from './modelFolder.ts';
import type { ImnOutputs } from './session.ts';

export interface WindowRunner {
  readonly model: ModelFolder;
  preprocess(record: RecordSignal): ModelInput;
  /** Raw outputs per input, each holding that input's windows in order. */
  runWindows(inputs: readonly ModelInput[]): Promise<ImnOutputs[]>;
  /** The logits ([B, K]) of `batch` windows laid out [B, C, L], in one ONNX run (see perturbation.ts). */
  runLogits(windows: Float32Array, batch: number): Promise<Float32Array>;
  /** How many runWindows calls can run at the same time (1 on the calling thread). */
  readonly parallelism: number;
}
