import { z } from 'zod';
import { endpoint } from './contract.ts';

const interval = z.object({ low: z.number(), high: z.number() }).nullable();
const estimate = z.object({
  estimate: z.number().nullable(),
  ci: interval,
  /** Units the statistic rests on, and the records they come from (the bootstrap resamples records). */
  units: z.number().int(),
  clusters: z.number().int(),
  /** Why the estimate or interval is missing ("too few units (3)"), else null. */
  note: z.string().nullable(),
});

const agreementRow = z.object({
  target: z.string(),
  units: z.number().int(),
  percentAgreement: estimate,
  fleissKappa: estimate,
  krippendorffAlpha: estimate,
});

const shareRow = z.object({
  group: z.string(),
  labels: z.number().int(),
  validShare: z.number().nullable(),
  ci: interval,
});

const curveRow = z.object({
  order: z.string(),
  records: z.number().int(),
  deletionAucMedian: z.number().nullable(),
  insertionAucMedian: z.number().nullable(),
});

/** What the report screen shows after generating; the files hold everything else. */
export const reportSummary = z.object({
  study: z.string(),
  modelId: z.string().nullable(),
  generatedAt: z.string(),
  deidentified: z.boolean(),
  counts: z.object({
    records: z.number().int(),
    recordsWithRun: z.number().int(),
    raters: z.number().int(),
    labels: z.number().int(),
    currentLabels: z.number().int(),
    regionJudgements: z.number().int(),
  }),
  agreement: z.array(agreementRow),
  regionsByClass: z.array(shareRow),
  faithfulness: z
    .object({
      recordsEvaluated: z.number().int(),
      completenessMax: z.number().nullable(),
      curves: z.array(curveRow),
      msPerRecord: z.number().nullable(),
    })
    .nullable(),
  faithfulnessNote: z.string().nullable(),
});
export type ReportSummaryDto = z.infer<typeof reportSummary>;

export const reportPhases = ['starting', 'agreement', 'faithfulness', 'writing', 'completed', 'cancelled', 'failed'] as const;

const reportProgress = z.object({
  phase: z.enum(reportPhases),
  recordsDone: z.number().int().nonnegative(),
  recordsTotal: z.number().int().nonnegative(),
  ratePerS: z.number().nonnegative(),
  etaS: z.number().nonnegative().nullable(),
  elapsedS: z.number().nonnegative(),
  /** False once the files are being written: from then on the report finishes. */
  cancellable: z.boolean(),
});
export type ReportProgressDto = z.infer<typeof reportProgress>;

const reportResult = z.object({
  outDir: z.string(),
  files: z.array(z.object({ name: z.string(), path: z.string(), bytes: z.number().int() })),
  summary: reportSummary,
});

/** A report this app session started: live progress, then its files and summary (or why it failed). */
const reportTask = z.object({
  jobId: z.number().int(),
  study: z.string(),
  /** Whose labels the report holds: null = every rater's; a rater = only theirs (a blinded study they do not own). */
  labelsOf: z.object({ id: z.string(), name: z.string() }).nullable(),
  running: z.boolean(),
  progress: reportProgress,
  result: reportResult.nullable(),
  error: z.string().nullable(),
});
export type ReportTaskDto = z.infer<typeof reportTask>;

/**
 * Who asks: a report and its progress are shown only to the rater who started it (or to nobody named, when it was
 * started without a rater); in a blinded study only its owner reads every rater's labels.
 */
const caller = { raterId: z.string().min(1).optional() };
const jobId = z.object({ jobId: z.number().int(), ...caller }).strict();

/** One side of a comparison: a study, and the model whose runs are compared (default: the study's model with the most runs). */
const comparedSide = z.object({ study: z.string().min(1), modelId: z.string().min(1).optional() }).strict();

const comparisonSide = z.object({
  label: z.string(),
  study: z.string(),
  modelId: z.string().nullable(),
  records: z.number().int(),
  raters: z.number().int(),
});

/** What the Reports screen shows of a finished comparison; compare.json and compare.html hold everything. */
export const comparisonSummary = z.object({
  a: comparisonSide,
  b: comparisonSide,
  sharedRecords: z.number().int(),
  faithfulnessRecords: z.number().int(),
  differences: z.array(
    z.object({
      metric: z.string(),
      /** The figure in words. */
      figure: z.string(),
      records: z.number().int(),
      meanA: z.number().nullable(),
      meanB: z.number().nullable(),
      difference: estimate,
    }),
  ),
});
export type ComparisonSummaryDto = z.infer<typeof comparisonSummary>;

/** A comparison this app session started, with the same progress and cancel as a report (shown only to who started it). */
const comparisonTask = z.object({
  jobId: z.number().int(),
  /** "study A (model) vs study B (model)". */
  title: z.string(),
  running: z.boolean(),
  progress: reportProgress,
  result: z.object({ outDir: z.string(), files: reportResult.shape.files, summary: comparisonSummary }).nullable(),
  error: z.string().nullable(),
});
export type ComparisonTaskDto = z.infer<typeof comparisonTask>;

/** Studies of the open database with the models that have runs on them, for choosing what to compare. */
const compareChoices = z.object({
  studies: z.array(
    z.object({
      name: z.string(),
      records: z.number().int(),
      models: z.array(z.object({ id: z.string(), name: z.string(), runs: z.number().int() })),
    }),
  ),
});
export type CompareChoicesDto = z.infer<typeof compareChoices>;

export const reportsApi = {
  /**
   * Starts writing the study's report files (JSON, CSV, HTML, PDF) into a new folder beside the database, in
   * the background. One report runs at a time. In a blinded study a rater who does not own it gets a report
   * of their own labels only, and a caller who names no rater is refused.
   */
  'reports.start': endpoint(
    z
      .object({
        ...caller,
        study: z.string().min(1),
        faithfulness: z.boolean().default(true),
        pdf: z.boolean().default(true),
        includeIdentifiers: z.boolean().default(false),
        bootstrapResamples: z.number().int().min(0).max(100_000).default(1000),
        faithfulnessMaxRecords: z.number().int().min(0).default(200),
      })
      .strict(),
    reportTask,
  ),
  'reports.status': endpoint(jobId, reportTask),
  /** Stops a report before its files are written; a cancelled report writes nothing. */
  'reports.cancel': endpoint(jobId, reportTask),
  /** The caller's latest report in this app session (running or not), so the screen can pick it up again. */
  'reports.latest': endpoint(z.object(caller).strict(), reportTask.nullable()),
  'reports.compareChoices': endpoint(z.object({}).strict(), compareChoices),
  /**
   * Starts comparing two audits (two studies, or one study under two models) in the background: compare.json,
   * compare.html and compare.pdf in a new folder beside the database. One report or comparison runs at a time.
   * A comparison holds every rater's labels of both studies, so in a blinded study only its owner may start one.
   */
  'reports.compareStart': endpoint(
    z
      .object({
        ...caller,
        a: comparedSide,
        b: comparedSide,
        faithfulness: z.boolean().default(true),
        pdf: z.boolean().default(true),
        bootstrapResamples: z.number().int().min(0).max(100_000).default(1000),
        faithfulnessMaxRecords: z.number().int().min(0).default(100),
      })
      .strict(),
    comparisonTask,
  ),
  'reports.compareStatus': endpoint(jobId, comparisonTask),
  /** Stops a comparison before its files are written; a cancelled comparison writes nothing. */
  'reports.compareCancel': endpoint(jobId, comparisonTask),
  /** The caller's latest comparison in this app session, so the screen can pick it up again. */
  'reports.compareLatest': endpoint(z.object(caller).strict(), comparisonTask.nullable()),
};
