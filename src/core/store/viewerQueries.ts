/**
 * Queries the audit viewer needs on top of the store's repositories: per-study settings for raters (blinding,
 * what they see, the owner), predicted classes, and the viewer's display settings (all in the settings table).
 * The worklist itself is worklistQuery.ts.
 */
import type { ClassPrediction } from '../inference/explain.ts';
import type { Db } from './db.ts';
import { getStudy } from './studies.ts';
import { getSetting, setSetting } from './settings.ts';

/** Probability at or above which a class counts as predicted. */
export const PREDICTED_THRESHOLD = 0.5;

/**
 * A study's settings for its raters. Only the study's owner changes them (enforced by the app layer): the
 * first rater who sets them, or, in an audit package, the researcher who sent it (PACKAGE_OWNER).
 */
export interface Blinding {
  /** Raters see only their own labels. */
  blinded: boolean;
  /** Raters see neither the model's probabilities nor its predicted classes. */
  hideProbability: boolean;
  /** Raters do not see the reference (dataset) diagnoses. */
  hideReference: boolean;
  /** Rater id of the owner, PACKAGE_OWNER, or null before anyone set them. */
  ownerId: string | null;
}

/** The owner of a packaged study's settings: the sender, who is not among the package's raters. */
export const PACKAGE_OWNER = 'package-sender';

const blindingKey = (studyId: number): string => `study.${studyId}.blinding`;

export function getBlinding(db: Db, studyId: number): Blinding {
  getStudy(db, studyId);
  const raw = getSetting(db, blindingKey(studyId));
  const parsed = raw === null ? {} : (JSON.parse(raw) as Partial<Blinding>);
  return {
    blinded: parsed.blinded === true,
    hideProbability: parsed.hideProbability === true,
    hideReference: parsed.hideReference === true,
    ownerId: typeof parsed.ownerId === 'string' ? parsed.ownerId : null,
  };
}

export function setBlinding(db: Db, studyId: number, blinding: Blinding): Blinding {
  getStudy(db, studyId);
  setSetting(db, blindingKey(studyId), JSON.stringify(blinding));
  return blinding;
}

/** Whose labels a caller may read: every rater's, or only their own. */
export type LabelReadScope = { kind: 'everyone' } | { kind: 'own'; raterId: string };

/**
 * Whose labels a caller may read in a study (reports, label exports): every rater's where the study is not
 * blinded or the caller owns it with a protected name (a passphrase: owning a blinded study needs one, so
 * nobody else can pick the owner's name and read as them); in a blinded study anyone else reads only their
 * own, and a caller who names no rater reads nothing (null). The app layer makes sure a caller who names a
 * protected rater has signed in as them. The viewer is stricter: there everyone labels blind (labels.current).
 */
export function readableLabels(blinding: Blinding, callerId: string | undefined, ownerProtected: boolean): LabelReadScope | null {
  if (!blinding.blinded) return { kind: 'everyone' };
  if (callerId === undefined) return null;
  return callerId === blinding.ownerId && ownerProtected ? { kind: 'everyone' } : { kind: 'own', raterId: callerId };
}

/**
 * Whether a rater may read or write their labels in a study, or anything drawn from them (progress and
 * "reviewed" counts, next unlabelled, reports, label exports): in a blinded study only under a name protected
 * by a passphrase (the app layer makes sure the caller is signed in as them), else whoever picks an unprotected
 * name in the rater picker would read and change that rater's labels. Studies that are not blinded keep the
 * one-click rater switch.
 */
export function labelAccessRefusal(blinding: Pick<Blinding, 'blinded'>, callerProtected: boolean): 'needs-passphrase' | null {
  return blinding.blinded && !callerProtected ? 'needs-passphrase' : null;
}

/**
 * Why `callerId` may not change the study's settings to `next`, or null when they may. The owner changes them
 * (the first caller becomes the owner); a blinded study, or one being blinded, needs an owner with a protected
 * name, else whoever picks the owner's name could unblind it.
 */
export function settingsRefusal(
  current: Blinding,
  next: Pick<Blinding, 'blinded'>,
  callerId: string,
  callerProtected: boolean,
): 'not-owner' | 'needs-passphrase' | null {
  if (current.ownerId !== null && current.ownerId !== callerId) return 'not-owner';
  if ((current.blinded || next.blinded) && !callerProtected) return 'needs-passphrase';
  return null;
}

/** The predicted classes of a run's class list: those at or above the threshold, else the top one. */
export function predictedClasses(classes: readonly Pick<ClassPrediction, 'code' | 'probability'>[]): string[] {
  const over = classes.filter((c) => c.probability >= PREDICTED_THRESHOLD).sort((a, b) => b.probability - a.probability);
  if (over.length > 0) return over.map((c) => c.code);
  const top = [...classes].sort((a, b) => b.probability - a.probability)[0];
  return top ? [top.code] : [];
}

const VIEWER_SETTINGS_KEY = 'viewer.settings';

/** The stored display settings (JSON), or null before the first save; the app layer validates them. */
export function getViewerSettings(db: Db): unknown {
  const raw = getSetting(db, VIEWER_SETTINGS_KEY);
  return raw === null ? null : (JSON.parse(raw) as unknown);
}

export function setViewerSettings(db: Db, settings: object): void {
  setSetting(db, VIEWER_SETTINGS_KEY, JSON.stringify(settings));
}
