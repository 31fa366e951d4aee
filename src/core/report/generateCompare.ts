/**
 * Writes a comparison's files into a folder: compare.json, compare.html and, with a PDF renderer, compare.pdf,
 * all or nothing (nothing is written before every figure is computed, so a cancelled comparison leaves no
 * files). Opens (and closes) each side's model for the faithfulness re-runs, unless the caller brings its own
 * runner (the app's worker pool). Used by `ecg-audit compare` and the app's Reports screen (as a job, job.ts).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type PerturbationPlan, RunCancelled } from '../inference/perturbation.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { type CompareSettings, compareStudies, type Comparison } from './compare.ts';
import { comparisonHtml } from './compareHtml.ts';
import { loadStudyData } from './data.ts';
import { writeAllOrNothing } from './files.ts';
import { openRunner, type ReportStep } from './generate.ts';
import type { PdfRenderer } from './pdf.ts';

export interface ComparedSide {
  db: Db;
  label: string;
  study?: string;
  modelId?: string;
  /** The side's model folder; default: looked up by id in `modelsDir`. */
  modelDir?: string;
}

export interface GenerateComparisonOptions {
  outDir: string;
  modelsDir?: string;
  /** The caller's own runner for a model id (the app's worker pool); it stays open. */
  runner?: (modelId: string) => Promise<WindowRunner>;
  /** False: no model re-runs (agreement figures only). */
  faithfulness: boolean;
  settings?: Partial<CompareSettings>;
  pdf: PdfRenderer | null;
  plan?: PerturbationPlan;
  signal?: AbortSignal;
  /** Faithfulness record by record (shared records re-run on both sides), then the agreement figures, then writing. */
  onProgress?: (step: ReportStep) => void;
  now?: () => Date;
}

export interface GeneratedComparison {
  files: string[];
  comparison: Comparison;
}

export async function generateComparison(
  sideA: ComparedSide,
  sideB: ComparedSide,
  options: GenerateComparisonOptions,
): Promise<GeneratedComparison> {
  const opened = await Promise.all(
    [sideA, sideB].map(async (s) => {
      if (!options.faithfulness) return null;
      const model = loadStudyData(s.db, { study: s.study, modelId: s.modelId }).model;
      return model
        ? openRunner(model.id, model.manifest.onnx.sha256, { modelDir: s.modelDir, modelsDir: options.modelsDir, runner: options.runner })
        : null;
    }),
  );
  let comparison: Comparison;
  try {
    comparison = await compareStudies(
      { ...sideA, runner: opened[0]?.runner ?? null },
      { ...sideB, runner: opened[1]?.runner ?? null },
      {
        settings: options.settings,
        plan: options.plan,
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ phase: 'faithfulness', done, total }),
        onAgreement: () => options.onProgress?.({ phase: 'agreement', done: 0, total: 0 }),
        now: options.now,
      },
    );
  } finally {
    await Promise.all(opened.map((o) => o?.close()));
  }
  // in the app this runs on the thread that answers API calls: let them in before the files are written
  await nextTurn();
  // the last point a cancel is honoured: from here the files are written
  if (options.signal?.aborted) throw new RunCancelled();
  options.onProgress?.({ phase: 'writing', done: 0, total: 0 });
  const files = await writeAllOrNothing(options.outDir, 'comparison', options.pdf, async (out) => {
    const html = comparisonHtml(comparison);
    out.text('compare.json', JSON.stringify(comparison, null, 2) + '\n');
    out.text('compare.html', html);
    if (options.pdf) await out.pdf('compare.pdf', html);
  });
  return { files, comparison };
}
