/**
 * Merging label histories from packages into a database. Labels keep their ids, raters, timestamps and
 * supersedes links, so merging is a set union: idempotent and independent of order. Everything is checked
 * before anything is written, and the writes are one transaction: a refused merge changes nothing.
 */
import { type Db, findStudy, keyFingerprint, labelSignatureValid, listRaters } from '../store/index.ts';
import { PackageError } from './errors.ts';
import { assertSingleFile, withReadonly } from './file.ts';
import { type PackageManifest, verifyPackage } from './manifest.ts';
import { type PortableLabel, type PortableRater, portableLabels, portableRaters, regionKeyText } from './portable.ts';

export interface PackageLabels {
  path: string;
  sha256: string;
  manifest: PackageManifest;
  labels: PortableLabel[];
  raters: PortableRater[];
}

/** Verifies a study or labels package and reads the labels it carries. */
export function readPackageLabels(path: string): PackageLabels {
  assertSingleFile(path);
  return withReadonly(path, (db) => {
    const { manifest, sha256 } = verifyPackage(db, path);
    const study = findStudy(db, manifest.study.name);
    if (!study) throw new PackageError('corrupt', `${path}: the package has no study ${JSON.stringify(manifest.study.name)}`);
    const labels = portableLabels(db, study.id);
    return { path, sha256, manifest, labels, raters: portableRaters(db, labels) };
  });
}

export interface MergedFile {
  path: string;
  sha256: string;
  kind: PackageManifest['kind'];
  labels: number;
  raters: number;
}

export interface MergeSummary {
  target: string;
  studyName: string;
  files: MergedFile[];
  /** Labels written now; 0 when every label was already present (a repeated merge). */
  labelsAdded: number;
  labelsAlreadyPresent: number;
  ratersAdded: number;
  /** One line per input that brought no labels: merging it did nothing, which is rarely what was meant. */
  warnings: string[];
}

const sameLabel = (a: PortableLabel, b: PortableLabel): boolean => JSON.stringify(a) === JSON.stringify(b);

interface TargetIndex {
  studyId: number;
  recordIds: Map<string, number>;
  regionIds: Map<string, number>;
  labels: Map<string, PortableLabel>;
  raters: Map<string, PortableRater>;
}

function indexTarget(db: Db, targetPath: string, studyName: string): TargetIndex {
  const study = findStudy(db, studyName);
  if (!study) {
    throw new PackageError('mismatch', `${targetPath}: has no study ${JSON.stringify(studyName)}; import the study package into it first`);
  }
  const recordIds = new Map(
    (db.prepare('SELECT id, content_sha256 FROM records WHERE study_id = ?').all(study.id) as { id: number; content_sha256: string }[]).map(
      (r) => [r.content_sha256, r.id],
    ),
  );
  const regionRows = db
    .prepare(
      `SELECT g.id, r.content_sha256, run.model_id, g.class_name, g.lead, g.start_sample, g.end_sample, g.rank
       FROM evidence_regions g JOIN runs run ON run.id = g.run_id JOIN records r ON r.id = run.record_id WHERE r.study_id = ?`,
    )
    .all(study.id) as {
    id: number;
    content_sha256: string;
    model_id: string;
    class_name: string;
    lead: string;
    start_sample: number;
    end_sample: number;
    rank: number;
  }[];
  const regionIds = new Map(
    regionRows.map((g) => [
      regionKeyText(g.content_sha256, {
        modelId: g.model_id,
        className: g.class_name,
        lead: g.lead,
        startSample: g.start_sample,
        endSample: g.end_sample,
        rank: g.rank,
      }),
      g.id,
    ]),
  );
  const labels = new Map(portableLabels(db, study.id).map((l) => [l.id, l]));
  const raters = new Map(listRaters(db).map((r) => [r.id, r]));
  return { studyId: study.id, recordIds, regionIds, labels, raters };
}

