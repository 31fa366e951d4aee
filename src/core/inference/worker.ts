/**
 * The inference worker thread: one InferenceEngine (one ONNX session) per worker, driven by pool.ts.
 * Loaded through workerBootstrap.mjs so the TypeScript sources run under tsx (see that file).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ModelInput } from '../signal/preprocess.ts';
import { InferenceEngine } from './engine.ts';
import {
  outputBuffers,
  ownedOutputs,
  predictionBuffers,
  type RecordOutcome,
  toWire,
  type WorkerReply,
  type WorkerRequest,
} from './wire.ts';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
let engine: InferenceEngine | undefined;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function handle(req: WorkerRequest): Promise<void> {
  if (req.type === 'open') {
    try {
      // before the session opens, so onnxruntime's own threads (more than one intra-op thread) inherit it
      if (req.nice !== 0) setPriority(0, req.nice);
      engine = await InferenceEngine.open(req.modelDir, req.options);
      reply({ type: 'ready', executionProvider: engine.executionProvider });
    } catch (err) {
      reply({ type: 'openFailed', error: toWire(err) });
    }
    return;
  }
  if (req.type === 'close') {
    await engine?.close();
    port.close();
    return;
  }
  if (!engine) throw new Error('worker received work before open');
  const eng = engine;
  try {
    if (req.type === 'predict') {
      const outcomes: RecordOutcome[] = new Array(req.records.length);
      const inputs: { i: number; input: ModelInput }[] = [];
      req.records.forEach((record, i) => {
        try {
          inputs.push({ i, input: eng.preprocess(record) });
        } catch (err) {
          outcomes[i] = { ok: false, error: toWire(err) };
        }
      });
      const predictions = await eng.predictInputs(
        inputs.map((x) => x.input),
        { maps: req.maps },
      );
      inputs.forEach(({ i }, k) => (outcomes[i] = { ok: true, prediction: predictions[k]! }));
      reply({ type: 'predicted', id: req.id, outcomes }, predictions.flatMap(predictionBuffers));
    } else if (req.type === 'logits') {
      const logits = await eng.runLogits(req.windows, req.batch);
      reply({ type: 'logitsDone', id: req.id, logits }, [logits.buffer as ArrayBuffer]);
    } else if (req.type === 'run') {
      const outputs = (await eng.runWindows(req.inputs)).map(ownedOutputs);
      reply({ type: 'ran', id: req.id, outputs }, outputs.flatMap(outputBuffers));
    } else {
      reply({ type: 'whatIfDone', id: req.id, result: await eng.whatIf(req.prediction, req.occlusions) });
    }
  } catch (err) {
    reply({ type: 'failed', id: req.id, error: toWire(err) });
  }
}

// One request at a time, in order: a close waits for the open or run before it, so the session is never
// released (or the thread torn down) while native code is using it.
let queue = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue
    .then(() => handle(req))
    .catch((err: unknown) => console.error(`inference worker: ${err instanceof Error ? err.message : String(err)}`));
});
