import { seededRandom } from '../../src/shared/seededRandom.ts';
import {
  type Db,
  appendLabel,
  createRater,
  REASON_CODES,
  type Rater,
  type ReasonCode,
  type RegionVerdict,
} from '../../src/core/store/index.ts';

export interface SyntheticLabelOptions {
  studyId: number;
  raterNames: string[];
  seed: number;
  /** Regions of the predicted class up to this rank are labelled. */
  maxRank?: number;
  /** Probability that a rater leaves a target unlabelled. */
  missing?: number;
  /** Probability that a rater later revises a label (a superseding label). */
  revise?: number;
}

/**
 * Seeded, plausible audit labels on the runs already in a study: each region of the predicted class has a
 * latent verdict (valid more often for better-ranked regions) that each rater reports with some noise; each
 * record gets a plausibility verdict and an agree-with-predicted-class verdict. Every label goes through the
 * store's appendLabel, revisions included, so the audit trail is the real one.
 */
export function synthesizeLabels(db: Db, options: SyntheticLabelOptions): { raters: Rater[]; labels: number } {
  const random = seededRandom(options.seed);
  const maxRank = options.maxRank ?? 5;
  const missing = options.missing ?? 0.1;
  const revise = options.revise ?? 0.05;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const runs = db
    .prepare(
      `SELECT run.id, run.record_id, run.top_class, run.top_probability FROM runs run JOIN records r ON r.id = run.record_id
       WHERE r.study_id = ? ORDER BY run.record_id`,
    )
    .all(options.studyId) as { id: number; record_id: number; top_class: string; top_probability: number }[];
  const regionsOf = db.prepare('SELECT id, rank FROM evidence_regions WHERE run_id = ? AND class_name = ? AND rank <= ? ORDER BY rank');
  let labels = 0;
  const raters = db.transaction(() => {
    const raters = options.raterNames.map((name) => createRater(db, name));
    const noisy = (truth: RegionVerdict): RegionVerdict => {
      const u = random();
      if (u < 0.8) return truth;
      if (u < 0.9) return 'unsure';
      return truth === 'valid' ? 'not_valid' : 'valid';
    };
    for (const run of runs) {
      const regions = regionsOf.all(run.id, run.top_class, maxRank) as { id: number; rank: number }[];
      for (const region of regions) {
        const truth: RegionVerdict = random() < 0.85 - 0.1 * region.rank + 0.2 * run.top_probability ? 'valid' : 'not_valid';
        for (const rater of raters) {
          if (random() < missing) continue;
          const times = random() < revise ? 2 : 1;
          for (let k = 0; k < times; k++) {
            const value = noisy(truth);
            const reasons: ReasonCode[] =
              value === 'not_valid'
                ? [pick(REASON_CODES)]
                : value === 'valid' && random() < 0.5
                  ? [pick(['qrs', 'st_t', 'p_wave'] as const)]
                  : [];
            appendLabel(db, {
              raterId: rater.id,
              target: { kind: 'region', regionId: region.id },
              value,
              reasons,
              note: random() < 0.05 ? 'see lead II' : '',
            });
            labels++;
          }
        }
      }
      const plausibleTruth = random();
      for (const rater of raters) {
        if (random() < missing) continue;
        const shifted = plausibleTruth + (random() - 0.5) * 0.4;
        appendLabel(db, {
          raterId: rater.id,
          target: { kind: 'plausible', recordId: run.record_id },
          value: shifted < 0.3 ? 'no' : shifted < 0.6 ? 'partly' : 'yes',
        });
        appendLabel(db, {
          raterId: rater.id,
          target: { kind: 'agree-class', recordId: run.record_id, className: run.top_class },
          value: random() < 0.4 + 0.5 * run.top_probability ? 'yes' : 'no',
        });
        labels += 2;
      }
    }
    return raters;
  })();
  return { raters, labels };
}
