/**
 * `evaluate`: the model over every record that has a reference diagnosis, compared with it class by class.
 * PTB-XL records are matched to their label table by path before they are read, so `folds` selects records
 * without reading the others; CinC and LUDB references are found once a record is read, and a record without
 * any reference is skipped before the model runs.
 */
import type { EcgRecord } from '../formats/record.ts';
import type { ModelManifest } from '../inference/manifest.ts';
import { type ClassificationMetrics, type ClassMetrics, classificationMetrics, type Label } from '../audit/classification.ts';
import type { DatasetItem } from './inputs.ts';
import { type PredictBatch, predictFiles } from './predictFiles.ts';
import { isRefusal, type ReferenceDiagnosis, ReferenceResolver, SUPERCLASSES } from './reference.ts';

export interface EvaluateOptions {
  manifest: ModelManifest;
  predictBatch: PredictBatch;
  /** probability >= threshold counts as predicted (the app's PREDICTED_THRESHOLD). */
  threshold: number;
  ptbxlDatabase?: string;
  /** PTB-XL strat_folds to keep; records of other sources are skipped when set. */
  folds?: number[];
  replicates?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The --json document (training/analysis.py reads classes[code].auroc.value and macroAuroc.value). */
export interface Evaluation {
  model: string;
  n: number;
  threshold: number;
  /** Per class code, in the model's order. */
  classes: Record<string, Omit<ClassMetrics, 'name'>>;
  macroAuroc: ClassificationMetrics['macroAuroc'];
  bootstrap: ClassificationMetrics['bootstrap'];
  folds: number[] | null;
  /** Records evaluated per reference source. */
  sources: Record<ReferenceDiagnosis['source'], number>;
  /** PTB-XL records outside the selected folds (not read). */
  excludedByFolds: number;
  skipped: { file: string; reason: string }[];
  /** Every evaluated record: its labels (null = undetermined) and probabilities, in the model's class order. */
  records: { file: string; source: ReferenceDiagnosis['source']; labels: Label[]; probabilities: number[] }[];
}

/** The record's label per model class: 1, 0, or null where the source cannot decide the class. */
export function referenceLabels(classes: readonly string[], ref: ReferenceDiagnosis): Label[] {
  return classes.map((code) => {
    const sc = SUPERCLASSES.find((s) => s === code);
    if (!sc || ref.undetermined.includes(sc)) return null;
    return ref.superclasses.includes(sc) ? 1 : 0;
  });
}

export async function evaluateFiles(items: readonly DatasetItem[], opts: EvaluateOptions): Promise<Evaluation> {
  const resolver = new ReferenceResolver({ ptbxlDatabase: opts.ptbxlDatabase });
  const folds = opts.folds && opts.folds.length > 0 ? new Set(opts.folds) : undefined;
  const skipped: Evaluation['skipped'] = [];
  const references = new Map<string, ReferenceDiagnosis>();
  let excludedByFolds = 0;
  const todo: DatasetItem[] = [];
  for (const item of items) {
    if (item.problem !== undefined) {
      skipped.push({ file: item.file, reason: item.problem });
      continue;
    }
    const ref = resolver.ptbxl(item.file);
    if (ref !== undefined && folds && !folds.has(ref.fold!)) excludedByFolds++;
    else if (isRefusal(ref)) skipped.push({ file: item.file, reason: ref.refused });
    else {
      if (ref) references.set(item.file, ref);
      todo.push(item);
    }
  }
  const classes = opts.manifest.classes.map((c) => c.code);
  const records: Evaluation['records'] = [];
  const sources: Evaluation['sources'] = { 'ptb-xl': 0, cinc: 0, ludb: 0 };
  let done = 0;
  const accept = (record: EcgRecord): string | undefined => {
    if (references.has(record.sourcePath)) return undefined;
    const ref = resolver.forRecord(record);
    if (ref === undefined) return 'no reference diagnosis (no PTB-XL table row, #Dx codes or ludb.csv row)';
    if (isRefusal(ref)) return ref.refused;
    if (folds) return 'not a PTB-XL record: --folds selects PTB-XL folds';
    references.set(record.sourcePath, ref);
    return undefined;
  };
  for await (const o of predictFiles(todo, { predictBatch: opts.predictBatch, accept })) {
    opts.onProgress?.(++done, todo.length);
    if (!o.ok) {
      skipped.push({ file: o.file, reason: 'error' in o ? o.error : o.skipped });
      continue;
    }
    // readEcgFile resolves a record to its header path, which is what discovery lists
    const ref = references.get(o.record.sourcePath) ?? references.get(o.file)!;
    records.push({
      file: o.file,
      source: ref.source,
      labels: referenceLabels(classes, ref),
      probabilities: o.prediction.classes.map((c) => c.probability),
    });
    sources[ref.source]++;
  }
  const metrics = classificationMetrics(
    classes,
    records.map((r) => r.labels),
    records.map((r) => r.probabilities),
    {
      threshold: opts.threshold,
      replicates: opts.replicates,
      seed: opts.seed,
    },
  );
  return {
    model: opts.manifest.id,
    n: metrics.n,
    threshold: opts.threshold,
    classes: Object.fromEntries(metrics.classes.map(({ name, ...rest }) => [name, rest])),
    macroAuroc: metrics.macroAuroc,
    bootstrap: metrics.bootstrap,
    folds: opts.folds && opts.folds.length ? [...opts.folds] : null,
    sources,
    excludedByFolds,
    skipped,
    records,
  };
}
