import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Report } from '../core/report/build.ts';
import { type ReportTask, startReport } from '../core/report/job.ts';
import { chromiumPdfRenderer } from '../core/report/pdf.ts';
import { findStudy, listRaters } from '../core/store/index.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { ReportSummaryDto, ReportTaskDto } from '../shared/api/reports.ts';
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

type ReportMethod = 'reports.start' | 'reports.status' | 'reports.cancel' | 'reports.latest';

interface Job {
  study: string;
  /** Who started it (undefined: nobody named) and the database it read: only they see it again. */
  startedBy: string | undefined;
  dbPath: string;
  studyId: number;
  /** Whose labels it holds: null = every rater's. */
  labelsOf: { id: string; name: string } | null;
  outDir: string;
  task: ReportTask;
  result: ReportTaskDto['result'];
  error: string | null;
}

/** Reports this app session started, by job id (ids count from 1 per session); at most one runs at a time. */
const sessions = new WeakMap<AppContext, Map<number, Job>>();

function jobsOf(ctx: AppContext): Map<number, Job> {
  let jobs = sessions.get(ctx);
  if (!jobs) sessions.set(ctx, (jobs = new Map()));
  return jobs;
}

const isRunning = (j: Job): boolean => j.result === null && j.error === null && j.task.progress.phase !== 'cancelled';

/** True while a report reads the open database (switching databases must wait for it). */
export function reportRunning(ctx: AppContext): boolean {
  return [...jobsOf(ctx).values()].some(isRunning);
}

function dto(jobId: number, j: Job): ReportTaskDto {
  return {
    jobId,
    study: j.study,
    labelsOf: j.labelsOf,
    running: isRunning(j),
    progress: j.task.progress,
    result: j.result,
    error: j.error,
  };
}

/**
 * A report is the business of whoever started it; one holding every rater's labels stays hidden from them too
 * once its study is blinded (and they do not own it).
 */
function visibleTo(ctx: AppContext, j: Job, callerId: string | undefined): boolean {
  if (j.startedBy !== callerId) return false;
  if (j.labelsOf !== null) return true;
  if (j.dbPath !== ctx.dbPath) return false;
  try {
    return labelReadScope(appStore(ctx), j.studyId, callerId).kind === 'everyone';
  } catch {
    return false;
  }
}

function job(ctx: AppContext, jobId: number, callerId: string | undefined): Job {
  const j = jobsOf(ctx).get(jobId);
  // another's report is answered as if it did not exist: its summary would tell their labels
  if (!j || !visibleTo(ctx, j, callerId)) throw new ApiError('not-found', `report job ${jobId} was not started by you in this session`);
  return j;
}

export function reportsHandlers(ctx: AppContext): Handlers<ReportMethod> {
  return {
    'reports.start': (req) =>
      asApiErrors(() => {
        if (reportRunning(ctx)) throw new ApiError('conflict', 'a report is already running; wait for it or cancel it first');
        const db = appStore(ctx);
        const study = findStudy(db, req.study);
        if (!study) throw new ApiError('not-found', `study "${req.study}" does not exist in ${ctx.dbPath}`);
        if (req.raterId !== undefined && !listRaters(db).some((r) => r.id === req.raterId)) {
          throw new ApiError('not-found', `rater ${req.raterId} does not exist`);
        }
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
          study: req.study,
          startedBy: req.raterId,
          dbPath: ctx.dbPath,
          studyId: study.id,
          labelsOf,
          outDir,
          task,
          result: null,
          error: null,
        };
        void task.done.then(
          (generated) => {
            if (!generated) return;
            entry.result = {
              outDir,
              files: generated.files.map((path) => ({ name: basename(path), path, bytes: statSync(path).size })),
              summary: summarizeReport(generated.report),
            };
          },
          (err: unknown) => {
            entry.error = err instanceof Error ? err.message : String(err);
          },
        );
        const jobs = jobsOf(ctx);
        const jobId = jobs.size + 1;
        jobs.set(jobId, entry);
        return dto(jobId, entry);
      }),

    'reports.status': async ({ jobId, raterId }) => dto(jobId, job(ctx, jobId, raterId)),

    'reports.cancel': async ({ jobId, raterId }) => {
      const j = job(ctx, jobId, raterId);
      if (!j.task.cancel() && isRunning(j)) throw new ApiError('conflict', 'too late to cancel: the report files are being written');
      return dto(jobId, j);
    },

    'reports.latest': async ({ raterId }) => {
      const mine = [...jobsOf(ctx)].filter(([, j]) => visibleTo(ctx, j, raterId));
      const last = mine.at(-1);
      return last ? dto(last[0], last[1]) : null;
    },
  };
}
