/**
 * One ONNX Runtime session over a verified model folder, opened on the first provider that works and
 * re-opened on cpu when a provider fails mid-run. Runs batches of windows and returns the IMN's raw outputs.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelError } from './errors.ts';
import type { ModelFolder } from './modelFolder.ts';
import { type ExecutionProvider, providerCandidates } from './providers.ts';

export interface SessionOptions {
  /** Providers to try in order (cpu is always added last); default from providerCandidates(). */
  providers?: readonly ExecutionProvider[];
  /** Threads one session uses inside an operator; 0 lets onnxruntime decide (all cores). */
  intraOpThreads?: number;
}

/** Raw IMN outputs for `batch` windows: logits [B,K], W [B,K,C,L], bias [B,K]. */
export interface ImnOutputs {
  batch: number;
  logits: Float32Array;
  W: Float32Array;
  bias: Float32Array;
}

const OUTPUTS = ['logits', 'W', 'bias'] as const;
type OutputName = (typeof OUTPUTS)[number];

/** Largest number of windows sent in one run; bounds the W output (B*K*C*L floats) a run allocates. */
export const MAX_RUN_BATCH = 64;

function describeDims(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

export class ImnSession {
  private constructor(
    private session: InferenceSession,
    private provider: ExecutionProvider,
    readonly model: ModelFolder,
    private readonly options: SessionOptions,
    /** Why providers before the one that runs were skipped (informational: normal on machines without a GPU). */
    readonly providerNotes: readonly string[],
  ) {}

  get executionProvider(): ExecutionProvider {
    return this.provider;
  }

  /** Mid-run fallbacks: the results after one came from cpu, not the provider the session opened on. */
  readonly runWarnings: string[] = [];

  static async open(model: ModelFolder, options: SessionOptions = {}): Promise<ImnSession> {
    const notes: string[] = [];
    for (const provider of providerCandidates(options.providers)) {
      try {
        const session = await createSession(model, provider, options);
        verifySignature(model, session);
        return new ImnSession(session, provider, model, options, notes);
      } catch (err) {
        if (err instanceof ModelError) throw err;
        if (provider === 'cpu') {
          throw new ModelError(model.onnxPath, 'corrupt-model', `onnxruntime cannot load the model: ${firstLine(err)}`);
        }
        notes.push(`execution provider ${provider} unavailable (${firstLine(err)}); tried the next one`);
      }
    }
    throw new ModelError(model.onnxPath, 'no-provider', 'no execution provider could open the model');
  }

  /** Runs `batch` windows laid out as [B, C, L]; a failing non-cpu provider is replaced by cpu and the run retried. */
  async run(windows: Float32Array, batch: number): Promise<ImnOutputs> {
    const out = await this.runChecked(windows, batch, OUTPUTS);
    return { batch, logits: out.logits!, W: out.W!, bias: out.bias! };
  }

  /**
   * The logits alone ([B, K]) of `batch` windows, for perturbed inputs whose maps nobody reads: the same graph
   * runs (the logits need W), but W is not copied out of onnxruntime. Same provider fallback as run().
   */
  async runLogits(windows: Float32Array, batch: number): Promise<Float32Array> {
    return (await this.runChecked(windows, batch, ['logits'])).logits!;
  }

  private async runChecked(
    windows: Float32Array,
    batch: number,
    fetches: readonly OutputName[],
  ): Promise<Partial<Record<OutputName, Float32Array>>> {
    const m = this.model.manifest;
    const C = m.leadOrder.length;
    const L = m.inputLength;
    if (windows.length !== batch * C * L) {
      throw new RangeError(`run: ${windows.length} values is not ${batch} windows of ${C} x ${L}`);
    }
    try {
      return await this.runOnce(windows, batch, fetches);
    } catch (err) {
      if (this.provider === 'cpu') {
        throw new ModelError(this.model.onnxPath, 'run-failed', `inference failed: ${firstLine(err)}`);
      }
      const failed = this.provider;
      const cpu = await createSession(this.model, 'cpu', this.options);
      await this.session.release().catch(() => undefined);
      this.session = cpu;
      this.provider = 'cpu';
      this.runWarnings.push(`execution provider ${failed} failed during a run (${firstLine(err)}); fell back to cpu`);
      return this.runOnce(windows, batch, fetches);
    }
  }

  private async runOnce(
    windows: Float32Array,
    batch: number,
    fetches: readonly OutputName[],
  ): Promise<Partial<Record<OutputName, Float32Array>>> {
    const m = this.model.manifest;
    const input = new Tensor('float32', windows, [batch, m.leadOrder.length, m.inputLength]);
    const out = await this.session.run({ [m.onnx.inputs[0].name]: input }, [...fetches]);
    const taken: Partial<Record<OutputName, Float32Array>> = {};
    for (const name of fetches) {
      const t = out[name];
      if (!t || t.type !== 'float32') throw new Error(`output ${name} missing or not float32`);
      taken[name] = t.data as Float32Array;
    }
    return taken;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

async function createSession(model: ModelFolder, provider: ExecutionProvider, options: SessionOptions): Promise<InferenceSession> {
  return InferenceSession.create(model.onnxBytes, {
    executionProviders: [provider],
    intraOpNumThreads: options.intraOpThreads ?? 0,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Idle intra-op threads would otherwise spin after each run and take cores from the preprocessing and
    // explanation work that follows it in JavaScript (measured: 2-4x slower single-record predict on 2 cores).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    // provider probing failures are reported in the result; keep onnxruntime's own log quiet
    logSeverityLevel: 4,
  });
}

/** The gist of an onnxruntime error: its first line without the C++ source location and assertion text. */
function firstLine(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  const gist = text.replace(/^\S+\.(cc|cpp|h):\d+ .*? was false\. /, '');
  return gist.length > 200 ? `${gist.slice(0, 200)}...` : gist;
}

/** The session's inputs/outputs must be exactly the manifest's, with compatible static dimensions. */
function verifySignature(model: ModelFolder, session: InferenceSession): void {
  const m = model.manifest;
  const problem = (detail: string): never => {
    throw new ModelError(model.onnxPath, 'signature-mismatch', `the ONNX model does not match ${model.manifestPath}: ${detail}`);
  };
  const wantIn = m.onnx.inputs.map((i) => i.name);
  if (session.inputNames.length !== 1 || session.inputNames[0] !== wantIn[0]) {
    problem(`inputs are [${session.inputNames.join(', ')}], the manifest says [${wantIn.join(', ')}]`);
  }
  const wantOut = m.onnx.outputs.map((o) => o.name).sort();
  const haveOut = [...session.outputNames].sort();
  if (wantOut.join('\n') !== haveOut.join('\n')) {
    problem(`outputs are [${haveOut.join(', ')}], the manifest says [${wantOut.join(', ')}]`);
  }
  const specs = [...m.onnx.inputs, ...m.onnx.outputs];
  for (const meta of [...session.inputMetadata, ...session.outputMetadata]) {
    const spec = specs.find((s) => s.name === meta.name);
    if (!spec || !meta.isTensor) continue;
    if (meta.type !== 'float32') problem(`${meta.name} is ${meta.type}, expected float32`);
    const dims = meta.shape;
    if (dims.length === 0) continue; // shape not recorded in the graph
    const compatible =
      dims.length === spec.shape.length &&
      dims.every((d, i) => typeof d !== 'number' || typeof spec.shape[i] !== 'number' || d === spec.shape[i]);
    if (!compatible) problem(`${meta.name} has shape ${describeDims(dims)}, the manifest says ${describeDims(spec.shape)}`);
  }
}
