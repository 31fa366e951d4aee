/**
 * Builds the report document (everything report.json holds) from a study's data. Identifying fields
 * (record names and source paths, kept identifiers, rater names and ids, free-text notes) appear only when
 * `includeIdentifiers` is set; otherwise records go by pseudonym and raters by alias (R1, R2, ...).
 */
import { appVersion } from '../../shared/version.ts';
import { MIN_DEFINED_RESAMPLE_SHARE, MIN_UNITS } from '../audit/stats.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { inForce } from '../store/labels.ts';
import { type AgreementSection, agreementSection, raterAliases } from './agreement.ts';
import type { StudyData } from './data.ts';
import {
  BASELINE_DESCRIPTION,
  type FaithfulnessRun,
  type FaithfulnessSection,
  faithfulnessSection,
  LOCALISED_CLASSES,
  MAJORITY_RULE,
} from './faithfulness.ts';
import { type ModelOnStudySection, modelOnStudySection } from './modelOnStudy.ts';

export interface ReportSettings {
  study: string;
  modelId: string | null;
  bootstrapResamples: number;
  seed: number;
  includeIdentifiers: boolean;
  faithfulness: boolean;
  deletionSteps: number;
  /** Largest number of records the faithfulness pass evaluates (a seeded sample); 0 = all. */
  faithfulnessMaxRecords: number;
  topSampleFraction: number;
  /** The report holds one rater's labels only (a rater's own report in a blinded study). */
  ownLabelsOnly: boolean;
}

export const DEFAULT_SETTINGS = {
  bootstrapResamples: 1000,
  seed: 20260101,
  includeIdentifiers: false,
  faithfulness: true,
  deletionSteps: 20,
  faithfulnessMaxRecords: 200,
  topSampleFraction: 0.01,
  ownLabelsOnly: false,
} as const;

export interface RaterEntry {
  alias: string;
  labels: number;
  currentLabels: number;
  id?: string;
  displayName?: string;
}

export interface RecordEntry {
  pseudonym: string;
  topClass: string | null;
  topProbability: number | null;
  regions: number;
  currentLabels: number;
  recordName?: string;
  sourcePath?: string;
  identifying?: unknown;
}

export interface Report {
  format: 'ecg-imn-audit-report';
  formatVersion: 1;
  generatedAt: string;
  appVersion: string;
  deidentified: boolean;
  study: { name: string; createdAt: string };
  model: { id: string; name: string; manifestSha256: string; onnxSha256: string; classes: { code: string; name: string }[] } | null;
  settings: ReportSettings;
  counts: { records: number; recordsWithRun: number; raters: number; labels: number; currentLabels: number; regionJudgements: number };
  raters: RaterEntry[];
  records: RecordEntry[];
  agreement: AgreementSection;
  faithfulness: FaithfulnessSection | null;
  /** Why faithfulness is absent, when it is. */
  faithfulnessNote: string | null;
  /** The model against the records' reference diagnoses; null when no record has one. */
  modelOnStudy: ModelOnStudySection | null;
  methods: string;
}

export interface BuildOptions {
  settings: ReportSettings;
  /** The model that recomputes faithfulness; needed when settings.faithfulness and the study has runs. */
  runner: WindowRunner | null;
  /** Progress, cancel and perturbation plan of the faithfulness pass. */
  run?: FaithfulnessRun;
  /** Clock for generatedAt (tests pin it). */
  now?: () => Date;
}

