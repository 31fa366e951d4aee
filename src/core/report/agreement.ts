/**
 * The agreement half of a report, from the current labels (the ones nobody superseded, less withdrawals):
 * shares of region verdicts per class, lead, reason code, model-confidence bin and contribution-rank bin;
 * record-level verdicts; and inter-rater statistics on regions, plausibility and class agreement.
 */
import {
  type AgreementSummary,
  type RatingTable,
  krippendorffAlpha,
  percentAgreement,
  ratingTable,
  summarizeAgreement,
} from '../audit/agreement.ts';
import { CONFIDENCE_EDGES, confidenceBin, confidenceBins, RANK_BINS, rankBin, type ShareRow, sharesBy } from '../audit/shares.ts';
import { type BootstrapEstimate, type BootstrapSettings, bootstrapAll } from '../audit/stats.ts';
import { inForce, type LabelHistoryRow, REASON_CODES } from '../store/labels.ts';
import type { StoredRegion } from '../store/runs.ts';
import type { StudyData } from './data.ts';

export const REGION_VALUES = ['valid', 'not_valid', 'unsure'] as const;
export const PLAUSIBLE_VALUES = ['yes', 'partly', 'no'] as const;
export const AGREE_VALUES = ['yes', 'no'] as const;

/** One rater's current verdict on one model evidence region, with what the report groups it by. */
export interface RegionJudgement {
  raterAlias: string;
  regionId: number;
  recordId: number;
  classCode: string;
  lead: string;
  value: string;
  reasons: string[];
  /** Null when the region is not part of the reported model's runs (e.g. an older run). */
  region: StoredRegion | null;
  /** The record's probability for the region's class under the reported model. */
  classProbability: number | null;
}

export interface BinAgreement {
  bin: string;
  units: number;
  percentAgreement: BootstrapEstimate;
  krippendorffAlpha: BootstrapEstimate;
}

export interface AgreementSection {
  regionJudgements: number;
  regionShares: {
    overall: ShareRow[];
    byClass: ShareRow[];
    byLead: ShareRow[];
    byReason: ShareRow[];
    byConfidence: ShareRow[];
    byRank: ShareRow[];
  };
  verdicts: {
    /** Record plausibility (yes/partly/no), overall and by the model's predicted class. */
    plausibleByPredictedClass: ShareRow[];
    /** Raters' agreement (yes/no) with each class they were asked about. */
    agreeByClass: ShareRow[];
    /** Only the labels on the record's predicted (top) class: agreement with the prediction. */
    agreeWithPrediction: ShareRow[];
  };
  interRater: {
    regions: AgreementSummary;
    plausible: AgreementSummary;
    agreeClass: AgreementSummary;
    regionsByConfidence: BinAgreement[];
    regionsByRank: BinAgreement[];
  };
  confidenceEdges: number[];
}

/** Aliases R1, R2, ... in order of each rater's first label, so reports do not name people unless asked. */
export function raterAliases(data: StudyData): Map<string, string> {
  return new Map(data.raters.map((r, i) => [r.id, `R${i + 1}`]));
}

/** The judgements in force: a withdrawn target has none, so a withdrawal never counts as a verdict. */
export function currentLabels(labels: readonly LabelHistoryRow[]): LabelHistoryRow[] {
  return labels.filter(inForce);
}

function binAgreement(
  table: RatingTable,
  binOf: (unit: number) => string,
  bins: readonly string[],
  settings: BootstrapSettings,
): BinAgreement[] {
  return bins.map((bin) => {
    const sub: RatingTable = { ...table, rows: table.rows.filter((_, u) => binOf(u) === bin) };
    const n = sub.rows.length;
    return {
      bin,
      units: n,
      ...bootstrapAll(
        n,
        { percentAgreement: (idx) => percentAgreement(sub, idx), krippendorffAlpha: (idx) => krippendorffAlpha(sub, idx) },
        settings,
      ),
    };
  });
}

