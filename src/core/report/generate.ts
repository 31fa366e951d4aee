/**
 * Writes a study's report files into a folder: report.json, labels.csv, metrics.csv, report.html and, when a
 * PDF renderer is given, report.pdf. Used by the CLI and by the app's report screen.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { resolveModelDir } from '../inference/modelFolder.ts';
import { type PerturbationPlan, RunCancelled } from '../inference/perturbation.ts';
import { InferencePool } from '../inference/pool.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { buildReport, DEFAULT_SETTINGS, type Report, type ReportSettings } from './build.ts';
import { labelsCsv, metricsCsv } from './csv.ts';
import { loadStudyData } from './data.ts';
import { ReportError } from './errors.ts';
import { writeAllOrNothing } from './files.ts';
import { reportHtml } from './html.ts';
import type { PdfRenderer } from './pdf.ts';

export interface GenerateOptions {
  outDir: string;
  study?: string;
  modelId?: string;
  /** Where model folders live (looked up by the runs' model id); the default models folder when absent. */
  modelsDir?: string;
  /** An explicit model folder, overriding the lookup by id. */
  modelDir?: string;
  /**
   * The caller's own runner for a model id (e.g. the app's long-lived worker pool); it stays open.
   * Absent: a worker pool of the report's own (records run in parallel, one per core), closed afterwards.
   */
  runner?: (modelId: string) => Promise<WindowRunner>;
  settings?: Partial<Omit<ReportSettings, 'study' | 'modelId' | 'ownLabelsOnly'>>;
  /** Only this rater's labels go into the report (see StudyDataOptions.onlyRater). */
  onlyRater?: string;
  /** Null: no PDF. */
  pdf: PdfRenderer | null;
  /** Where the report is: agreement, then faithfulness record by record, then writing the files. */
  onProgress?: (step: ReportStep) => void;
  /** Aborting stops the faithfulness pass between model runs; generateReport then rejects with RunCancelled. */
  signal?: AbortSignal;
  /** How perturbed windows are run (bench and tests compare plans; the numbers never depend on it). */
  perturbation?: PerturbationPlan;
  now?: () => Date;
}

export type ReportPhase = 'agreement' | 'faithfulness' | 'writing';

/** Records done and to do in the faithfulness phase; 0 of 0 in the others. */
export interface ReportStep {
  phase: ReportPhase;
  done: number;
  total: number;
}

export interface GeneratedReport {
  files: string[];
  report: Report;
}

/** The runner and whether this report opened it (and so closes it). */
export async function openRunner(
  modelId: string,
  expectedOnnxSha: string,
  options: Pick<GenerateOptions, 'runner' | 'modelDir' | 'modelsDir'>,
): Promise<{ runner: WindowRunner; close: () => Promise<void> }> {
  let opened: { runner: WindowRunner; close: () => Promise<void> };
  try {
    if (options.runner) opened = { runner: await options.runner(modelId), close: async () => undefined };
    else {
      const pool = await InferencePool.open(options.modelDir ?? resolveModelDir(modelId, options.modelsDir));
      opened = { runner: pool, close: () => pool.close() };
    }
  } catch (err) {
    throw new ReportError(
      'no-model',
      `faithfulness needs model ${modelId}: ${(err as Error).message} (name its folder, or turn faithfulness off)`,
    );
  }
  const { model } = opened.runner;
  if (model.manifest.onnx.sha256.toLowerCase() !== expectedOnnxSha.toLowerCase()) {
    await opened.close();
    throw new ReportError('no-model', `${model.onnxPath}: this is not the ONNX file the study's runs were made with (sha256 differs)`);
  }
  return opened;
}

export async function generateReport(db: Db, options: GenerateOptions): Promise<GeneratedReport> {
  const data = loadStudyData(db, { study: options.study, modelId: options.modelId, onlyRater: options.onlyRater });
  const settings: ReportSettings = {
    ...DEFAULT_SETTINGS,
    ...options.settings,
    study: data.study.name,
    modelId: data.model?.id ?? null,
    ownLabelsOnly: options.onlyRater !== undefined,
  };
  if (!Number.isInteger(settings.bootstrapResamples) || settings.bootstrapResamples < 0) {
    throw new ReportError('bad-options', `bootstrap resamples must be a non-negative integer, got ${settings.bootstrapResamples}`);
  }
  if (!Number.isInteger(settings.deletionSteps) || settings.deletionSteps < 1) {
    throw new ReportError('bad-options', `deletion steps must be a positive integer, got ${settings.deletionSteps}`);
  }
  const opened = settings.faithfulness && data.model ? await openRunner(data.model.id, data.model.manifest.onnx.sha256, options) : null;
  let report: Report;
  options.onProgress?.({ phase: 'agreement', done: 0, total: 0 });
  try {
    report = await buildReport(db, data, {
      settings,
      runner: opened?.runner ?? null,
      run: {
        onProgress: (done, total) => options.onProgress?.({ phase: 'faithfulness', done, total }),
        signal: options.signal,
        plan: options.perturbation,
      },
      now: options.now,
    });
  } finally {
    await opened?.close();
  }
  // in the app this runs on the thread that answers API calls: let them in between the longer steps
  await nextTurn();
  // the last point a cancel is honoured: from here the files are written (so a cancel never leaves a partial set)
  if (options.signal?.aborted) throw new RunCancelled();
  options.onProgress?.({ phase: 'writing', done: 0, total: 0 });

  const files = await writeAllOrNothing(options.outDir, 'report', options.pdf, async (out) => {
    out.text('report.json', JSON.stringify(report, null, 2) + '\n');
    out.text('labels.csv', labelsCsv(data, settings.includeIdentifiers));
    out.text('metrics.csv', metricsCsv(report));
    await nextTurn();
    const html = reportHtml(report);
    out.text('report.html', html);
    if (options.pdf) await out.pdf('report.pdf', html);
  });
  return { files, report };
}
