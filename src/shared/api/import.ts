import { z } from 'zod';
import { endpoint } from './contract.ts';

const path = z.string().trim().min(1).max(4096);
const count = z.number().int().nonnegative();

export const importPhases = ['listing', 'classifying', 'importing', 'paused', 'finishing', 'completed', 'cancelled'] as const;

const progress = z.object({
  jobId: z.number().int().nullable(),
  phase: z.enum(importPhases),
  filesDone: count,
  filesTotal: count,
  imported: count,
  duplicates: count,
  skipped: count,
  failed: count,
  ratePerS: z.number().nonnegative(),
  etaS: z.number().nonnegative().nullable(),
  currentFile: z.string().nullable(),
});
export type ImportProgressDto = z.infer<typeof progress>;

const summary = z.object({
  jobId: z.number().int(),
  studyId: z.number().int(),
  study: z.string(),
  modelId: z.string().nullable(),
  resumed: z.boolean(),
  status: z.enum(['completed', 'cancelled']),
  filesTotal: count,
  imported: count,
  duplicates: count,
  partOfRecord: count,
  skipped: count,
  failed: z.array(z.object({ file: z.string(), error: z.string() })),
  elapsedS: z.number().nonnegative(),
  /**
   * A completed import that stored no record: why, naming the inputs, and whether the study it created was taken
   * back (with its job; `import.problems` still answers for it in this app session).
   */
  nothingImported: z.object({ message: z.string(), studyRemoved: z.boolean() }).nullable(),
});
export type ImportSummaryDto = z.infer<typeof summary>;

/** An import this app session started: live progress, then its summary (or why it could not run). */
const task = z.object({
  jobId: z.number().int(),
  running: z.boolean(),
  progress,
  summary: summary.nullable(),
  error: z.string().nullable(),
});
export type ImportTaskDto = z.infer<typeof task>;

/** A job as the database remembers it; `interrupted` = left running by a process that ended (resumable). */
const job = z.object({
  jobId: z.number().int(),
  study: z.string(),
  modelId: z.string().nullable(),
  inputs: z.array(z.string()),
  keepIdentifiers: z.boolean(),
  status: z.enum(['running', 'interrupted', 'cancelled', 'completed']),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  filesTotal: count.nullable(),
  imported: count,
  duplicates: count,
  partOfRecord: count,
  skipped: count,
  failed: count,
});
export type ImportJobDto = z.infer<typeof job>;

const model = z.object({ id: z.string(), name: z.string(), classes: z.array(z.string()), isDefault: z.boolean() });
export type ImportModelDto = z.infer<typeof model>;

export const importApi = {
  /** Models installed in the app's models folder, for the import's model choice. */
  'import.models': endpoint(z.object({}).strict(), z.array(model)),
  /**
   * Starts importing files and folders (recursively) into a study; the same inputs, study, model and
   * identifier choice as an unfinished job resume that job. One import runs at a time.
   */
  'import.start': endpoint(
    z
      .object({
        inputs: z.array(path).min(1).max(10_000),
        study: z.string().trim().min(1).max(200),
        modelId: z.string().min(1),
        keepIdentifiers: z.boolean().default(false),
      })
      .strict(),
    task,
  ),
  'import.status': endpoint(z.object({ jobId: z.number().int() }).strict(), task),
  /** Pause and cancel take effect after the records in flight are stored; a cancelled job can be resumed. */
  'import.control': endpoint(z.object({ jobId: z.number().int(), action: z.enum(['pause', 'resume', 'cancel']) }).strict(), task),
  'import.jobs': endpoint(z.object({}).strict(), z.array(job)),
  /** The files of a job that were skipped or failed, with the problem, and the same as CSV for saving. */
  'import.problems': endpoint(
    z.object({ jobId: z.number().int() }).strict(),
    z.object({
      rows: z.array(z.object({ file: z.string(), outcome: z.enum(['skipped', 'failed']), problem: z.string() })),
      csv: z.string(),
    }),
  ),
};