/** Ratings sorted by unit, then rater: the order the rating table (and so every bootstrap) sees them in. */
function canonicalOrder<T extends { unit: string; rater: string }>(ratings: T[]): T[] {
  const key = (r: T): string => `${r.unit}\u0000${r.rater}`;
  return [...ratings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function agreementSection(data: StudyData, settings: BootstrapSettings): AgreementSection {
  const alias = raterAliases(data);
  const aliases = [...alias.values()];
  const current = currentLabels(data.labels);
  const records = new Map(data.records.map((r) => [r.id, r]));
  const regionById = new Map<number, StoredRegion>();
  for (const r of data.records) for (const g of r.run?.labelledRegions ?? []) regionById.set(g.id, g);

  const judgements: RegionJudgement[] = current
    .filter((l) => l.targetKind === 'region' && l.regionId !== null)
    .map((l) => {
      const region = regionById.get(l.regionId!) ?? null;
      const run = records.get(l.recordId)?.run;
      return {
        raterAlias: alias.get(l.raterId)!,
        regionId: l.regionId!,
        recordId: l.recordId,
        classCode: l.className!,
        lead: l.lead!,
        value: l.value,
        reasons: l.reasons,
        region,
        classProbability: run?.probabilities[l.className!] ?? null,
      };
    });

  const values = REGION_VALUES;
  const valueOf = (j: RegionJudgement): string => j.value;
  const classOrder = data.model?.manifest.classes.map((c) => c.code);
  const leadOrder = data.model?.manifest.leadOrder;
  const confidenceOf = (j: RegionJudgement): string[] => (j.classProbability === null ? [] : [confidenceBin(j.classProbability)]);
  const rankOf = (j: RegionJudgement): string[] => (j.region ? [rankBin(j.region.rank)] : []);

  // Units are named by what they are, not by database ids, and taken in that order: the bootstrap then draws
  // the same resamples from any database holding the same labels (a merged one, a package, the original).
  const pseudonymOf = (recordId: number): string => records.get(recordId)?.pseudonym ?? `record-${recordId}`;
  const regionUnit = (j: RegionJudgement): string =>
    [pseudonymOf(j.recordId), j.classCode, j.lead, j.region?.startSample ?? '', j.region?.rank ?? '', j.regionId].join('|');
  const regionTable = ratingTable(canonicalOrder(judgements.map((j) => ({ unit: regionUnit(j), rater: j.raterAlias, value: j.value }))), {
    raters: aliases,
    categories: [...values],
  });
  const judgementOfUnit = new Map(judgements.map((j) => [regionUnit(j), j]));
  const unitConfidence = (u: number): string => confidenceOf(judgementOfUnit.get(regionTable.units[u]!)!)[0] ?? 'unknown';
  const unitRank = (u: number): string => rankOf(judgementOfUnit.get(regionTable.units[u]!)!)[0] ?? 'unknown';

  const plausible = current.filter((l) => l.targetKind === 'plausible');
  const agree = current.filter((l) => l.targetKind === 'agree-class');
  const predicted = (l: LabelHistoryRow): string => records.get(l.recordId)?.run?.topClass ?? 'no run';

  return {
    regionJudgements: judgements.length,
    regionShares: {
      overall: sharesBy(judgements, () => ['all regions'], valueOf, values),
      byClass: sharesBy(judgements, (j) => [j.classCode], valueOf, values, classOrder),
      byLead: sharesBy(judgements, (j) => [j.lead], valueOf, values, leadOrder),
      byReason: sharesBy(judgements, (j) => (j.reasons.length ? j.reasons : ['(none)']), valueOf, values, [...REASON_CODES, '(none)']),
      byConfidence: sharesBy(judgements, confidenceOf, valueOf, values, confidenceBins()),
      byRank: sharesBy(judgements, rankOf, valueOf, values, RANK_BINS),
    },
    verdicts: {
      plausibleByPredictedClass: sharesBy(
        plausible,
        (l) => ['all records', predicted(l)],
        (l) => l.value,
        PLAUSIBLE_VALUES,
        ['all records', ...(classOrder ?? [])],
      ),
      agreeByClass: sharesBy(
        agree,
        (l) => [l.className!],
        (l) => l.value,
        AGREE_VALUES,
        classOrder,
      ),
      agreeWithPrediction: sharesBy(
        agree.filter((l) => l.className === predicted(l)),
        (l) => ['predicted class', l.className!],
        (l) => l.value,
        AGREE_VALUES,
        ['predicted class'],
      ),
    },
    interRater: {
      regions: summarizeAgreement(regionTable, settings),
      plausible: summarizeAgreement(
        ratingTable(
          canonicalOrder(plausible.map((l) => ({ unit: pseudonymOf(l.recordId), rater: alias.get(l.raterId)!, value: l.value }))),
          { raters: aliases, categories: [...PLAUSIBLE_VALUES] },
        ),
        settings,
      ),
      agreeClass: summarizeAgreement(
        ratingTable(
          canonicalOrder(
            agree.map((l) => ({ unit: `${pseudonymOf(l.recordId)}:${l.className}`, rater: alias.get(l.raterId)!, value: l.value })),
          ),
          { raters: aliases, categories: [...AGREE_VALUES] },
        ),
        settings,
      ),
      regionsByConfidence: binAgreement(regionTable, unitConfidence, confidenceBins(), settings),
      regionsByRank: binAgreement(regionTable, unitRank, RANK_BINS, settings),
    },
    confidenceEdges: [...CONFIDENCE_EDGES],
  };
}
