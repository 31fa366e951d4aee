import {
  appendLabel,
  createRater,
  currentLabels,
  getRecordSummary,
  type Label,
  type LabelTarget,
  listRaters,
} from '../core/store/index.ts';
import { getBlinding, setBlinding } from '../core/store/viewerQueries.ts';
import type { LabelDto } from '../shared/api/labels.ts';
import type { AppContext } from './context.ts';
import type { Handlers } from './handlers.ts';
import { appStore, asApiErrors } from './records.ts';

type LabelsMethod = 'labels.raters' | 'labels.createRater' | 'labels.current' | 'labels.append' | 'labels.blinding' | 'labels.setBlinding';

function withRaterName(label: Label, names: Map<string, string>): LabelDto {
  return { ...label, raterName: names.get(label.raterId) ?? label.raterId };
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

    'labels.blinding': ({ studyId }) => asApiErrors(() => getBlinding(appStore(ctx), studyId)),
    'labels.setBlinding': ({ studyId, blinded, hideProbability, hideReference }) =>
      asApiErrors(() => {
        const db = appStore(ctx);
        return setBlinding(db, studyId, {
          blinded,
          hideProbability,
          hideReference: hideReference ?? getBlinding(db, studyId).hideReference,
        });
      }),
  };
}
