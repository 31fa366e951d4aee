/**
 * The report's "model on this study" section, present when records carry reference diagnoses (PTB-XL, CinC,
 * LUDB; src/core/dataset/reference.ts): the evaluate figures on the study's records (src/core/audit/classification.ts),
 * the confusion counts at the app's threshold, and the evidence regions of the classes the model got wrong with the
 * cardiologists' verdicts in force on them: do raters call the evidence behind wrong predictions valid?
 */
import { type ClassMetrics, classificationMetrics, type Label } from '../audit/classification.ts';
import type { Db } from '../store/db.ts';
import { inForce } from '../store/labels.ts';
import { studyReferences } from '../store/references.ts';
import { PREDICTED_THRESHOLD, predictedClasses } from '../store/viewerQueries.ts';
import type { StudyData } from './data.ts';

export interface WrongRegion {
  pseudonym: string;
  classCode: string;
  /** FP: predicted, the reference says absent; FN: not predicted, the reference says present. */
  error: 'FP' | 'FN';
  rank: number;
  lead: string;
  startSample: number;
  endSample: number;
  verdicts: { valid: number; not_valid: number; unsure: number };
}

export interface ModelOnStudySection {
  records: number;
  sources: Record<string, number>;
  threshold: number;
  classes: ClassMetrics[];
  macroAuroc: { value: number | null; ci95: [number, number] | null; classes: number };
  /** Per class: wrong records and the verdicts on the labelled evidence regions of that class on them. */
  wrong: { classCode: string; fp: number; fn: number; regions: number; valid: number; notValid: number; unsure: number }[];
  /** Every labelled region of a wrongly predicted class, on the records where it was wrong. */
  wrongRegions: WrongRegion[];
}

export function modelOnStudySection(db: Db, data: StudyData, options: { replicates: number; seed: number }): ModelOnStudySection | null {
  if (!data.model) return null;
  const refs = studyReferences(db, data.study.id);
  const codes = data.model.manifest.classes.map((c) => c.code);
  const rows = data.records.filter((r) => r.run && refs.has(r.id));
  if (rows.length === 0) return null;
  const labels: Label[][] = [];
  const probabilities: number[][] = [];
  const sources: Record<string, number> = {};
  const verdicts = new Map<number, WrongRegion['verdicts']>();
  for (const l of data.labels) {
    if (l.targetKind !== 'region' || l.regionId === null || !inForce(l)) continue;
    const v = verdicts.get(l.regionId) ?? { valid: 0, not_valid: 0, unsure: 0 };
    if (l.value === 'valid' || l.value === 'not_valid' || l.value === 'unsure') v[l.value]++;
    verdicts.set(l.regionId, v);
  }
  const wrongRegions: WrongRegion[] = [];
  const wrong = codes.map((classCode) => ({ classCode, fp: 0, fn: 0, regions: 0, valid: 0, notValid: 0, unsure: 0 }));
  for (const r of rows) {
    const ref = refs.get(r.id)!;
    const run = r.run!;
    sources[ref.source] = (sources[ref.source] ?? 0) + 1;
    const label = codes.map((c): Label => (ref.undetermined.includes(c) ? null : ref.superclasses.includes(c) ? 1 : 0));
    labels.push(label);
    probabilities.push(codes.map((c) => run.probabilities[c] ?? 0));
    const predicted = predictedClasses(codes.map((code) => ({ code, probability: run.probabilities[code] ?? 0 })));
    codes.forEach((code, k) => {
      if (label[k] === null || predicted.includes(code) === (label[k] === 1)) return;
      const error = predicted.includes(code) ? 'FP' : 'FN';
      wrong[k]![error === 'FP' ? 'fp' : 'fn']++;
      for (const region of run.labelledRegions.filter((g) => g.classCode === code)) {
        const v = verdicts.get(region.id) ?? { valid: 0, not_valid: 0, unsure: 0 };
        wrongRegions.push({
          pseudonym: r.pseudonym,
          classCode: code,
          error,
          rank: region.rank,
          lead: region.lead,
          startSample: region.startSample,
          endSample: region.endSample,
          verdicts: v,
        });
        const w = wrong[k]!;
        w.regions++;
        w.valid += v.valid;
        w.notValid += v.not_valid;
        w.unsure += v.unsure;
      }
    });
  }
  const metrics = classificationMetrics(codes, labels, probabilities, {
    threshold: PREDICTED_THRESHOLD,
    replicates: options.replicates,
    seed: options.seed,
  });
  return {
    records: rows.length,
    sources,
    threshold: PREDICTED_THRESHOLD,
    classes: metrics.classes,
    macroAuroc: metrics.macroAuroc,
    wrong,
    wrongRegions,
  };
}
