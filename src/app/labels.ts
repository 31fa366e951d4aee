import {
  appendLabel,
  createRater,
  currentLabels,
  getRecordSummary,
  type Label,
  type LabelTarget,
  listRaters,
} from '../core/store/index.ts';
import {
  type Blinding,
  getBlinding,
  type LabelReadScope,
  PACKAGE_OWNER,
  readableLabels,
  setBlinding,
} from '../core/store/viewerQueries.ts';
import type { Db } from '../core/store/db.ts';
import { ApiError } from '../shared/api/contract.ts';
import type { BlindingDto, LabelDto } from '../shared/api/labels.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appStore, asApiErrors } from './records.ts';

type LabelsMethod = 'labels.raters' | 'labels.createRater' | 'labels.current' | 'labels.append' | 'labels.blinding' | 'labels.setBlinding';

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
 * for its owner, the caller's own for any other rater; a caller who names no rater is refused there.
 */
export function labelReadScope(db: Db, studyId: number, callerId: string | undefined): LabelReadScope {
  const blinding = getBlinding(db, studyId);
  const scope = readableLabels(blinding, callerId);
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
    'labels.raters': () => asApiErrors(() => listRaters(appStore(ctx))),
    'labels.createRater': ({ displayName }) => asApiErrors(() => createRater(appStore(ctx), displayName)),

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
          if (current.ownerId !== null && current.ownerId !== raterId) {
            throw new ApiError(
              'unauthorized',
              `Only the study's owner (${ownerName(current.ownerId, names)}) changes blinding and what raters see.`,
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
