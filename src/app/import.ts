import {
  errorReportCsv,
  ImportInputError,
  problemsCsv,
  type ImportProgress,
  type ImportSummary,
  type ImportTask,
  startImport,
} from '../core/import/index.ts';
import { DEFAULT_MODEL_ID, listModels } from '../core/inference/modelFolder.ts';
import type { InferencePool } from '../core/inference/pool.ts';
import { fileOutcomes, getImportJob, getStudy, listImportJobs, outcomeCounts } from '../core/store/index.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { ImportJobDto, ImportTaskDto } from '../shared/api/import.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appPool } from './inference.ts';
import { appStore, asApiErrors } from './records.ts';

type ImportMethod = 'import.models' | 'import.start' | 'import.status' | 'import.control' | 'import.jobs' | 'import.problems';

interface Running {
  task: ImportTask;
  summary: ImportSummary | null;
  error: string | null;
}

/** Imports this app session started, by job id; at most one runs at a time. */
const sessions = new WeakMap<AppContext, Map<number, Running>>();

function tasksOf(ctx: AppContext): Map<number, Running> {
  let tasks = sessions.get(ctx);
  if (!tasks) sessions.set(ctx, (tasks = new Map()));
  return tasks;
}

/** True while an import writes to the open database (switching databases must wait for it). */
export function importRunning(ctx: AppContext): boolean {
  return [...tasksOf(ctx).values()].some((r) => r.summary === null && r.error === null);
}

/** True while an import of this session adds records to the study (the worklist says "importing"). */
export function importingInto(ctx: AppContext, studyId: number): boolean {
  for (const [jobId, r] of tasksOf(ctx)) {
    if (r.summary === null && r.error === null && getImportJob(appStore(ctx), jobId).studyId === studyId) return true;
  }
  return false;
}

function dto(jobId: number, r: Running): ImportTaskDto {
  return { jobId, running: r.summary === null && r.error === null, progress: r.task.progress, summary: r.summary, error: r.error };
}

function running(ctx: AppContext, jobId: number): Running {
  const r = tasksOf(ctx).get(jobId);
  if (!r) throw new ApiError('not-found', `import job ${jobId} was not started in this session`);
  return r;
}

export function importHandlers(ctx: AppContext): Handlers<ImportMethod> {
  return {
    'import.models': async () =>
      listModels(ctx.modelsDir)
        .filter((m) => m.manifest)
        .map((m) => ({
          id: m.id,
          name: m.manifest!.name,
          classes: m.manifest!.classes.map((c) => c.code),
          isDefault: m.id === DEFAULT_MODEL_ID,
        })),

    'import.start': ({ inputs, study, modelId, keepIdentifiers }) =>
      asApiErrors(async () => {
        if (importRunning(ctx)) throw new ApiError('conflict', 'an import is already running; pause or cancel it first');
        const db = appStore(ctx);
        // the app's long-lived pool: its priority lane keeps serving the viewer while the batch lane imports
        let pool: InferencePool;
        try {
          pool = await appPool(ctx, modelId);
        } catch (err) {
          throw new ApiError('not-found', `model ${modelId}: ${(err as Error).message}`);
        }
        let announce!: (jobId: number) => void;
        const jobKnown = new Promise<number>((resolve) => (announce = resolve));
        const task = startImport(db, {
          inputs,
          study,
          keepIdentifiers,
          fileWorkerFile: ctx.importFileWorkerFile,
          model: { manifest: pool.model.manifest, predictBatch: (records, options) => pool.predictBatch(records, options) },
          onProgress: (p: ImportProgress) => {
            if (p.jobId !== null) announce(p.jobId);
          },
        });
        const entry: Running = { task, summary: null, error: null };
        void task.done.then(
          (summary) => {
            entry.summary = summary;
          },
          (err: unknown) => {
            entry.error = err instanceof Error ? err.message : String(err);
          },
        );
        // the job id exists once the inputs are listed; an input that does not exist fails before that
        const jobId = await Promise.race([jobKnown, task.done.then((s) => s.jobId)]).catch((err: unknown) => {
          if (err instanceof ImportInputError) throw new ApiError('bad-request', err.message);
          throw err;
        });
        tasksOf(ctx).set(jobId, entry);
        return dto(jobId, entry);
      }),

    'import.status': async ({ jobId }) => dto(jobId, running(ctx, jobId)),

    'import.control': async ({ jobId, action }) => {
      const r = running(ctx, jobId);
      if (action === 'pause') r.task.pause();
      else if (action === 'resume') r.task.resume();
      else r.task.cancel();
      return dto(jobId, r);
    },

    'import.jobs': () =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const live = tasksOf(ctx);
        return listImportJobs(db)
          .reverse()
          .map((j): ImportJobDto => {
            const counts = outcomeCounts(db, j.id);
            const active = live.get(j.id);
            const isLive = active !== undefined && active.summary === null && active.error === null;
            return {
              jobId: j.id,
              study: getStudy(db, j.studyId).name,
              modelId: j.modelId,
              inputs: j.inputs,
              keepIdentifiers: j.keepIdentifiers,
              status: j.status === 'running' && !isLive ? 'interrupted' : j.status,
              createdAt: j.createdAt,
              finishedAt: j.finishedAt,
              filesTotal: j.totalFiles,
              imported: counts.imported,
              duplicates: counts.duplicate,
              partOfRecord: counts['part-of-record'],
              skipped: counts.skipped,
              failed: counts.failed,
            };
          });
      }),

    'import.problems': ({ jobId }) =>
      asApiErrors(() => {
        // an import that found nothing took its study and job back: its report lives on in this session
        const taken = tasksOf(ctx).get(jobId)?.summary?.nothingImported;
        if (taken?.studyRemoved) {
          const rows = taken.problems.map((r) => ({ file: r.path, outcome: r.outcome as 'failed' | 'skipped', problem: r.reason }));
          return { rows, csv: problemsCsv(taken.problems) };
        }
        const db = appStore(ctx);
        getImportJob(db, jobId);
        const rows = fileOutcomes(db, jobId)
          .filter((r) => r.outcome === 'failed' || r.outcome === 'skipped')
          .map((r) => ({ file: r.path, outcome: r.outcome as 'failed' | 'skipped', problem: r.reason }));
        return { rows, csv: errorReportCsv(db, jobId) };
      }),
  };
}
