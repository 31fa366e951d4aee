/**
 * The package manifest: one JSON settings row saying what the file is, what it was made from, and (in its own
 * row) the content hash that lets every reader detect an edited or truncated file.
 */
import { z } from 'zod';
import { type Db, getSetting, PACKAGE_MANIFEST_KEY, SCHEMA_VERSION, setSetting } from '../store/index.ts';
import { checkBlobs } from './blobs.ts';
import { CONTENT_HASH_KEY, contentHash, LABELS_PACKAGE_TABLES, STUDY_PACKAGE_TABLES } from './contentHash.ts';
import { PackageError } from './errors.ts';

export const PACKAGE_FORMAT = 'ecg-audit-package';
export const PACKAGE_FORMAT_VERSION = 1;
export const MANIFEST_KEY = PACKAGE_MANIFEST_KEY;
export const PACKAGE_EXTENSION = '.ecgaudit';

const modelRefSchema = z.object({ id: z.string(), manifestSha256: z.string() });
const recordRefSchema = z.object({ pseudonym: z.string(), contentSha256: z.string() });

export const blindingSchema = z.object({
  /** The viewer shows no model probabilities while this package is the open database. */
  hideProbabilities: z.boolean(),
  /** Worklist order was shuffled with `seed` (record ids follow the shuffled order). */
  randomiseOrder: z.boolean(),
  seed: z.number().int().nullable(),
});
export type Blinding = z.infer<typeof blindingSchema>;

export const packageManifestSchema = z.object({
  format: z.literal(PACKAGE_FORMAT),
  formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
  kind: z.enum(['study', 'labels']),
  schemaVersion: z.number().int(),
  createdAt: z.string(),
  appVersion: z.string(),
  study: z.object({ name: z.string(), pseudonymPrefix: z.string() }),
  /** Every model with a run in the package, with the sha256 of its manifest. */
  models: z.array(modelRefSchema),
  /** Every record, in worklist order, with its signal hash (the store's content_sha256). */
  records: z.array(recordRefSchema),
  /** Study packages only. */
  blinding: blindingSchema.nullable(),
  /** Labels packages: the study package the labels were made in, when known (null: labelled in a full database). */
  madeAgainstPackage: z.string().nullable(),
  /** Labels packages: the raters whose labels it carries. */
  raterIds: z.array(z.string()),
});
export type PackageManifest = z.infer<typeof packageManifestSchema>;
export type PackageKind = PackageManifest['kind'];

export function tablesOf(kind: PackageKind) {
  return kind === 'study' ? STUDY_PACKAGE_TABLES : LABELS_PACKAGE_TABLES;
}

/** Writes the manifest and then the hash over everything, the manifest included. */
export function sealPackage(db: Db, manifest: PackageManifest): string {
  setSetting(db, MANIFEST_KEY, JSON.stringify(manifest));
  const sha = contentHash(db, tablesOf(manifest.kind));
  setSetting(db, CONTENT_HASH_KEY, sha);
  return sha;
}

/** The manifest of a database, or null when it is not a package (an ordinary audit database). */
export function readManifest(db: Db, path: string): PackageManifest | null {
  const text = getSetting(db, MANIFEST_KEY);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PackageError('corrupt', `${path}: the package manifest is not valid JSON`);
  }
  const parsed = packageManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PackageError('corrupt', `${path}: the package manifest is invalid (${issue.path.join('.') || 'manifest'}: ${issue.message})`);
  }
  if (parsed.data.schemaVersion !== SCHEMA_VERSION) {
    throw new PackageError(
      'invalid',
      `${path}: package made with store schema ${parsed.data.schemaVersion}, this app uses ${SCHEMA_VERSION}`,
    );
  }
  return parsed.data;
}

/** Checks the stored hash against the content, and that every blob inflates to its declared length; returns the manifest and the hash. */
export function verifyPackage(db: Db, path: string): { manifest: PackageManifest; sha256: string } {
  const manifest = readManifest(db, path);
  if (!manifest)
    throw new PackageError('not-a-package', `${path}: not an audit package (an SQLite audit database without a package manifest)`);
  const stored = getSetting(db, CONTENT_HASH_KEY);
  if (stored === null) throw new PackageError('tampered', `${path}: the package has no content hash`);
  const actual = contentHash(db, tablesOf(manifest.kind));
  if (actual !== stored) {
    throw new PackageError(
      'tampered',
      `${path}: package content does not match its hash (stored ${stored.slice(0, 12)}…, computed ${actual.slice(0, 12)}…): it was edited or damaged after export`,
    );
  }
  checkBlobs(db, path);
  return { manifest, sha256: stored };
}
