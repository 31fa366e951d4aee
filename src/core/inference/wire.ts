/**
 * What crosses the worker_threads boundary: plain records in, predictions out, errors as data.
 * Typed errors are rebuilt on the receiving side so callers can still branch on `problem`.
 */
import { type ModelInput, PreprocessError, type PreprocessProblem, type RecordSignal } from '../signal/preprocess.ts';
import { ModelError, type ModelProblem } from './errors.ts';
import type { Prediction } from './explain.ts';
import type { ImnOutputs, SessionOptions } from './session.ts';
import type { Occlusion, WhatIfResult } from './whatIf.ts';

export interface WireError {
  name: string;
  message: string;
  file?: string;
  problem?: string;
  detail?: string;
}

export type WorkerRequest =
  /** `nice`: the thread's scheduling niceness (Linux; batch workers run below the thread answering the app's calls). */
  | { type: 'open'; modelDir: string; options: SessionOptions; nice: number }
  | { type: 'predict'; id: number; records: RecordSignal[]; maps: boolean }
  | { type: 'whatIf'; id: number; prediction: Prediction; occlusions: Occlusion[] }
  | { type: 'run'; id: number; inputs: ModelInput[] }
  | { type: 'logits'; id: number; windows: Float32Array; batch: number }
  /** Release the session, then let the thread end by itself (see InferencePool.close). */
  | { type: 'close' };

export type RecordOutcome = { ok: true; prediction: Prediction } | { ok: false; error: WireError };

export type WorkerReply =
  | { type: 'ready'; executionProvider: string }
  | { type: 'openFailed'; error: WireError }
  | { type: 'predicted'; id: number; outcomes: RecordOutcome[] }
  | { type: 'whatIfDone'; id: number; result: WhatIfResult }
  | { type: 'ran'; id: number; outputs: ImnOutputs[] }
  | { type: 'logitsDone'; id: number; logits: Float32Array }
  | { type: 'failed'; id: number; error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof PreprocessError || err instanceof ModelError) {
    const prefix = `${err.file}: `;
    const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return { name: err.name, message: err.message, file: err.file, problem: err.problem, detail };
  }
  return { name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(e: WireError): Error {
  if (e.name === 'PreprocessError' && e.file !== undefined) {
    return new PreprocessError(e.file, e.problem as PreprocessProblem, e.detail ?? e.message);
  }
  if (e.name === 'ModelError' && e.file !== undefined) return new ModelError(e.file, e.problem as ModelProblem, e.detail ?? e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** Only what preprocessing reads, so raw ADC arrays and metadata stay on the caller's side. */
export function signalOnly(record: RecordSignal): RecordSignal {
  return {
    sourcePath: record.sourcePath,
    samplingRateHz: record.samplingRateHz,
    leads: record.leads.map((l) => ({ name: l.name, mv: l.mv }) as RecordSignal['leads'][number]),
  };
}

/** The outputs with each array owning its whole buffer (copied where it is a view), so postMessage can move them. */
export function ownedOutputs(out: ImnOutputs): ImnOutputs {
  const own = (a: Float32Array): Float32Array => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice());
  return { batch: out.batch, logits: own(out.logits), W: own(out.W), bias: own(out.bias) };
}

export function outputBuffers(out: ImnOutputs): ArrayBuffer[] {
  return [out.logits, out.W, out.bias].map((a) => a.buffer as ArrayBuffer);
}

/** Buffers a prediction owns, so postMessage can move them instead of copying. */
export function predictionBuffers(p: Prediction): ArrayBuffer[] {
  return [p.windows, ...p.attribution].map((a) => a.buffer as ArrayBuffer);
}
