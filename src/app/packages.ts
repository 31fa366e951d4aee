import { CONTENT_HASH_KEY } from '../core/package/contentHash.ts';
import {
  exportLabelsPackage,
  exportStudyPackage,
  importStudyPackage,
  mergeLabelPackages,
  PackageError,
  readManifest,
  verifyPackage,
  withReadonly,
} from '../core/package/index.ts';
import { findStudy, getSetting, importRater, listRaters } from '../core/store/index.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { OpenDatabaseDto } from '../shared/api/packages.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { importRunning } from './import.ts';
import { labelReadScope } from './labels.ts';
import { reportRunning } from './reports.ts';
import { appStore, asApiErrors, switchAppStore } from './records.ts';

type PackagesMethod =
  'packages.current' | 'packages.open' | 'packages.exportStudy' | 'packages.exportLabels' | 'packages.import' | 'packages.merge';

/** Package refusals keep their meaning across the API: a damaged or foreign file is the request's fault. */
async function asPackageErrors<T>(work: () => T): Promise<T> {
  return asApiErrors(() => {
    try {
      return work();
    } catch (err) {
      if (!(err instanceof PackageError)) throw err;
      const code =
        err.problem === 'not-found'
          ? 'not-found'
          : err.problem === 'mismatch' || err.problem === 'conflict' || err.problem === 'io' || err.problem === 'not-single-file'
            ? 'conflict'
            : 'bad-request';
      throw new ApiError(code, err.message);
    }
  });
}

function current(ctx: AppContext): OpenDatabaseDto {
  const db = appStore(ctx);
  const manifest = readManifest(db, ctx.dbPath);
  if (manifest?.kind !== 'study') return { dbPath: ctx.dbPath, package: null };
  return {
    dbPath: ctx.dbPath,
    package: {
      sha256: getSetting(db, CONTENT_HASH_KEY) ?? '',
      studyName: manifest.study.name,
      records: manifest.records.length,
      models: manifest.models,
      blinding: manifest.blinding,
    },
  };
}

export function packagesHandlers(ctx: AppContext): Handlers<PackagesMethod> {
  return {
    'packages.current': () => asPackageErrors(() => current(ctx)),

    'packages.open': ({ path, raterId }) =>
      asPackageErrors(() => {
        const { manifest } = withReadonly(path, (db) => verifyPackage(db, path));
        if (manifest.kind !== 'study')
          throw new PackageError('not-a-package', `${path}: is a labels package; merge it instead of opening it`);
        const rater = raterId === undefined ? undefined : listRaters(appStore(ctx)).find((r) => r.id === raterId);
        if (raterId !== undefined && !rater) throw new ApiError('not-found', `rater ${raterId} does not exist in ${ctx.dbPath}`);
        if (importRunning(ctx))
          throw new ApiError('conflict', 'an import is writing to the open database; let it finish, pause or cancel it first');
        if (reportRunning(ctx)) throw new ApiError('conflict', 'a report is reading the open database; let it finish or cancel it first');
        switchAppStore(ctx, path);
        if (rater) importRater(appStore(ctx), rater);
        return current(ctx);
      }),

    'packages.exportStudy': ({ studyName, out, hideProbabilities, randomiseOrder, seed }) =>
      asPackageErrors(() => exportStudyPackage(appStore(ctx), ctx.dbPath, { studyName, out, hideProbabilities, randomiseOrder, seed })),

    'packages.exportLabels': ({ studyName, out, raterId, everyone }) =>
      asPackageErrors(() => {
        const db = appStore(ctx);
        const study = findStudy(db, studyName);
        if (everyone && study && labelReadScope(db, study.id, raterId).kind !== 'everyone') {
          throw new ApiError(
            'unauthorized',
            `Study “${studyName}” is blinded: you can export your own labels; only its owner exports every rater’s.`,
          );
        }
        return exportLabelsPackage(db, ctx.dbPath, { studyName, out, raterId: everyone ? undefined : raterId });
      }),

    'packages.import': ({ path }) => asPackageErrors(() => importStudyPackage(appStore(ctx), ctx.dbPath, path)),

    'packages.merge': ({ paths }) => asPackageErrors(() => mergeLabelPackages(appStore(ctx), ctx.dbPath, paths)),
  };
}
