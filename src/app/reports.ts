import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Report } from '../core/report/build.ts';
import type { Comparison } from '../core/report/compare.ts';
import { METRIC_WORDS } from '../core/report/compareHtml.ts';
import type { GeneratedReport } from '../core/report/generate.ts';
import type { GeneratedComparison } from '../core/report/generateCompare.ts';
import { type ReportTask, startComparison, startReport } from '../core/report/job.ts';
import { chromiumPdfRenderer } from '../core/report/pdf.ts';
import { type Db, findStudy, listRaters, listStudies, type Study, studyModels } from '../core/store/index.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { ComparisonSummaryDto, ComparisonTaskDto, ReportSummaryDto, ReportTaskDto } from '../shared/api/reports.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appPool } from './inference.ts';
import { labelReadScope } from './labels.ts';
import { appStore, asApiErrors } from './records.ts';

/** A folder name from the study name and the time, so reports never overwrite each other. */
function reportFolder(ctx: AppContext, study: string, now: Date): string {
  const safe = study.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'study';
  return join(dirname(ctx.dbPath), 'reports', `${safe}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

export function summarizeReport(report: Report): ReportSummaryDto {
  const ir = report.agreement.interRater;
  const f = report.faithfulness;
  return {
    study: report.study.name,
    modelId: report.model?.id ?? null,
    generatedAt: report.generatedAt,
    deidentified: report.deidentified,
    counts: report.counts,
    agreement: [
      { target: 'evidence regions', summary: ir.regions },
      { target: 'record plausibility', summary: ir.plausible },
      { target: 'agreement with a class', summary: ir.agreeClass },
    ].map(({ target, summary }) => ({
      target,
      units: summary.units,
      percentAgreement: summary.percentAgreement,
      fleissKappa: summary.fleissKappa,
      krippendorffAlpha: summary.krippendorffAlpha,
    })),
    regionsByClass: report.agreement.regionShares.byClass.map((r) => ({
      group: r.group,
      labels: r.total,
      validShare: r.shares.valid?.share ?? null,
      ci: r.shares.valid?.ci ?? null,
    })),
    faithfulness: f
      ? {
          recordsEvaluated: f.recordsEvaluated,
          completenessMax: f.exactness.recomputed.max,
          curves: f.curves.map((c) => ({
            order: c.order,
            records: c.records,
            deletionAucMedian: c.deletionAuc.median,
            insertionAucMedian: c.insertionAuc.median,
          })),
          msPerRecord: f.deletionInsertionMsPerRecord,
        }
      : null,
    faithfulnessNote: report.faithfulnessNote,
  };
}

type ReportMethod =
  | 'reports.start'
  | 'reports.status'
  | 'reports.cancel'
  | 'reports.latest'
  | 'reports.compareChoices'
  | 'reports.compareStart'
  | 'reports.compareStatus'
  | 'reports.compareCancel'
  | 'reports.compareLatest';

type Files = NonNullable<ReportTaskDto['result']>['files'];

/** A report or a comparison this session started; both read the open database and run on the app's pools. */
type Job = {
  title: string;
  /** Who started it (undefined: nobody named) and the database it read: only they see it again. */
  startedBy: string | undefined;
  dbPath: string;
  /** The studies whose labels it read. */
  studyIds: number[];
  /** Whose labels it holds: null = every rater's (a comparison always holds every rater's). */
  labelsOf: { id: string; name: string } | null;
  outDir: string;
  error: string | null;
} & (
  | { kind: 'report'; task: ReportTask<GeneratedReport>; result: ReportTaskDto['result'] }
  | { kind: 'comparison'; task: ReportTask<GeneratedComparison>; result: ComparisonTaskDto['result'] }
);

/** Jobs this app session started, by job id (ids count from 1 per session); at most one runs at a time. */
const sessions = new WeakMap<AppContext, Map<number, Job>>();

function jobsOf(ctx: AppContext): Map<number, Job> {
  let jobs = sessions.get(ctx);
  if (!jobs) sessions.set(ctx, (jobs = new Map()));
  return jobs;
}

const isRunning = (j: Job): boolean => j.result === null && j.error === null && j.task.progress.phase !== 'cancelled';

/** True while a report or comparison reads the open database (switching databases must wait for it). */
export function reportRunning(ctx: AppContext): boolean {
  return [...jobsOf(ctx).values()].some(isRunning);
}

function reportDto(jobId: number, j: Job & { kind: 'report' }): ReportTaskDto {
  return {
    jobId,
    study: j.title,
    labelsOf: j.labelsOf,
    running: isRunning(j),
    progress: j.task.progress,
    result: j.result,
    error: j.error,
  };
}

function comparisonDto(jobId: number, j: Job & { kind: 'comparison' }): ComparisonTaskDto {
  return { jobId, title: j.title, running: isRunning(j), progress: j.task.progress, result: j.result, error: j.error };
}

/**
 * A job is the business of whoever started it; one holding every rater's labels stays hidden from them too
 * once one of its studies is blinded (and they do not own it).
 */
function visibleTo(ctx: AppContext, j: Job, callerId: string | undefined): boolean {
  if (j.startedBy !== callerId) return false;
  if (j.labelsOf !== null) return true;
  if (j.dbPath !== ctx.dbPath) return false;
  try {
    return j.studyIds.every((id) => labelReadScope(appStore(ctx), id, callerId).kind === 'everyone');
  } catch {
    return false;
  }
}

/**
 * The studies of the open database whose labels the caller's jobs of `kind` read (the one job `jobId`, or all
 * of theirs for `latest`), for the label-access check in front of the handlers (labelAccess.ts).
 */
export function jobStudyIds(ctx: AppContext, kind: Job['kind'], callerId: string, jobId?: number): number[] {
  return [...jobsOf(ctx)]
    .filter(([id, j]) => j.kind === kind && j.startedBy === callerId && j.dbPath === ctx.dbPath && (jobId === undefined || id === jobId))
    .flatMap(([, j]) => j.studyIds);
}

function job<K extends Job['kind']>(ctx: AppContext, jobId: number, kind: K, callerId: string | undefined): Job & { kind: K } {
  const j = jobsOf(ctx).get(jobId);
  // another's job is answered as if it did not exist: its summary would tell their labels
  if (!j || j.kind !== kind || !visibleTo(ctx, j, callerId)) {
    throw new ApiError('not-found', `${kind} job ${jobId} was not started by you in this session`);
  }
  return j as Job & { kind: K };
}

function latest<K extends Job['kind']>(ctx: AppContext, kind: K, callerId: string | undefined): [number, Job & { kind: K }] | null {
  const mine = [...jobsOf(ctx)].filter(([, j]) => j.kind === kind && visibleTo(ctx, j, callerId));
  return (mine.at(-1) as [number, Job & { kind: K }] | undefined) ?? null;
}

/** Registers a started job and records its outcome when it ends. */
function track(ctx: AppContext, entry: Job): number {
  void (entry.task.done as Promise<GeneratedReport | GeneratedComparison | null>).then(
    (generated) => {
      if (!generated) return;
      const files: Files = generated.files.map((path) => ({ name: basename(path), path, bytes: statSync(path).size }));
      if (entry.kind === 'report')
        entry.result = { outDir: entry.outDir, files, summary: summarizeReport((generated as GeneratedReport).report) };
      else entry.result = { outDir: entry.outDir, files, summary: summarizeComparison((generated as GeneratedComparison).comparison) };
    },
    (err: unknown) => {
      entry.error = err instanceof Error ? err.message : String(err);
    },
  );
  const jobs = jobsOf(ctx);
  const jobId = jobs.size + 1;
  jobs.set(jobId, entry);
  return jobId;
}

function assertIdle(ctx: AppContext): void {
  if (reportRunning(ctx)) throw new ApiError('conflict', 'a report or comparison is already running; wait for it or cancel it first');
}

function studyNamed(ctx: AppContext, db: Db, name: string): Study {
  const study = findStudy(db, name);
  if (!study) throw new ApiError('not-found', `study "${name}" does not exist in ${ctx.dbPath}`);
  return study;
}

function assertRater(db: Db, raterId: string | undefined): void {
  if (raterId !== undefined && !listRaters(db).some((r) => r.id === raterId))
    throw new ApiError('not-found', `rater ${raterId} does not exist`);
}

export function summarizeComparison(c: Comparison): ComparisonSummaryDto {
  const side = (s: Comparison['a']): ComparisonSummaryDto['a'] => ({
    label: s.label,
    study: s.study,
    modelId: s.model?.id ?? null,
    records: s.records,
    raters: s.raters,
  });
  return {
    a: side(c.a),
    b: side(c.b),
    sharedRecords: c.sharedRecords,
    faithfulnessRecords: c.faithfulnessRecords,
    differences: c.differences.map((d) => ({
      metric: d.metric,
      figure: METRIC_WORDS[d.metric],
      records: d.records,
      meanA: d.meanA,
      meanB: d.meanB,
      difference: d.difference,
    })),
  };
}

export function reportsHandlers(ctx: AppContext): Handlers<ReportMethod> {
  return {
    'reports.start': (req) =>
      asApiErrors(() => {
        assertIdle(ctx);
        const db = appStore(ctx);
        const study = studyNamed(ctx, db, req.study);
        assertRater(db, req.raterId);
        const scope = labelReadScope(db, study.id, req.raterId);
        const onlyRater = scope.kind === 'own' ? scope.raterId : undefined;
        const now = new Date();
        const outDir = reportFolder(ctx, req.study, now);
        const task = startReport(db, {
          outDir,
          study: req.study,
          modelsDir: ctx.modelsDir,
          // the report's model runs go to the pool's batch lane, off the thread that answers API calls
          runner: (modelId) => appPool(ctx, modelId),
          onlyRater,
          settings: {
            faithfulness: req.faithfulness,
            includeIdentifiers: req.includeIdentifiers,
            bootstrapResamples: req.bootstrapResamples,
            faithfulnessMaxRecords: req.faithfulnessMaxRecords,
          },
          pdf: req.pdf ? (ctx.pdfRenderer ?? chromiumPdfRenderer()) : null,
          now: () => now,
        });
        const labelsOf =
          onlyRater === undefined
            ? null
            : { id: onlyRater, name: listRaters(db).find((r) => r.id === onlyRater)?.displayName ?? onlyRater };
        const entry: Job = {
          kind: 'report',
          title: req.study,
          startedBy: req.raterId,
          dbPath: ctx.dbPath,
          studyIds: [study.id],
          labelsOf,
          outDir,
          task,
          result: null,
          error: null,
        };
        return reportDto(track(ctx, entry), entry);
      }),

    'reports.status': async ({ jobId, raterId }) => reportDto(jobId, job(ctx, jobId, 'report', raterId)),

    'reports.cancel': async ({ jobId, raterId }) => {
      const j = job(ctx, jobId, 'report', raterId);
      if (!j.task.cancel() && isRunning(j)) throw new ApiError('conflict', 'too late to cancel: the report files are being written');
      return reportDto(jobId, j);
    },

    'reports.latest': async ({ raterId }) => {
      const found = latest(ctx, 'report', raterId);
      return found ? reportDto(...found) : null;
    },

    'reports.compareChoices': () =>
      asApiErrors(() => {
        const db = appStore(ctx);
        return {
          studies: listStudies(db).map((s) => ({
            name: s.name,
            records: s.records,
            models: studyModels(db, s.id).map((m) => ({ id: m.id, name: m.manifest.name, runs: m.runs })),
          })),
        };
      }),

    'reports.compareStart': (req) =>
      asApiErrors(() => {
        assertIdle(ctx);
        const db = appStore(ctx);
        const studies = [studyNamed(ctx, db, req.a.study), studyNamed(ctx, db, req.b.study)];
        assertRater(db, req.raterId);
        // a comparison holds every rater's labels of both studies: in a blinded study only its owner may
        for (const s of studies) {
          if (labelReadScope(db, s.id, req.raterId).kind !== 'everyone') {
            throw new ApiError(
              'unauthorized',
              `study "${s.name}" is blinded: only its owner can compare it, since a comparison holds every rater's labels`,
            );
          }
        }
        const now = new Date();
        const named = (s: typeof req.a): string => `${s.study}${s.modelId ? ` (${s.modelId})` : ''}`;
        const outDir = reportFolder(ctx, `compare-${req.a.study}-vs-${req.b.study}`, now);
        const task = startComparison(
          { db, label: 'A', study: req.a.study, modelId: req.a.modelId },
          { db, label: 'B', study: req.b.study, modelId: req.b.modelId },
          {
            outDir,
            modelsDir: ctx.modelsDir,
            runner: (modelId) => appPool(ctx, modelId),
            faithfulness: req.faithfulness,
            settings: { bootstrapResamples: req.bootstrapResamples, faithfulnessMaxRecords: req.faithfulnessMaxRecords },
            pdf: req.pdf ? (ctx.pdfRenderer ?? chromiumPdfRenderer()) : null,
            now: () => now,
          },
        );
        const entry: Job = {
          kind: 'comparison',
          title: `${named(req.a)} vs ${named(req.b)}`,
          startedBy: req.raterId,
          dbPath: ctx.dbPath,
          studyIds: studies.map((s) => s.id),
          labelsOf: null,
          outDir,
          task,
          result: null,
          error: null,
        };
        return comparisonDto(track(ctx, entry), entry);
      }),

    'reports.compareStatus': async ({ jobId, raterId }) => comparisonDto(jobId, job(ctx, jobId, 'comparison', raterId)),

    'reports.compareCancel': async ({ jobId, raterId }) => {
      const j = job(ctx, jobId, 'comparison', raterId);
      if (!j.task.cancel() && isRunning(j)) throw new ApiError('conflict', 'too late to cancel: the comparison files are being written');
      return comparisonDto(jobId, j);
    },

    'reports.compareLatest': async ({ raterId }) => {
      const found = latest(ctx, 'comparison', raterId);
      return found ? comparisonDto(...found) : null;
    },
  };
}
