/**
 * Writes a comparison's files into a folder: compare.json, compare.html and, with a PDF renderer, compare.pdf
 * (nothing is written before every figure is computed, so a cancelled comparison leaves no files). Opens (and closes) each side's model for the faithfulness re-runs. Used by `ecg-audit compare`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PerturbationPlan } from '../inference/perturbation.ts';
import type { Db } from '../store/db.ts';
import { type CompareSettings, compareStudies, type Comparison } from './compare.ts';
import { comparisonHtml } from './compareHtml.ts';
import { loadStudyData } from './data.ts';
import { ReportError } from './errors.ts';
import { openRunner } from './generate.ts';
import { type PdfRenderer, writePdf } from './pdf.ts';

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
  /** False: no model re-runs (agreement figures only). */
  faithfulness: boolean;
  settings?: Partial<CompareSettings>;
  pdf: PdfRenderer | null;
  plan?: PerturbationPlan;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

export async function generateComparison(
  sideA: ComparedSide,
  sideB: ComparedSide,
  options: GenerateComparisonOptions,
): Promise<{ files: string[]; comparison: Comparison }> {
  const opened = await Promise.all(
    [sideA, sideB].map(async (s) => {
      if (!options.faithfulness) return null;
      const model = loadStudyData(s.db, { study: s.study, modelId: s.modelId }).model;
      return model ? openRunner(model.id, model.manifest.onnx.sha256, { modelDir: s.modelDir, modelsDir: options.modelsDir }) : null;
    }),
  );
  let comparison: Comparison;
  try {
    comparison = await compareStudies(
      { ...sideA, runner: opened[0]?.runner ?? null },
      { ...sideB, runner: opened[1]?.runner ?? null },
      { settings: options.settings, plan: options.plan, signal: options.signal, onProgress: options.onProgress, now: options.now },
    );
  } finally {
    await Promise.all(opened.map((o) => o?.close()));
  }
  const outDir = resolve(options.outDir);
  const html = comparisonHtml(comparison);
  const files: string[] = [];
  try {
    mkdirSync(outDir, { recursive: true });
    const write = (name: string, data: string | Uint8Array): void => {
      writeFileSync(join(outDir, name), data);
      files.push(join(outDir, name));
    };
    write('compare.json', JSON.stringify(comparison, null, 2) + '\n');
    write('compare.html', html);
  } catch (err) {
    throw new ReportError('io', `${outDir}: cannot write the comparison (${(err as Error).message})`);
  }
  if (options.pdf) {
    await writePdf(options.pdf, html, join(outDir, 'compare.pdf'));
    files.push(join(outDir, 'compare.pdf'));
  }
  return { files, comparison };
}
