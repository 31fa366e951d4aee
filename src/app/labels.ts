import {
  appendLabel,
  createRater,
  currentLabels,
  getRecordSummary,
  hashPassphrase,
  isProtected,
  type Label,
  type LabelTarget,
  listRaters,
  type Rater,
  setPassphraseHash,
} from '../core/store/index.ts';
import {
  type Blinding,
  getBlinding,
  type LabelReadScope,
  PACKAGE_OWNER,
  readableLabels,
  setBlinding,
  settingsRefusal,
} from '../core/store/viewerQueries.ts';
import type { Db } from '../core/store/db.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { BlindingDto, LabelDto, RaterDto } from '../shared/api/labels.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appStore, asApiErrors } from './records.ts';
import { closeSession, closeSessionsOf, openSession, signIn } from './sessions.ts';

type LabelsMethod =
  | 'labels.raters'
  | 'labels.createRater'
  | 'labels.signIn'
  | 'labels.signOut'
  | 'labels.setPassphrase'
  | 'labels.current'
  | 'labels.append'
  | 'labels.blinding'
  | 'labels.setBlinding';

function raterDto(db: Db, rater: Rater): RaterDto {
  return { id: rater.id, displayName: rater.displayName, createdAt: rater.createdAt, protected: isProtected(db, rater.id) };
}

function withRaterName(label: Label, names: Map<string, string>): LabelDto {
  return { ...label, raterName: names.get(label.raterId) ?? label.raterId };
}

function ownerName(ownerId: string, names: Map<string, string>): string {
  return names.get(ownerId) ?? (ownerId === PACKAGE_OWNER ? 'the researcher who sent this package' : 'another installation');
}

function asDto(b: Blinding, raterId: string, names: Map<string, string>): BlindingDto {
  return {
    blinded: b.blinded,
    hideProbability: b.hideProbability,
    hideReference: b.hideReference,
    owner: b.ownerId === null ? null : { id: b.ownerId, name: ownerName(b.ownerId, names), isMe: b.ownerId === raterId },
  };
}

/**
 * Whose labels the caller may read in a study (reports, label exports): in a blinded study every rater's only
 * for its owner (signed in: the caller check in sessions.ts), the caller's own for any other rater; a caller
 * who names no rater is refused there.
 */
export function labelReadScope(db: Db, studyId: number, callerId: string | undefined): LabelReadScope {
  const blinding = getBlinding(db, studyId);
  const scope = readableLabels(blinding, callerId, blinding.ownerId !== null && isProtected(db, blinding.ownerId));
  if (scope === null) {
    throw new ApiError(
      'unauthorized',
      'This study is blinded: choose who you are (your rater name) first; only its owner reads every rater’s labels.',
    );
  }
  return scope;
}

export function labelsHandlers(ctx: AppContext): Handlers<LabelsMethod> {
  const raterNames = (): Map<string, string> => new Map(listRaters(appStore(ctx)).map((r) => [r.id, r.displayName]));
  return {
    'labels.raters': () =>
      asApiErrors(() => {
        const db = appStore(ctx);
        return listRaters(db).map((r) => raterDto(db, r));
      }),
    'labels.createRater': ({ displayName }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        return raterDto(db, createRater(db, displayName));
      }),

    'labels.signIn': ({ raterId, passphrase }) => asApiErrors(async () => ({ session: await signIn(ctx, raterId, passphrase) })),
    'labels.signOut': ({ session }) => asApiErrors(() => (closeSession(ctx, session), {})),

    // Changing a passphrase needs a session of the rater: the caller check refuses a protected raterId without one.
    'labels.setPassphrase': ({ raterId, passphrase }) =>
      asApiErrors(async () => {
        if (!raterNames().has(raterId)) throw new ApiError('not-found', `rater ${raterId} does not exist`);
        const hash = await hashPassphrase(passphrase);
        setPassphraseHash(appStore(ctx), raterId, hash);
        closeSessionsOf(ctx, raterId);
        return { session: openSession(ctx, raterId) };
      }),

    'labels.current': ({ recordId, raterId }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const { blinded } = getBlinding(db, getRecordSummary(db, recordId).studyId);
        // Blinding is enforced here, not in the renderer: other raters' labels never leave the server.
        const labels = currentLabels(db, recordId, blinded ? { raterId } : {});
        const names = raterNames();
        return { blinded, labels: labels.map((l) => withRaterName(l, names)) };
      }),

    'labels.append': ({ raterId, target, value, reasons, note, scale }) =>
      asApiErrors(() => {
        const label = appendLabel(appStore(ctx), {
          raterId,
          target: target as LabelTarget,
          value,
          reasons,
          note,
          scale: scale ?? undefined,
        });
        return withRaterName(label, raterNames());
      }),

    'labels.blinding': ({ studyId, raterId }) => asApiErrors(() => asDto(getBlinding(appStore(ctx), studyId), raterId, raterNames())),

    // Study settings are the owner's: a rater who is not the owner cannot unblind themselves, here or anywhere.
    'labels.setBlinding': ({ studyId, raterId, blinded, hideProbability, hideReference }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        const names = raterNames();
        if (!names.has(raterId)) throw new ApiError('not-found', `rater ${raterId} does not exist`);
        return db.transaction(() => {
          const current = getBlinding(db, studyId);
          const refusal = settingsRefusal(current, { blinded }, raterId, isProtected(db, raterId));
          if (refusal === 'not-owner') {
            throw new ApiError(
              'unauthorized',
              `Only the study's owner (${ownerName(current.ownerId ?? '', names)}) changes blinding and what raters see.`,
            );
          }
          if (refusal === 'needs-passphrase') {
            throw new ApiError(
              'unauthorized',
              'Protect your name with a passphrase before you blind this study (or change a blinded one), so nobody else can act as its owner.',
            );
          }
          const next = setBlinding(db, studyId, {
            blinded,
            hideProbability,
            hideReference: hideReference ?? current.hideReference,
            ownerId: raterId,
          });
          return asDto(next, raterId, names);
        })();
      }),
  };
}