/** Refuses a package made against another model or other records than the target's study holds. */
function checkMadeAgainstTarget(db: Db, targetPath: string, target: TargetIndex, input: PackageLabels): void {
  const modelSha = db.prepare('SELECT manifest_sha256 AS s FROM models WHERE id = ?');
  for (const m of input.manifest.models) {
    const row = modelSha.get(m.id) as { s: string } | undefined;
    if (!row)
      throw new PackageError('mismatch', `${input.path}: labels were made against model ${m.id}, which ${targetPath} does not have`);
    if (row.s !== m.manifestSha256) {
      throw new PackageError(
        'mismatch',
        `${input.path}: labels were made against model ${m.id} with manifest sha256 ${m.manifestSha256.slice(0, 12)}…, but ${targetPath} has ${row.s.slice(0, 12)}… (a different model under the same id)`,
      );
    }
  }
  const missing = input.manifest.records.filter((r) => !target.recordIds.has(r.contentSha256));
  if (missing.length > 0) {
    throw new PackageError(
      'mismatch',
      `${input.path}: ${missing.length} of its ${input.manifest.records.length} records (e.g. ${missing[0]!.pseudonym}, signal sha256 ${missing[0]!.contentSha256.slice(0, 12)}…) are not in study ${JSON.stringify(input.manifest.study.name)} of ${targetPath}: the labels were made against different records`,
    );
  }
}

/**
 * Merges the labels of `inputs` (study packages a rater labelled in, or labels packages) into `db`.
 * Refuses, writing nothing, when any input is damaged or edited, was made against another model or other
 * records, or disagrees with the target or another input about a label or rater with the same id.
 */