export function methodsText(report: Pick<Report, 'settings' | 'model' | 'faithfulness'>): string {
  const s = report.settings;
  const model = report.model ? `model ${report.model.id} (manifest sha256 ${report.model.manifestSha256.slice(0, 12)}...)` : 'no model run';
  const parts = [
    `Explanations of ${model} were audited with ECG-IMN Audit ${appVersion}.`,
    'Each rater judged evidence regions (contiguous spans of one lead where the class attribution W*x is strongest) as valid, not valid or unsure, optionally with reason codes, and gave record-level verdicts (plausibility; agreement with a class).',
    "Only each rater's current label per target enters the statistics (a target whose label the rater withdrew counts as unlabelled); superseded labels and withdrawals remain in the audit trail (labels.csv).",
    "Only labels on the evidence regions of the reported model's runs enter the region statistics.",
    'Judgements are nested in records (several regions, classes and raters per record), so every interval accounts for the record: shares are reported with Wilson score 95 % intervals at the effective sample size n / deff, where the design effect deff = max(1, v / (p(1 - p)/n)) uses the ratio-estimator variance v = k/(k - 1) * sum_i (y_i - p m_i)^2 / n^2 over the k records (Korn and Graubard), and bootstrap intervals resample records (cluster bootstrap).',
    `Inter-rater agreement is given as percent agreement (mean share of agreeing rater pairs per unit), Cohen's kappa for each pair of raters, Fleiss' kappa over the units rated by every rater who rated that kind of unit, and Krippendorff's alpha (nominal, all pairable units, missing ratings allowed), each with a percentile cluster-bootstrap 95 % interval (${s.bootstrapResamples} resamples of records, seed ${s.seed}).`,
    `Each statistic states the units it rests on and the records they come from; below ${MIN_UNITS} units it is not reported ("too few units"), and its interval is withheld when the statistic is undefined in more than ${Math.round((1 - MIN_DEFINED_RESAMPLE_SHARE) * 100)} % of the resamples.`,
    "A region's contribution is signed (positive: evidence for its class; negative: against), and every region statistic is given for all regions and for each sign separately.",
    "Agreement is further stratified by the model probability of the region's class (bins 0-0.5, 0.5-0.7, 0.7-0.9, 0.9-1) and by the region's contribution rank.",
  ];
  if (report.faithfulness) {
    parts.push(
      `Faithfulness was recomputed with the ONNX model on up to ${s.faithfulnessMaxRecords || 'all'} records (a sample seeded by the report seed over the records in pseudonym order): exactness as max |sum(W*x) + b - logit| per record.`,
      `Deletion and insertion curves follow the predicted class on its decisive window, removing (or adding back onto the all-baseline input) samples in ${s.deletionSteps} equal steps: in order of decreasing signed W*x for the class (most relevant first, the main order), in a random order seeded by the record's pseudonym, and, as a labelled extra, in order of decreasing |W*x|; the paired per-record difference signed order minus random is reported with a bootstrap 95 % interval over records.`,
      `At region granularity, each step removes (or adds back) one whole evidence region of the predicted class, in three orders computed on the same records (those with region judgements): regions judged valid by a majority first (by rank, then the others by rank), regions by decreasing signed contribution, and a seeded random order of the regions; paired per-record differences are reported. ${MAJORITY_RULE}`,
      'The area under each curve is computed by the trapezoidal rule over the removed fraction (of samples or of regions), and is also given normalised as (AUC - floor) / (start - floor), with start = p(x) and floor = p(baseline), undefined when |start - floor| < 0.01.',
      `Perturbation: ${BASELINE_DESCRIPTION}`,
      `Degeneracy is the share of |W*x| on the top ${(s.topSampleFraction * 100).toFixed(0)} % of samples and on the single top lead.`,
      `Where P/QRS/T delineation exists, localisation is computed for ${LOCALISED_CLASSES}. It compares the share of positive attribution inside P, QRS and ST-T (QRS offset to T offset) with their share of the annotated time (relevance mass accuracy; averaged over lead-records, pooled by mass, and pooled per record then averaged over records), and gives the distribution of where each lead's largest positive attribution lies (peak location; unlike Zhang et al.'s pointing game it has no class-specific target), with Wilson intervals corrected for leads nested in records.`,
    );
  }
  return parts.join(' ');
}

export async function buildReport(db: Db, data: StudyData, options: BuildOptions): Promise<Report> {
  const { settings } = options;
  const ids = settings.includeIdentifiers;
  const alias = raterAliases(data);
  const agreement = await agreementSection(data, { resamples: settings.bootstrapResamples, seed: settings.seed });

  let faithfulness: FaithfulnessSection | null = null;
  let faithfulnessNote: string | null = null;
  if (!settings.faithfulness) faithfulnessNote = 'not computed (disabled in the settings)';
  else if (!data.model) faithfulnessNote = 'not computed: the study has no model runs';
  else if (!options.runner) faithfulnessNote = 'not computed: no inference engine was given';
  else {
    faithfulness = await faithfulnessSection(
      options.runner,
      db,
      data,
      {
        steps: settings.deletionSteps,
        seed: settings.seed,
        maxRecords: settings.faithfulnessMaxRecords,
        topFraction: settings.topSampleFraction,
      },
      options.run,
    );
  }

  const labelsBy = (raterId: string, currentOnly: boolean): number =>
    data.labels.filter((l) => l.raterId === raterId && (!currentOnly || inForce(l))).length;
  const currentByRecord = new Map<number, number>();
  for (const l of data.labels) if (inForce(l)) currentByRecord.set(l.recordId, (currentByRecord.get(l.recordId) ?? 0) + 1);

  const model = data.model
    ? {
        id: data.model.id,
        name: data.model.manifest.name,
        manifestSha256: data.model.manifestSha256,
        onnxSha256: data.model.manifest.onnx.sha256,
        classes: data.model.manifest.classes.map((c) => ({ code: c.code, name: c.name })),
      }
    : null;
  const partial = { settings, model, faithfulness };
  return {
    format: 'ecg-imn-audit-report',
    formatVersion: 1,
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    appVersion,
    deidentified: !ids,
    study: { name: data.study.name, createdAt: data.study.createdAt },
    model,
    settings,
    counts: {
      records: data.records.length,
      recordsWithRun: data.records.filter((r) => r.run).length,
      raters: data.raters.length,
      labels: data.labels.length,
      currentLabels: data.labels.filter(inForce).length,
      regionJudgements: agreement.regionJudgements,
    },
    raters: data.raters.map((r) => ({
      alias: alias.get(r.id)!,
      labels: labelsBy(r.id, false),
      currentLabels: labelsBy(r.id, true),
      ...(ids ? { id: r.id, displayName: r.displayName } : {}),
    })),
    records: data.records.map((r) => ({
      pseudonym: r.pseudonym,
      topClass: r.run?.topClass ?? null,
      topProbability: r.run?.topProbability ?? null,
      regions: r.run?.regionCount ?? 0,
      currentLabels: currentByRecord.get(r.id) ?? 0,
      ...(ids ? { recordName: r.recordName, sourcePath: r.sourcePath, identifying: r.identifying } : {}),
    })),
    agreement,
    faithfulness,
    faithfulnessNote,
    modelOnStudy: modelOnStudySection(db, data, { replicates: settings.bootstrapResamples, seed: settings.seed }),
    methods: methodsText(partial),
  };
}
