/**
 * A report as a job, like an import: it runs in the background with live progress (phase, records done, rate,
 * time left) and can be cancelled until its files start being written. A cancelled report writes nothing.
 * Used by the app's Reports screen (reports.start/status/cancel, reports.compareStart/...) and by `ecg-audit report`
 * and `ecg-audit compare`.
 */
import { RunCancelled } from '../inference/perturbation.ts';
import type { Db } from '../store/db.ts';
import { type GeneratedReport, type GenerateOptions, generateReport, type ReportPhase, type ReportStep } from './generate.ts';
import { type ComparedSide, type GeneratedComparison, type GenerateComparisonOptions, generateComparison } from './generateCompare.ts';

export type ReportJobPhase = 'starting' | ReportPhase | 'completed' | 'cancelled' | 'failed';

export interface ReportProgress {
  phase: ReportJobPhase;
  /** Faithfulness records evaluated and to evaluate (0 of 0 without faithfulness). */
  recordsDone: number;
  recordsTotal: number;
  /** Records per second in the faithfulness phase so far. */
  ratePerS: number;
  /** Seconds left, from the faithfulness rate; null until the first record is done or outside that phase. */
  etaS: number | null;
  elapsedS: number;
  /** False once cancelled, once the files are being written, and after the job ended. */
  cancellable: boolean;
}

export interface ReportTask<T> {
  readonly progress: ReportProgress;
  /** Asks the job to stop; false when it is too late (writing, or ended). */
  cancel(): boolean;
  /** The report (or comparison), or null when it was cancelled; rejects when it failed. */
  readonly done: Promise<T | null>;
}

export interface ReportJobOptions extends Omit<GenerateOptions, 'signal' | 'onProgress'> {
  /** Called at each phase change and after each faithfulness record. */
  onProgress?: (progress: ReportProgress) => void;
}

export function startReport(db: Db, options: ReportJobOptions): ReportTask<GeneratedReport> {
  return startJob((signal, onStep) => generateReport(db, { ...options, signal, onProgress: onStep }), options.onProgress);
}

export interface ComparisonJobOptions extends Omit<GenerateComparisonOptions, 'signal' | 'onProgress'> {
  onProgress?: (progress: ReportProgress) => void;
}

/** A comparison of two audits as a job, with the same progress, ETA and cancel as a report. */
export function startComparison(sideA: ComparedSide, sideB: ComparedSide, options: ComparisonJobOptions): ReportTask<GeneratedComparison> {
  return startJob((signal, onStep) => generateComparison(sideA, sideB, { ...options, signal, onProgress: onStep }), options.onProgress);
}

/**
 * Runs `work` in the background with live progress: `work` reports its phases (and records done in the
 * faithfulness phase) through onStep and stops with RunCancelled when the signal aborts.
 */
function startJob<T>(
  work: (signal: AbortSignal, onStep: (step: ReportStep) => void) => Promise<T>,
  onProgress?: (progress: ReportProgress) => void,
): ReportTask<T> {
  const controller = new AbortController();
  const started = performance.now();
  let phase: ReportJobPhase = 'starting';
  let recordsDone = 0;
  let recordsTotal = 0;
  let faithfulnessStarted = 0;
  let lastRecordAt = 0;

  // started on the next turn, so the caller holds the task before the first progress call
  const done = Promise.resolve()
    .then(() =>
      work(controller.signal, (step) => {
        if (step.phase === 'faithfulness' && phase !== 'faithfulness') faithfulnessStarted = performance.now();
        if (step.phase === 'faithfulness') {
          recordsDone = step.done;
          recordsTotal = step.total;
          lastRecordAt = performance.now();
        }
        phase = step.phase;
        onProgress?.(task.progress);
      }),
    )
    .then(
      (result) => {
        phase = 'completed';
        onProgress?.(task.progress);
        return result;
      },
      (err: unknown) => {
        phase = err instanceof RunCancelled ? 'cancelled' : 'failed';
        onProgress?.(task.progress);
        if (phase === 'cancelled') return null;
        throw err;
      },
    );

  const cancellable = (): boolean =>
    !controller.signal.aborted && (phase === 'starting' || phase === 'agreement' || phase === 'faithfulness');
  const task: ReportTask<T> = {
    get progress(): ReportProgress {
      const now = performance.now();
      const rate = recordsDone > 0 ? recordsDone / ((lastRecordAt - faithfulnessStarted) / 1000) : 0;
      // counts down between records from the rate at the last one
      const left = rate > 0 ? Math.max(0, (recordsTotal - recordsDone) / rate - (now - lastRecordAt) / 1000) : null;
      return {
        phase,
        recordsDone,
        recordsTotal,
        ratePerS: rate,
        etaS: phase === 'faithfulness' ? left : null,
        elapsedS: (now - started) / 1000,
        cancellable: cancellable(),
      };
    },
    cancel(): boolean {
      if (!cancellable()) return false;
      controller.abort();
      return true;
    },
    done,
  };
  return task;
}