export function mergeLabelPackages(db: Db, targetPath: string, inputs: readonly string[]): MergeSummary {
  if (inputs.length === 0) throw new PackageError('invalid', 'nothing to merge: name at least one package');
  const read = inputs.map(readPackageLabels);
  const studyName = read[0]!.manifest.study.name;
  for (const p of read) {
    if (p.manifest.study.name !== studyName) {
      throw new PackageError(
        'mismatch',
        `${p.path}: is for study ${JSON.stringify(p.manifest.study.name)}, ${read[0]!.path} for ${JSON.stringify(studyName)}; merge one study at a time`,
      );
    }
  }
  return db
    .transaction(() => {
      const target = indexTarget(db, targetPath, studyName);
      for (const p of read) checkMadeAgainstTarget(db, targetPath, target, p);

      const incomingRaters = new Map<string, { rater: PortableRater; path: string }>();
      const incoming = new Map<string, { label: PortableLabel; path: string }>();
      // The key a rater's labels must be signed with: the target's, else the first package's that names it.
      const keys = new Map<string, { publicKey: string; path: string }>();
      for (const r of target.raters.values()) if (r.publicKey !== null) keys.set(r.id, { publicKey: r.publicKey, path: targetPath });
      for (const p of read) {
        for (const r of p.raters) {
          const seen =
            incomingRaters.get(r.id) ?? (target.raters.has(r.id) ? { rater: target.raters.get(r.id)!, path: targetPath } : undefined);
          if (seen && (seen.rater.displayName !== r.displayName || seen.rater.createdAt !== r.createdAt)) {
            throw new PackageError(
              'conflict',
              `${p.path}: rater ${r.id} is ${JSON.stringify(r.displayName)} here but ${JSON.stringify(seen.rater.displayName)} in ${seen.path}`,
            );
          }
          const known = keys.get(r.id);
          if (known && r.publicKey !== null && r.publicKey !== known.publicKey) {
            throw new PackageError(
              'forged',
              `${p.path}: rater ${JSON.stringify(r.displayName)} (${r.id}) comes with public key ${keyFingerprint(r.publicKey)}, but ${known.path} knows them by key ${keyFingerprint(known.publicKey)}: a rater's key never changes, so this package was not made with that rater's key`,
            );
          }
          if (!known && r.publicKey !== null) keys.set(r.id, { publicKey: r.publicKey, path: p.path });
          incomingRaters.set(r.id, { rater: r, path: p.path });
        }
        for (const l of p.labels) {
          const seen = incoming.get(l.id) ?? (target.labels.has(l.id) ? { label: target.labels.get(l.id)!, path: targetPath } : undefined);
          if (seen && !sameLabel(seen.label, l)) {
            throw new PackageError(
              'conflict',
              `${p.path}: label ${l.id} differs from the label with the same id in ${seen.path} (labels are append-only; one of them was edited)`,
            );
          }
          incoming.set(l.id, { label: l, path: p.path });
        }
      }

      const fresh = [...incoming.values()].filter(({ label }) => !target.labels.has(label.id));
      for (const { label: l, path } of fresh) {
        const key = keys.get(l.raterId);
        if (!key || !labelSignatureValid(key.publicKey, l, l.signature)) {
          const name = incomingRaters.get(l.raterId)?.rater.displayName ?? l.raterId;
          throw new PackageError(
            'forged',
            `${path}: label ${l.id} is in the name of rater ${JSON.stringify(name)} (${l.raterId}) but ${key ? `not signed by that rater's key ${keyFingerprint(key.publicKey)}` : 'carries no key to check it by'}: labels in a rater's name are made, and signed, on that rater's own installation`,
          );
        }
      }
      const all = new Map([...target.labels, ...[...incoming].map(([id, v]) => [id, v.label] as const)]);
      const supersededBy = new Map<string, string>();
      for (const l of all.values()) {
        if (l.supersedes === null) continue;
        const other = supersededBy.get(l.supersedes);
        if (other !== undefined && other !== l.id) {
          throw new PackageError(
            'conflict',
            `labels ${other} and ${l.id} both supersede label ${l.supersedes}: two diverging histories of the same rater`,
          );
        }
        supersededBy.set(l.supersedes, l.id);
      }
      for (const { label: l, path } of fresh) {
        if (l.supersedes === null) continue;
        const prev = all.get(l.supersedes);
        if (!prev)
          throw new PackageError(
            'invalid',
            `${path}: label ${l.id} supersedes ${l.supersedes}, which is neither in the package nor in ${targetPath} (incomplete history)`,
          );
        if (prev.raterId !== l.raterId || prev.recordSha256 !== l.recordSha256 || prev.targetKey !== l.targetKey) {
          throw new PackageError('invalid', `${path}: label ${l.id} supersedes ${l.supersedes}, a label of another rater or target`);
        }
      }

      let ratersAdded = 0;
      const insertRater = db.prepare('INSERT INTO raters (id, display_name, created_at, public_key) VALUES (?, ?, ?, ?)');
      // a rater the target knew from before signing learns their key once
      const learnKey = db.prepare('UPDATE raters SET public_key = ? WHERE id = ? AND public_key IS NULL');
      for (const { rater } of incomingRaters.values()) {
        const publicKey = keys.get(rater.id)?.publicKey ?? null;
        if (target.raters.has(rater.id)) {
          if (publicKey !== null) learnKey.run(publicKey, rater.id);
          continue;
        }
        insertRater.run(rater.id, rater.displayName, rater.createdAt, publicKey);
        ratersAdded++;
      }
      // Supersedes may point at a label inserted later in this loop; the foreign key is checked at commit.
      db.pragma('defer_foreign_keys = ON');
      const insertLabel = db.prepare(
        `INSERT INTO labels (id, rater_id, created_at, record_id, target_kind, target_key, region_id, class_name, lead,
           start_sample, end_sample, value, reasons, note, scale, supersedes, signature)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const { label: l, path } of fresh) {
        const recordId = target.recordIds.get(l.recordSha256)!;
        let regionId: number | null = null;
        if (l.region) {
          const key = regionKeyText(l.recordSha256, l.region);
          regionId = target.regionIds.get(key) ?? null;
          if (regionId === null) {
            throw new PackageError(
              'mismatch',
              `${path}: label ${l.id} is on evidence region ${l.region.className}/${l.region.lead} ${l.region.startSample}-${l.region.endSample} of model ${l.region.modelId}, which ${targetPath} does not have (different runs)`,
            );
          }
        }
        insertLabel.run(
          l.id,
          l.raterId,
          l.createdAt,
          recordId,
          l.targetKind,
          regionId === null ? l.targetKey : `region:${regionId}`,
          regionId,
          l.className,
          l.lead,
          l.startSample,
          l.endSample,
          l.value,
          l.reasons,
          l.note,
          l.scale,
          l.supersedes,
          l.signature,
        );
      }
      return {
        target: targetPath,
        studyName,
        files: read.map((p) => ({
          path: p.path,
          sha256: p.sha256,
          kind: p.manifest.kind,
          labels: p.labels.length,
          raters: p.raters.length,
        })),
        labelsAdded: fresh.length,
        labelsAlreadyPresent: incoming.size - fresh.length,
        ratersAdded,
        warnings: read
          .filter((p) => p.labels.length === 0)
          .map(
            (p) =>
              `${p.path}: brings no labels (${p.manifest.kind === 'study' ? 'a study package nobody labelled in' : 'a labels package exported before any labelling'}); check that the rater sent the right file`,
          ),
      };
    })
    .immediate();
}
