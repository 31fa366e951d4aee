export { PackageError, type PackageProblem } from './errors.ts';
export { contentHash, CONTENT_HASH_KEY, CONTENT_HASH_VERSION } from './contentHash.ts';
export {
  type Blinding,
  MANIFEST_KEY,
  PACKAGE_EXTENSION,
  type PackageKind,
  type PackageManifest,
  readManifest,
  verifyPackage,
} from './manifest.ts';
export { exportStudyPackage, type PackageSummary, type StudyExportOptions } from './exportStudy.ts';
export { exportLabelsPackage, type LabelsExportOptions } from './exportLabels.ts';
export { importStudyPackage, type ImportSummary } from './importStudy.ts';
export { type MergeSummary, mergeLabelPackages, readPackageLabels } from './merge.ts';
export { type PortableLabel, type PortableRater, portableLabels } from './portable.ts';
export { openReadonly, withReadonly } from './file.ts';
