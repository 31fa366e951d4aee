/**
 * The agreement half of a report, from the current labels (the ones nobody superseded, less withdrawals):
 * shares of region verdicts per class, lead, reason code, model-confidence bin and contribution-rank bin, for all
 * regions and separately for regions for and against their class; record-level verdicts; and inter-rater
 * statistics on regions, plausibility and class agreement. Only the reported model's regions count. Every
 * interval resamples (or corrects for) records, the clusters the judgements are nested in.
 */
import {
  type AgreementSummary,
  MISSING,
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
import { setImmediate as nextTurn } from 'node:timers/promises';

export const REGION_VALUES = ['valid', 'not_valid', 'unsure'] as const;
export const PLAUSIBLE_VALUES = ['yes', 'partly', 'no'] as const;
export const AGREE_VALUES = ['yes', 'no'] as const;

/** Which way a region pushes its class: positive contribution = evidence for, negative (or 0) = against. */
export type RegionSign = 'for' | 'against';
export const REGION_SIGNS: readonly RegionSign[] = ['for', 'against'];
export const signOf = (contribution: number): RegionSign => (contribution > 0 ? 'for' : 'against');

/** One rater's current verdict on one evidence region of the reported model's runs, with what the report groups it by. */
export interface RegionJudgement {
  raterAlias: string;
  regionId: number;
  recordId: number;
  /** The record's pseudonym: the cluster the judgement is nested in. */
  pseudonym: string;
  classCode: string;
  lead: string;
  value: string;
  reasons: string[];
  region: StoredRegion;
  sign: RegionSign;
  /** The record's probability for the region's class under the reported model. */
  classProbability: number | null;
}

export interface BinAgreement {
  bin: string;
  units: number;
  percentAgreement: BootstrapEstimate;
  krippendorffAlpha: BootstrapEstimate;
}

/** Every region statistic over one set of judgements (all regions, or those for / against their class). */
export interface RegionBlock {
  judgements: number;
  shares: {
    overall: ShareRow[];
    byClass: ShareRow[];
    byLead: ShareRow[];
    byReason: ShareRow[];
    byConfidence: ShareRow[];
    byRank: ShareRow[];
  };
  interRater: AgreementSummary;
  byConfidence: BinAgreement[];
  byRank: BinAgreement[];
}

export interface AgreementSection {
  regionJudgements: number;
  /** Labels on regions that are not the reported model's (another model's or an older run's): not counted anywhere. */
  regionJudgementsExcluded: number;
  regionShares: RegionBlock['shares'] & {
    /** Verdicts on regions for and against their class. */
    bySign: ShareRow[];
  };
  /** The same region statistics for regions that push their class up (for) and down (against). */
  regionsBySign: ({ sign: RegionSign } & RegionBlock)[];
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
  clusterOf: Int32Array,
  binOf: (unit: number) => string,
  bins: readonly string[],
  settings: BootstrapSettings,
): BinAgreement[] {
  return bins.map((bin) => {
    const kept = table.rows.flatMap((_, u) => (binOf(u) === bin ? [u] : []));
    const sub: RatingTable = { ...table, rows: kept.map((u) => table.rows[u]!) };
    const rated = sub.rows.map((row) => row.filter((c) => c !== MISSING).length);
    const pairable = (u: number): boolean => rated[u]! >= 2;
    return {
      bin,
      units: kept.length,
      ...bootstrapAll(
        kept.length,
        {
          percentAgreement: { value: (idx) => percentAgreement(sub, idx), uses: pairable },
          krippendorffAlpha: { value: (idx) => krippendorffAlpha(sub, idx), uses: pairable },
        },
        settings,
        Int32Array.from(kept, (u) => clusterOf[u]!),
      ),
    };
  });
}

/** Ratings sorted by unit, then rater: the order the rating table (and so every bootstrap) sees them in. */
function canonicalOrder<T extends { unit: string; rater: string }>(ratings: T[]): T[] {
  const key = (r: T): string => `${r.unit}\u0000${r.rater}`;
  return [...ratings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Cluster index per table row: units whose names start with the same record pseudonym share one. */
function recordClusters(units: readonly string[], recordOfUnit: (unit: string) => string): Int32Array {
  const index = new Map<string, number>();
  return Int32Array.from(units, (u) => {
    const r = recordOfUnit(u);
    let i = index.get(r);
    if (i === undefined) index.set(r, (i = index.size));
    return i;
  });
}

interface RegionContext {
  aliases: string[];
  classOrder: string[] | undefined;
  leadOrder: readonly string[] | undefined;
  settings: BootstrapSettings;
}

// Units are named by what they are, not by database ids (the id only breaks ties), and taken in that order:
// the bootstrap then draws the same resamples from any database holding the same labels.
const regionUnit = (j: RegionJudgement): string =>
  [j.pseudonym, j.classCode, j.lead, j.region.startSample, j.region.rank, j.regionId].join('|');
const confidenceOf = (j: RegionJudgement): string[] => (j.classProbability === null ? [] : [confidenceBin(j.classProbability)]);
const rankOf = (j: RegionJudgement): string[] => [rankBin(j.region.rank)];
const clusterOfJudgement = (j: RegionJudgement): string => j.pseudonym;

async function regionBlock(judgements: readonly RegionJudgement[], ctx: RegionContext): Promise<RegionBlock> {
  const values = REGION_VALUES;
  const valueOf = (j: RegionJudgement): string => j.value;
  const shares = (keysOf: (j: RegionJudgement) => readonly string[], order?: readonly string[]): ShareRow[] =>
    sharesBy(judgements, keysOf, valueOf, values, order, clusterOfJudgement);
  const table = ratingTable(canonicalOrder(judgements.map((j) => ({ unit: regionUnit(j), rater: j.raterAlias, value: j.value }))), {
    raters: ctx.aliases,
    categories: [...values],
  });
  const byUnit = new Map(judgements.map((j) => [regionUnit(j), j]));
  const clusters = recordClusters(table.units, (u) => byUnit.get(u)!.pseudonym);
  const unitConfidence = (u: number): string => confidenceOf(byUnit.get(table.units[u]!)!)[0] ?? 'unknown';
  const unitRank = (u: number): string => rankOf(byUnit.get(table.units[u]!)!)[0]!;
  const shareRows = {
    overall: shares(() => ['all regions']),
    byClass: shares((j) => [j.classCode], ctx.classOrder),
    byLead: shares((j) => [j.lead], ctx.leadOrder),
    byReason: shares((j) => (j.reasons.length ? j.reasons : ['(none)']), [...REASON_CODES, '(none)']),
    byConfidence: shares(confidenceOf, confidenceBins()),
    byRank: shares(rankOf, RANK_BINS),
  };
  await breathe();
  const interRater = summarizeAgreement(table, ctx.settings, clusters);
  await breathe();
  const byConfidence = binAgreement(table, clusters, unitConfidence, confidenceBins(), ctx.settings);
  await breathe();
  const byRank = binAgreement(table, clusters, unitRank, RANK_BINS, ctx.settings);
  await breathe();
  return { judgements: judgements.length, shares: shareRows, interRater, byConfidence, byRank };
}

/**
 * Lets queued work in between the bootstrap statistics, each a long synchronous computation: in the app the
 * report runs on the thread that answers API calls, and a record opened meanwhile should not wait for them all.
 */
const breathe = (): Promise<void> => nextTurn();

export async function agreementSection(data: StudyData, settings: BootstrapSettings): Promise<AgreementSection> {
  const alias = raterAliases(data);
  const aliases = [...alias.values()];
  const current = currentLabels(data.labels);
  const records = new Map(data.records.map((r) => [r.id, r]));
  const regionById = new Map<number, StoredRegion>();
  for (const r of data.records) for (const g of r.run?.labelledRegions ?? []) regionById.set(g.id, g);
  const pseudonymOf = (recordId: number): string => records.get(recordId)?.pseudonym ?? `record-${recordId}`;

  const regionLabels = current.filter((l) => l.targetKind === 'region' && l.regionId !== null);
  // only the reported model's regions count: a label on another model's region judges another explanation
  const judgements: RegionJudgement[] = regionLabels.flatMap((l) => {
    const region = regionById.get(l.regionId!);
    if (!region) return [];
    const run = records.get(l.recordId)?.run;
    return [
      {
        raterAlias: alias.get(l.raterId)!,
        regionId: l.regionId!,
        recordId: l.recordId,
        pseudonym: pseudonymOf(l.recordId),
        classCode: region.classCode,
        lead: region.lead,
        value: l.value,
        reasons: l.reasons,
        region,
        sign: signOf(region.contribution),
        classProbability: run?.probabilities[region.classCode] ?? null,
      },
    ];
  });

  const ctx: RegionContext = {
    aliases,
    classOrder: data.model?.manifest.classes.map((c) => c.code),
    leadOrder: data.model?.manifest.leadOrder,
    settings,
  };
  const all = await regionBlock(judgements, ctx);
  const regionsBySign: AgreementSection['regionsBySign'] = [];
  for (const sign of REGION_SIGNS)
    regionsBySign.push({
      sign,
      ...(await regionBlock(
        judgements.filter((j) => j.sign === sign),
        ctx,
      )),
    });

  const plausible = current.filter((l) => l.targetKind === 'plausible');
  const agree = current.filter((l) => l.targetKind === 'agree-class');
  const predicted = (l: LabelHistoryRow): string => records.get(l.recordId)?.run?.topClass ?? 'no run';
  const labelCluster = (l: LabelHistoryRow): string => pseudonymOf(l.recordId);
  const agreeTable = ratingTable(
    canonicalOrder(agree.map((l) => ({ unit: `${pseudonymOf(l.recordId)}:${l.className}`, rater: alias.get(l.raterId)!, value: l.value }))),
    { raters: aliases, categories: [...AGREE_VALUES] },
  );

  const plausibleAgreement = summarizeAgreement(
    ratingTable(canonicalOrder(plausible.map((l) => ({ unit: pseudonymOf(l.recordId), rater: alias.get(l.raterId)!, value: l.value }))), {
      raters: aliases,
      categories: [...PLAUSIBLE_VALUES],
    }),
    settings,
  );
  await breathe();
  return {
    regionJudgements: judgements.length,
    regionJudgementsExcluded: regionLabels.length - judgements.length,
    regionShares: {
      ...all.shares,
      bySign: sharesBy(
        judgements,
        (j) => [j.sign],
        (j) => j.value,
        REGION_VALUES,
        REGION_SIGNS,
        clusterOfJudgement,
      ),
    },
    regionsBySign,
    verdicts: {
      plausibleByPredictedClass: sharesBy(
        plausible,
        (l) => ['all records', predicted(l)],
        (l) => l.value,
        PLAUSIBLE_VALUES,
        ['all records', ...(ctx.classOrder ?? [])],
        labelCluster,
      ),
      agreeByClass: sharesBy(
        agree,
        (l) => [l.className!],
        (l) => l.value,
        AGREE_VALUES,
        ctx.classOrder,
        labelCluster,
      ),
      agreeWithPrediction: sharesBy(
        agree.filter((l) => l.className === predicted(l)),
        (l) => ['predicted class', l.className!],
        (l) => l.value,
        AGREE_VALUES,
        ['predicted class'],
        labelCluster,
      ),
    },
    interRater: {
      regions: all.interRater,
      // one unit per record: the units are the clusters
      plausible: plausibleAgreement,
      agreeClass: summarizeAgreement(
        agreeTable,
        settings,
        recordClusters(agreeTable.units, (u) => u.slice(0, u.lastIndexOf(':'))),
      ),
      regionsByConfidence: all.byConfidence,
      regionsByRank: all.byRank,
    },
    confidenceEdges: [...CONFIDENCE_EDGES],
  };
}
