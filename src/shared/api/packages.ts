import { z } from 'zod';
import { endpoint } from './contract.ts';

const path = z.string().trim().min(1).max(4096);

const modelRef = z.object({ id: z.string(), manifestSha256: z.string() });

/** A package file just written or opened. */
const packageSummary = z.object({
  path: z.string(),
  kind: z.enum(['study', 'labels']),
  sha256: z.string(),
  studyName: z.string(),
  records: z.number().int(),
  models: z.array(modelRef),
  labels: z.number().int(),
  raters: z.number().int(),
  bytes: z.number().int(),
});
export type PackageSummaryDto = z.infer<typeof packageSummary>;

const blinding = z.object({ hideProbabilities: z.boolean(), randomiseOrder: z.boolean(), seed: z.number().int().nullable() });

/** The open database, and its package manifest when it is a study package a rater labels in. */
const openDatabase = z.object({
  dbPath: z.string(),
  package: z
    .object({
      sha256: z.string(),
      studyName: z.string(),
      records: z.number().int(),
      models: z.array(modelRef),
      blinding: blinding.nullable(),
    })
    .nullable(),
});
export type OpenDatabaseDto = z.infer<typeof openDatabase>;

const mergeSummary = z.object({
  target: z.string(),
  studyName: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      sha256: z.string(),
      kind: z.enum(['study', 'labels']),
      labels: z.number().int(),
      raters: z.number().int(),
    }),
  ),
  labelsAdded: z.number().int(),
  labelsAlreadyPresent: z.number().int(),
  ratersAdded: z.number().int(),
  /** Inputs that brought no labels, one line each. */
  warnings: z.array(z.string()),
});
export type MergeSummaryDto = z.infer<typeof mergeSummary>;

export const packagesApi = {
  'packages.current': endpoint(z.object({}).strict(), openDatabase),
  /**
   * Makes a study package the open database (the rater labels in it). With `raterId`, that rater of the
   * database open now is carried into the package, so a person keeps one rater id across databases.
   */
  'packages.open': endpoint(z.object({ path, raterId: z.string().min(1).optional() }).strict(), openDatabase),
  'packages.exportStudy': endpoint(
    z
      .object({
        studyName: z.string().min(1),
        out: path,
        hideProbabilities: z.boolean().default(false),
        randomiseOrder: z.boolean().default(false),
        seed: z.number().int().nonnegative().optional(),
      })
      .strict(),
    packageSummary,
  ),
  /**
   * Writes a labels package: the caller's (`raterId`) own labels, or with `everyone` every rater's, which only
   * the study's owner may where the study is blinded (else `unauthorized`).
   */
  'packages.exportLabels': endpoint(
    z
      .object({ studyName: z.string().min(1), out: path, raterId: z.string().min(1).optional(), everyone: z.boolean().default(false) })
      .strict()
      .refine((r) => r.everyone || r.raterId !== undefined, { message: 'name the rater whose labels to export, or ask for everyone' }),
    packageSummary,
  ),
  /** Imports a study package into the open database, with any labels it carries. */
  'packages.import': endpoint(
    z.object({ path }).strict(),
    z.object({
      package: packageSummary,
      recordsAdded: z.number().int(),
      recordsAlreadyPresent: z.number().int(),
      runsAdded: z.number().int(),
      labels: mergeSummary,
    }),
  ),
  /** Merges labels packages into the open database: all or nothing, and merging again changes nothing. */
  'packages.merge': endpoint(z.object({ paths: z.array(path).min(1).max(100) }).strict(), mergeSummary),
};
