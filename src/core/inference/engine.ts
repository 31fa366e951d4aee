/**
 * In-process inference over one ImnSession: record -> preprocessing -> batched ONNX runs -> explanation.
 * The worker pool (pool.ts) runs one engine per worker thread; the CLI and tests may use one directly.
 * Note: onnxruntime-node runs a session synchronously on the calling thread, so an engine in the Electron
 * main process blocks it for the duration of each run; the app uses the pool.
 */
import { type ModelInput, preprocessRecord, type RecordSignal } from '../signal/preprocess.ts';
import { explain, type Prediction } from './explain.ts';
import { preprocessSpec } from './manifest.ts';
import { loadModelFolder, type ModelFolder } from './modelFolder.ts';
import { compareWhatIf, type Occlusion, occludedInput, type WhatIfResult } from './whatIf.ts';
import type { ExecutionProvider } from './providers.ts';
import type { WindowRunner } from './runner.ts';
import { ImnSession, type ImnOutputs, MAX_RUN_BATCH, type SessionOptions } from './session.ts';

export class InferenceEngine implements WindowRunner {
  readonly parallelism = 1;

  private constructor(
    readonly model: ModelFolder,
    private readonly session: ImnSession,
  ) {}

  static async open(modelDir: string, options: SessionOptions = {}): Promise<InferenceEngine> {
    const model = loadModelFolder(modelDir);
    return new InferenceEngine(model, await ImnSession.open(model, options));
  }

  get executionProvider(): ExecutionProvider {
    return this.session.executionProvider;
  }

  preprocess(record: RecordSignal): ModelInput {
    return preprocessRecord(record, preprocessSpec(this.model.manifest));
  }

  async predict(record: RecordSignal): Promise<Prediction> {
    const [p] = await this.predictInputs([this.preprocess(record)]);
    return p!;
  }

  /**
   * Explains already preprocessed records, packing all their windows into as few runs as MAX_RUN_BATCH allows.
   */
  async predictInputs(inputs: readonly ModelInput[], { maps = true }: { maps?: boolean } = {}): Promise<Prediction[]> {
    const outputs = await this.runWindows(inputs);
    return inputs.map((input, i) =>
      explain(input, outputs[i]!, {
        maps,
        manifest: this.model.manifest,
        executionProvider: this.session.executionProvider,
        warnings: [...this.session.runWarnings],
        providerNotes: [...this.session.providerNotes],
      }),
    );
  }

  /** Raw outputs per input, each holding that input's windows in order. */
  async runWindows(inputs: readonly ModelInput[]): Promise<ImnOutputs[]> {
    const m = this.model.manifest;
    const K = m.classes.length;
    const per = m.leadOrder.length * m.inputLength;
    const only = inputs.length === 1 ? inputs[0]! : undefined;
    if (only && only.windowStarts.length <= MAX_RUN_BATCH) return [await this.session.run(only.windows, only.windowStarts.length)];
    const jobs = inputs.flatMap((input, i) => input.windowStarts.map((_, w) => ({ i, w })));
    if (jobs.length <= MAX_RUN_BATCH) {
      // one run: each input's outputs are views into it, not copies (the batch import's usual case)
      const batch = new Float32Array(jobs.length * per);
      let at = 0;
      for (const input of inputs) {
        batch.set(input.windows.subarray(0, input.windowStarts.length * per), at * per);
        at += input.windowStarts.length;
      }
      const out = await this.session.run(batch, jobs.length);
      let first = 0;
      return inputs.map((input) => {
        const n = input.windowStarts.length;
        const from = first;
        first += n;
        return {
          batch: n,
          logits: out.logits.subarray(from * K, (from + n) * K),
          W: out.W.subarray(from * K * per, (from + n) * K * per),
          bias: out.bias.subarray(from * K, (from + n) * K),
        };
      });
    }
    const logits = inputs.map((inp) => new Float32Array(inp.windowStarts.length * K));
    const bias = inputs.map((inp) => new Float32Array(inp.windowStarts.length * K));
    const W = inputs.map((inp) => new Float32Array(inp.windowStarts.length * K * per));
    for (let from = 0; from < jobs.length; from += MAX_RUN_BATCH) {
      const chunk = jobs.slice(from, from + MAX_RUN_BATCH);
      const batch = new Float32Array(chunk.length * per);
      chunk.forEach((j, b) => batch.set(inputs[j.i]!.windows.subarray(j.w * per, (j.w + 1) * per), b * per));
      const out = await this.session.run(batch, chunk.length);
      chunk.forEach((j, b) => {
        const w = j.w;
        logits[j.i]!.set(out.logits.subarray(b * K, (b + 1) * K), w * K);
        bias[j.i]!.set(out.bias.subarray(b * K, (b + 1) * K), w * K);
        W[j.i]!.set(out.W.subarray(b * K * per, (b + 1) * K * per), w * K * per);
      });
    }
    return inputs.map((inp, i) => ({ batch: inp.windowStarts.length, logits: logits[i]!, W: W[i]!, bias: bias[i]! }));
  }

  runLogits(windows: Float32Array, batch: number): Promise<Float32Array> {
    return this.session.runLogits(windows, batch);
  }

  /** Re-runs the record with `occlusions` set to the baseline (see whatIf.ts). */
  async whatIf(prediction: Prediction, occlusions: Occlusion[]): Promise<WhatIfResult> {
    const [out] = await this.runWindows([occludedInput(prediction, occlusions)]);
    return compareWhatIf(prediction, occlusions, out!);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
