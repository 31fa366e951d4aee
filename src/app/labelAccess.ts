/**
 * The second half of the caller check in front of every handler (index.ts), after sessions.ts: a call that reads
 * or writes a rater's labels in a blinded study, or anything drawn from them, runs only for a rater whose name is
 * protected by a passphrase (the rule: `labelAccessRefusal` in viewerQueries.ts; the session itself is checked
 * by sessions.ts). Each method that names a rater says here which studies' labels it touches; the type makes a
 * new such method fail to compile until it does.
 */
import { findStudy, getRecordSummary, isProtected, labelTargetRecordId, type LabelTarget } from '../core/store/index.ts';
import type { Db } from '../core/store/db.ts';
import { getBlinding, labelAccessRefusal } from '../core/store/viewerQueries.ts';
import { ApiError, type ApiMethod, type ApiParsedRequest } from '../shared/api/index.ts';
import type { AppContext } from './context.ts';
import { appStore } from './records.ts';
import { jobStudyIds } from './reports.ts';

type RaterNamingMethod = {
  // (a request with no fields parses to a type keyed by every string: left out)
  [M in ApiMethod]: string extends keyof ApiParsedRequest<M> ? never : 'raterId' extends keyof ApiParsedRequest<M> ? M : never;
}[ApiMethod];

type StudiesOf<M extends RaterNamingMethod> = (ctx: AppContext, db: Db, request: ApiParsedRequest<M>, raterId: string) => number[];

const byName = (db: Db, ...names: string[]): number[] => names.flatMap((n) => findStudy(db, n)?.id ?? []);

/**
 * The studies whose labels (or figures drawn from them) a call reads or writes; null for the methods that
 * touch no labels: signing in, protecting a name, the study's settings (settingsRefusal has its own rule) and
 * opening a package (each call in it is checked then).
 */
const labelStudies: { [M in RaterNamingMethod]: StudiesOf<M> | null } = {
  'labels.signIn': null,
  'labels.setPassphrase': null,
  'labels.blinding': null,
  'labels.setBlinding': null,
  'packages.open': null,
  'labels.current': (_ctx, db, { recordId }) => [getRecordSummary(db, recordId).studyId],
  'labels.append': (_ctx, db, { target }) => [getRecordSummary(db, labelTargetRecordId(db, target as LabelTarget)).studyId],
  'records.worklist': (_ctx, _db, { studyId }) => [studyId],
  'records.worklistStep': (_ctx, _db, { studyId }) => [studyId],
  'reports.start': (_ctx, db, { study }) => byName(db, study),
  'reports.status': (ctx, _db, { jobId }, raterId) => jobStudyIds(ctx, 'report', raterId, jobId),
  'reports.cancel': (ctx, _db, { jobId }, raterId) => jobStudyIds(ctx, 'report', raterId, jobId),
  'reports.latest': (ctx, _db, _request, raterId) => jobStudyIds(ctx, 'report', raterId),
  'reports.compareStart': (_ctx, db, { a, b }) => byName(db, a.study, b.study),
  'reports.compareStatus': (ctx, _db, { jobId }, raterId) => jobStudyIds(ctx, 'comparison', raterId, jobId),
  'reports.compareCancel': (ctx, _db, { jobId }, raterId) => jobStudyIds(ctx, 'comparison', raterId, jobId),
  'reports.compareLatest': (ctx, _db, _request, raterId) => jobStudyIds(ctx, 'comparison', raterId),
  'packages.exportLabels': (_ctx, db, { studyName }) => byName(db, studyName),
};

/** Refuses a call that touches a blinded study's labels under a name no passphrase protects. */
export function authorizeLabelAccess(ctx: AppContext, method: ApiMethod, request: unknown): void {
  const raterId = (request as { raterId?: unknown }).raterId;
  const studiesOf = labelStudies[method as RaterNamingMethod] as StudiesOf<RaterNamingMethod> | null | undefined;
  if (typeof raterId !== 'string' || !studiesOf) return;
  const db = appStore(ctx);
  const callerProtected = isProtected(db, raterId);
  for (const studyId of new Set(studiesOf(ctx, db, request as ApiParsedRequest<RaterNamingMethod>, raterId))) {
    if (labelAccessRefusal(getBlinding(db, studyId), callerProtected) === 'needs-passphrase') {
      throw new ApiError(
        'unauthorized',
        'This study is blinded: protect your name first with “protect my name” (beside your name at the top), so nobody else can pick your name and see or change your labels.',
      );
    }
  }
}
