/**
 * Queries the audit viewer needs on top of the store's repositories: the worklist with predicted classes and
 * disagreement flags, per-study blinding, and the viewer's display settings (all in the settings table).
 */
import type { ClassPrediction } from '../inference/explain.ts';
import type { Db } from './db.ts';
import { CURRENT_JUDGEMENT } from './labels.ts';
import { getStudy } from './studies.ts';
import { getSetting, setSetting } from './settings.ts';
import { worklist, type WorklistItem } from './records.ts';

/** Probability at or above which a class counts as predicted. */
export const PREDICTED_THRESHOLD = 0.5;

export interface ViewerWorklistItem extends WorklistItem {
  predicted: string[];
  disagreement: boolean;
}

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

/** The predicted classes of a run's class list: those at or above the threshold, else the top one. */
export function predictedClasses(classes: readonly Pick<ClassPrediction, 'code' | 'probability'>[]): string[] {
  const over = classes.filter((c) => c.probability >= PREDICTED_THRESHOLD).sort((a, b) => b.probability - a.probability);
  if (over.length > 0) return over.map((c) => c.code);
  const top = [...classes].sort((a, b) => b.probability - a.probability)[0];
  return top ? [top.code] : [];
}

/**
 * The worklist of a study for one rater. Disagreement: the rater said the model's class is wrong or the
 * explanation is not plausible; outside blinded mode also when raters' current verdicts on a record differ.
 */
export function viewerWorklist(db: Db, studyId: number, raterId: string, blinded: boolean): ViewerWorklistItem[] {
  const base = worklist(db, studyId, { raterId });
  const runs = db
    .prepare(
      `SELECT r.id AS record_id, run.classes FROM records r
       JOIN runs run ON run.id = (SELECT id FROM runs WHERE record_id = r.id ORDER BY id DESC LIMIT 1)
       WHERE r.study_id = ?`,
    )
    .all(studyId) as { record_id: number; classes: string }[];
  const predicted = new Map(runs.map((r) => [r.record_id, predictedClasses(JSON.parse(r.classes) as ClassPrediction[])]));
  const verdicts = db
    .prepare(
      `SELECT l.record_id, l.rater_id, l.target_key, l.value FROM labels l JOIN records r ON r.id = l.record_id
       WHERE r.study_id = ? AND l.target_kind IN ('plausible', 'agree-class')
         AND ${CURRENT_JUDGEMENT}
         AND (? = 0 OR l.rater_id = ?)`,
    )
    .all(studyId, blinded ? 1 : 0, raterId) as { record_id: number; rater_id: string; target_key: string; value: string }[];
  const disagreement = new Set<number>();
  const byTarget = new Map<string, Set<string>>();
  for (const v of verdicts) {
    if (v.rater_id === raterId && v.value === 'no') disagreement.add(v.record_id);
    const key = `${v.record_id}\n${v.target_key}`;
    const values = byTarget.get(key) ?? new Set<string>();
    values.add(v.value);
    byTarget.set(key, values);
  }
  for (const [key, values] of byTarget) if (values.size > 1) disagreement.add(Number(key.split('\n')[0]));
  return base.map((item) => ({
    ...item,
    predicted: predicted.get(item.recordId) ?? [],
    disagreement: disagreement.has(item.recordId),
  }));
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
