/**
 * The faithfulness half of a report, recomputed with the ONNX engine from the stored signals (not from the
 * stored maps), per record:
 * - exactness: max over windows and classes of |sum(W*x) + b - logit|;
 * - degeneracy per class: share of |W*x| on the top 1 % of samples and on the top lead;
 * - localisation where the record has P/QRS/T delineation, for the record's predicted classes only;
 * - deletion/insertion curves for the predicted class on its decisive window (the window whose logit sets the
 *   probability): sample by sample in three orders (signed W*x most relevant first, seeded random, and |W*x| as
 *   a labelled extra), and region by region in three orders (regions a majority of raters judged valid first,
 *   by signed contribution, seeded random) on the same records. AUCs are also given normalised by the curve's
 *   start p(x) and floor p(baseline).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { attributionSha256, windowAttribution } from '../inference/explain.ts';
import {
  completenessError,
  type Curves,
  curvesFromProbabilities,
  normalisedAuc,
  perturbedInputs,
  randomOrder,
  recordSeed,
  regionPerturbedInputs,
  relevanceOrder,
  salienceOrder,
  type Span,
  stepFractions,
  topLeadMassShare,
  topSampleMassShare,
} from '../audit/faithfulness.ts';
import {
  type LeadLocalisation,
  localiseLead,
  PEAK_LOCATIONS,
  type PeakLocation,
  SEGMENT_KINDS,
  type SegmentKind,
  segmentsOfLead,
  type Wave,
  waveAtRate,
} from '../audit/localisation.ts';
import {
  type BootstrapEstimate,
  bootstrapAll,
  type ClusteredShare,
  clusteredWilson,
  MIN_PAIRED_UNITS,
  type Summary,
  summarize,
} from '../audit/stats.ts';
import { sigmoid } from '../inference/explain.ts';
import { BATCHED_PLAN, type PerturbationPlan, perturbedLogits, RunCancelled } from '../inference/perturbation.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { inForce } from '../store/labels.ts';
import { getRecord } from '../store/records.ts';
import type { StoredRegion } from '../store/runs.ts';
import type { RecordInfo, StudyData } from './data.ts';
import { REGION_VALUES } from './agreement.ts';

/** Sample-granularity orders: the main one (signed relevance), the random control, and |W*x| as an extra. */
export const ORDERS = ['relevance', 'random', 'magnitude'] as const;
export type OrderName = (typeof ORDERS)[number];

/** Region-granularity orders, all on the same records (those with region judgements). */
export const REGION_ORDERS = ['rater-valid', 'relevance', 'random'] as const;
export type RegionOrderName = (typeof REGION_ORDERS)[number];

export const ORDER_LABELS: Record<OrderName | RegionOrderName, string> = {
  relevance: 'signed W*x, most relevant first',
  random: 'seeded random',
  magnitude: 'largest |W*x| first (labelled extra)',
  'rater-valid': 'regions judged valid by a majority first',
};

export const MAJORITY_RULE =
  'A region counts as valid when more than half of the raters who judged any region of that record and class ' +
  "marked it valid; a rater who judged the record's regions but left this one unlabelled, or marked it unsure, " +
  'counts as not valid; a tie is not a majority.';

export interface FaithfulnessSettings {
  steps: number;
  seed: number;
  /** Largest number of records evaluated (a seeded sample when the study has more); 0 = all. */
  maxRecords: number;
  /** Fraction of samples for the degeneracy "top samples" share. */
  topFraction: number;
}

/** AUCs as measured and normalised by the curve's start and floor ((AUC - floor) / (start - floor)). */
export interface AucSummaries {
  deletionAuc: Summary;
  insertionAuc: Summary;
  normalisedDeletionAuc: Summary;
  normalisedInsertionAuc: Summary;
}

export interface OrderCurves extends AucSummaries {
  order: OrderName;
  records: number;
  meanDeletion: number[];
  meanInsertion: number[];
}

/** AUCs of one order over the records predicted as one class. */
export interface ClassCurves extends AucSummaries {
  classCode: string;
  order: OrderName;
  records: number;
}

/** Mean per-record difference of two orders' AUCs on the same records, with a bootstrap 95 % interval over records. */
export interface PairedDifference {
  order: string;
  versus: string;
  curve: 'deletion' | 'insertion';
  normalised: boolean;
  mean: BootstrapEstimate;
  median: number | null;
}

export interface RegionOrderCurves extends AucSummaries {
  order: RegionOrderName;
  /** Mean probability after k = 0..maxRegions regions removed (a record with fewer regions keeps its last value). */
  meanDeletion: number[];
  meanInsertion: number[];
}

export interface RegionLevel {
  majorityRule: string;
  /** Records with region judgements on the predicted class: every region order is computed on all of them. */
  records: number;
  maxRegions: number;
  /** Per record: regions of the predicted class, and those judged valid by the majority rule. */
  regions: Summary;
  validRegions: Summary;
  orders: RegionOrderCurves[];
  paired: PairedDifference[];
}

export interface DegeneracyRow {
  classCode: string;
  records: number;
  topSamplesShare: Summary;
  topLeadShare: Summary;
  /** How often each lead is the top lead. */
  topLeadCounts: Record<string, number>;
}

export interface LocalisationRow {
  classCode: string;
  lead: string;
  /** Records contributing lead-records with positive attribution in the annotated span. */
  records: number;
  /** Lead-records with positive attribution in the annotated span. */
  n: number;
  /** Mean over lead-records of each lead-record's mass share. */
  meanMassShare: Record<SegmentKind, number | null>;
  /** Positive mass in each kind over all positive mass (pooled by mass). */
  pooledMassShare: Record<SegmentKind, number | null>;
  /** Mean over records of each record's share pooled over its leads (pooled by record). */
  recordMassShare: Record<SegmentKind, number | null>;
  meanTimeShare: Record<SegmentKind, number | null>;
  /**
   * Where each lead-record's largest positive attribution lies (peak location), with record-clustered
   * intervals. Not Zhang et al.'s pointing game, which needs a class-specific target.
   */
  peakLocation: Record<PeakLocation, ClusteredShare>;
}

export interface FaithfulnessSection {
  recordsEvaluated: number;
  recordsSkipped: { pseudonym: string; reason: string }[];
  settings: FaithfulnessSettings & { baseline: string; fractions: number[] };
  exactness: {
    storedRuns: Summary;
    recomputed: Summary;
    /** Records whose recomputed maps were checked against the digest stored at import, and how many matched it. */
    mapsAsShown: { checked: number; equal: number };
  };
  /** The model's probability on the all-baseline input, per class: the floor every curve starts or ends at. */
  baselineProbability: { classCode: string; probability: Summary }[];
  curves: OrderCurves[];
  /** The same AUCs split by the predicted class the curves were computed for. */
  curvesByClass: ClassCurves[];
  /** Paired AUC differences (relevance minus random) over records with both. */
  relevanceVsRandom: PairedDifference[];
  regionLevel: RegionLevel;
  degeneracy: DegeneracyRow[];
  localisation: { delineatedRecords: number; classesScored: string; rows: LocalisationRow[] };
  /**
   * Wall time of the whole pass per evaluated record, records running in parallel on the runner's workers
   * (deletion/insertion is nearly all of it).
   */
  deletionInsertionMsPerRecord: number | null;
}

export const BASELINE_DESCRIPTION =
  "A removed sample is set to 0 in the z-scored model input, i.e. to its lead's mean over the window; " +
  'samples are replaced individually with no interpolation or smoothing, identically for every order. ' +
  'The all-baseline input (every lead a flat line at its mean) is outside the training distribution: the model ' +
  'gives it a class-specific probability (the floor, reported per class), so raw curves start or end at different ' +
  'levels per class; normalised AUCs, (AUC - floor) / (start - floor) with start = p(x) and floor = p(baseline), ' +
  'remove that offset.';

export const LOCALISED_CLASSES =
  "the record's predicted classes: probability >= 0.5 in the class's decisive window, and always the top class";

interface AucPair {
  curves: Curves;
  normDeletion: number | null;
  normInsertion: number | null;
}

interface RegionOutcome {
  regions: number;
  valid: number;
  curves: Record<RegionOrderName, AucPair>;
}

interface RecordOutcome {
  pseudonym: string;
  completeness: number;
  /**
   * Whether the maps this pass evaluates are, bit for bit, those the raters were shown: the digest stored at
   * import (store/attribution.ts); null where the run stores its maps instead of a digest.
   */
  mapsAsShown: boolean | null;
  /** The predicted class the curves follow. */
  classCode: string;
  /** p(baseline) per class code. */
  floor: Record<string, number>;
  curves: Record<OrderName, AucPair>;
  region: RegionOutcome | null;
  degeneracy: { classCode: string; topSamples: number; topLead: string; topLeadShare: number }[];
  localisation: { classCode: string; lead: string; result: LeadLocalisation }[];
  delineated: boolean;
}

/** Region judgements of the record's top-class regions: per region the valid votes, and the raters who judged any. */
function regionVotes(
  data: StudyData,
  record: RecordInfo,
  regions: readonly StoredRegion[],
): { valid: Map<number, number>; raters: number } {
  const ids = new Set(regions.map((g) => g.id));
  const valid = new Map<number, number>();
  const raters = new Set<string>();
  for (const l of data.labels) {
    if (!inForce(l) || l.targetKind !== 'region' || l.recordId !== record.id || l.regionId === null || !ids.has(l.regionId)) continue;
    raters.add(l.raterId);
    if (l.value === REGION_VALUES[0]) valid.set(l.regionId, (valid.get(l.regionId) ?? 0) + 1);
  }
  return { valid, raters: raters.size };
}

/** How the faithfulness pass runs: progress, cancel, and the perturbation plan (the numbers never depend on it). */
export interface FaithfulnessRun {
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the pass between model runs; faithfulnessSection then rejects with RunCancelled. */
  signal?: AbortSignal;
  plan?: PerturbationPlan;
}

function aucPair(curves: Curves): AucPair {
  const start = curves.deletion[0]!;
  const floor = curves.insertion[0]!;
  return {
    curves,
    normDeletion: normalisedAuc(curves.deletionAuc, start, floor),
    normInsertion: normalisedAuc(curves.insertionAuc, start, floor),
  };
}

async function evaluateRecord(
  runner: WindowRunner,
  db: Db,
  data: StudyData,
  record: RecordInfo,
  settings: FaithfulnessSettings,
  run: FaithfulnessRun,
): Promise<RecordOutcome> {
  const m = runner.model.manifest;
  const K = m.classes.length;
  const C = m.leadOrder.length;
  const L = m.inputLength;
  const per = C * L;
  const stored = getRecord(db, record.id);
  const input = runner.preprocess(stored);
  const [out] = await runner.runWindows([input]);
  const nWin = input.windowStarts.length;

  let completeness = 0;
  const decisive: number[] = [];
  const attribution: Float32Array[] = [];
  for (let c = 0; c < K; c++) {
    let best = 0;
    for (let w = 0; w < nWin; w++) {
      const x = input.windows.subarray(w * per, (w + 1) * per);
      const Wc = out!.W.subarray((w * K + c) * per, (w * K + c + 1) * per);
      let sum = 0;
      for (let i = 0; i < per; i++) sum += Wc[i]! * x[i]!;
      completeness = Math.max(completeness, completenessError(sum, out!.bias[w * K + c]!, out!.logits[w * K + c]!));
      if (out!.logits[w * K + c]! > out!.logits[best * K + c]!) best = w;
    }
    decisive.push(best);
    const x = input.windows.subarray(best * per, (best + 1) * per);
    const Wc = out!.W.subarray((best * K + c) * per, (best * K + c + 1) * per);
    const a = new Float32Array(per);
    for (let i = 0; i < per; i++) a[i] = Wc[i]! * x[i]!;
    attribution.push(a);
  }
  const probability = m.classes.map((_, c) => sigmoid(out!.logits[decisive[c]! * K + c]!));
  const shown = record.run?.attributionSha256 ?? null;
  const mapsAsShown =
    shown === null ? null : attributionSha256(m.classes.map((_, c) => windowAttribution(input, out!, K, c, decisive[c]!))) === shown;
  let top = 0;
  for (let c = 1; c < K; c++) if (probability[c]! > probability[top]!) top = c;

  const degeneracy = m.classes.map((cls, c) => {
    const t = topLeadMassShare(attribution[c]!, L);
    return {
      classCode: cls.code,
      topSamples: topSampleMassShare(attribution[c]!, settings.topFraction),
      topLead: m.leadOrder[t.lead]!,
      topLeadShare: t.share,
    };
  });

  // wave annotations are at the record's rate; the model window is at the model's rate
  const ratio = m.samplingRateHz / stored.samplingRateHz;
  const wavesByLead = new Map<string, Wave[]>();
  for (const a of stored.annotations) {
    const key = a.lead.toUpperCase();
    const list = wavesByLead.get(key) ?? [];
    list.push(waveAtRate({ kind: a.kind, onset: a.onsetSample, offset: a.offsetSample }, ratio));
    wavesByLead.set(key, list);
  }
  const localisation: RecordOutcome['localisation'] = [];
  // a class the model does not predict has no evidence to localise: its map explains a low probability
  m.classes.forEach((cls, c) => {
    if (!(c === top || probability[c]! >= 0.5)) return;
    const start = input.windowStarts[decisive[c]!]!;
    m.leadOrder.forEach((lead, l) => {
      const waves = (wavesByLead.get(lead.toUpperCase()) ?? []).map((w) => ({ ...w, onset: w.onset - start, offset: w.offset - start }));
      const seg = segmentsOfLead(waves.filter((w) => w.offset >= 0 && w.onset < L));
      if (!seg) return;
      localisation.push({
        classCode: cls.code,
        lead,
        result: localiseLead(attribution[c]!.subarray(l * L, (l + 1) * L), seg.segments, seg.span),
      });
    });
  });

  // deletion/insertion for the predicted class, on its decisive window
  const w = decisive[top]!;
  const windowStart = input.windowStarts[w]!;
  const x = input.windows.subarray(w * per, (w + 1) * per);
  const a = attribution[top]!;
  const sampleOrders: Record<OrderName, Uint32Array> = {
    relevance: relevanceOrder(a),
    random: randomOrder(per, recordSeed(settings.seed, record.pseudonym)),
    magnitude: salienceOrder(a),
  };
  const parts: { name: string; inputs: Float32Array; steps: number }[] = ORDERS.map((o) => ({
    name: o,
    inputs: perturbedInputs(x, sampleOrders[o], settings.steps),
    steps: settings.steps,
  }));

  // region granularity: the stored regions the raters saw (the top class's, in its decisive window)
  const regions = (record.run?.topClassRegions ?? [])
    .filter((g) => g.classCode === m.classes[top]!.code)
    .map((g) => ({ g, span: { lead: m.leadOrder.indexOf(g.lead), start: g.startSample - windowStart, end: g.endSample - windowStart } }))
    .filter((r) => r.span.lead >= 0 && r.span.end > 0 && r.span.start < L)
    .sort((p, q) => p.g.rank - q.g.rank);
  const votes = regionVotes(
    data,
    record,
    regions.map((r) => r.g),
  );
  let regionValid = 0;
  if (votes.raters > 0 && regions.length > 0) {
    const isValid = (g: StoredRegion): boolean => (votes.valid.get(g.id) ?? 0) * 2 > votes.raters;
    regionValid = regions.filter((r) => isValid(r.g)).length;
    const random = randomOrder(regions.length, recordSeed(settings.seed, `${record.pseudonym}|regions`));
    const regionOrders: Record<RegionOrderName, Span[]> = {
      'rater-valid': [...regions.filter((r) => isValid(r.g)), ...regions.filter((r) => !isValid(r.g))].map((r) => r.span),
      relevance: [...regions].sort((p, q) => q.g.contribution - p.g.contribution || p.g.rank - q.g.rank).map((r) => r.span),
      random: [...random].map((i) => regions[i]!.span),
    };
    for (const o of REGION_ORDERS)
      parts.push({ name: `region:${o}`, inputs: regionPerturbedInputs(x, L, regionOrders[o]), steps: regions.length });
  }

  const batch = new Float32Array(parts.reduce((n, p) => n + p.inputs.length, 0));
  let offset = 0;
  for (const p of parts) {
    batch.set(p.inputs, offset);
    offset += p.inputs.length;
  }
  const rerun = await perturbedLogits(runner, batch, run.plan ?? BATCHED_PLAN, run.signal);
  const curvesOf = new Map<string, Curves>();
  let windowIndex = 0;
  for (const p of parts) {
    const n = 2 * (p.steps + 1);
    const probs = Array.from({ length: n }, (_, k) => sigmoid(rerun.logits[(windowIndex + k) * K + top]!));
    curvesOf.set(p.name, curvesFromProbabilities(probs, p.steps));
    windowIndex += n;
  }
  // the all-baseline input is insertion step 0 of the first order: every class's floor
  const baselineWindow = settings.steps + 1;
  const floor = Object.fromEntries(m.classes.map((cls, c) => [cls.code, sigmoid(rerun.logits[baselineWindow * K + c]!)]));
  const curves = Object.fromEntries(ORDERS.map((o) => [o, aucPair(curvesOf.get(o)!)])) as Record<OrderName, AucPair>;
  const region: RegionOutcome | null = curvesOf.has('region:rater-valid')
    ? {
        regions: regions.length,
        valid: regionValid,
        curves: Object.fromEntries(REGION_ORDERS.map((o) => [o, aucPair(curvesOf.get(`region:${o}`)!)])) as Record<
          RegionOrderName,
          AucPair
        >,
      }
    : null;
  return {
    pseudonym: record.pseudonym,
    completeness,
    mapsAsShown,
    classCode: m.classes[top]!.code,
    floor,
    curves,
    region,
    degeneracy,
    localisation,
    delineated: stored.annotations.length > 0,
  };
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

const finite = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null && Number.isFinite(v));

function aucSummaries(list: readonly AucPair[]): AucSummaries {
  return {
    deletionAuc: summarize(list.map((c) => c.curves.deletionAuc)),
    insertionAuc: summarize(list.map((c) => c.curves.insertionAuc)),
    normalisedDeletionAuc: summarize(finite(list.map((c) => c.normDeletion))),
    normalisedInsertionAuc: summarize(finite(list.map((c) => c.normInsertion))),
  };
}

/** Paired per-record differences order - versus, raw and normalised, with bootstrap intervals over records. */
function pairedDifferences(
  pairs: readonly { a: AucPair; b: AucPair }[],
  order: string,
  versus: string,
  settings: FaithfulnessSettings,
): PairedDifference[] {
  const specs = [
    { curve: 'deletion' as const, normalised: false, of: (p: AucPair) => p.curves.deletionAuc },
    { curve: 'insertion' as const, normalised: false, of: (p: AucPair) => p.curves.insertionAuc },
    { curve: 'deletion' as const, normalised: true, of: (p: AucPair) => p.normDeletion },
    { curve: 'insertion' as const, normalised: true, of: (p: AucPair) => p.normInsertion },
  ];
  return specs.map(({ curve, normalised, of }) => {
    const diffs = finite(pairs.map(({ a, b }) => (of(a) === null || of(b) === null ? null : of(a)! - of(b)!)));
    // one difference per record: records are the units, so the ordinary bootstrap resamples records
    const { mean: estimate } = bootstrapAll(
      diffs.length,
      { mean: { value: (idx) => idx.reduce((s, i) => s + diffs[i]!, 0) / idx.length, uses: () => true } },
      { resamples: 1000, seed: settings.seed, minUnits: MIN_PAIRED_UNITS },
    );
    return { order, versus, curve, normalised, mean: estimate, median: summarize(diffs).median };
  });
}

/** Mean over records of the probability after k = 0..max regions removed, each record carrying its last value. */
function meanRegionCurve(curves: readonly number[][], max: number): number[] {
  return Array.from({ length: max + 1 }, (_, k) => mean(curves.map((c) => c[Math.min(k, c.length - 1)]!)) ?? Number.NaN);
}

/**
 * Up to `max` records with a run, a seeded sample when there are more (0 = all). Records are taken in
 * pseudonym order before sampling, so the same study gives the same sample in any database.
 */
function pickRecords(records: readonly RecordInfo[], max: number, seed: number): RecordInfo[] {
  const withRun = records.filter((r) => r.run).sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : a.pseudonym > b.pseudonym ? 1 : 0));
  if (max <= 0 || withRun.length <= max) return withRun;
  const order = randomOrder(withRun.length, seed);
  return [...order.subarray(0, max)].sort((a, b) => a - b).map((i) => withRun[i]!);
}

const perKind = (f: (k: SegmentKind) => number | null): Record<SegmentKind, number | null> =>
  Object.fromEntries(SEGMENT_KINDS.map((k) => [k, f(k)])) as Record<SegmentKind, number | null>;

function localisationRows(outcomes: readonly RecordOutcome[], classes: readonly string[], leads: readonly string[]): LocalisationRow[] {
  const rows: LocalisationRow[] = [];
  for (const cls of classes) {
    for (const lead of ['all leads', ...leads]) {
      const items = outcomes.flatMap((o) =>
        o.localisation
          .filter((x) => x.classCode === cls && (lead === 'all leads' || x.lead === lead))
          .map((x) => ({ pseudonym: o.pseudonym, result: x.result })),
      );
      if (items.length === 0) continue;
      const withMass = items.filter((x) => x.result.massShare !== null);
      const totalMass = withMass.reduce((s, x) => s + x.result.positiveMass, 0);
      const byRecord = new Map<string, typeof withMass>();
      for (const x of withMass) byRecord.set(x.pseudonym, [...(byRecord.get(x.pseudonym) ?? []), x]);
      const recordShares = [...byRecord.values()].map((list) => {
        const total = list.reduce((s, x) => s + x.result.positiveMass, 0);
        return perKind((k) => list.reduce((s, x) => s + x.result.massIn[k], 0) / total);
      });
      const peaks = items.filter((x) => x.result.peakAt !== null);
      const peakClusters = new Map<string, PeakLocation[]>();
      for (const x of peaks) peakClusters.set(x.pseudonym, [...(peakClusters.get(x.pseudonym) ?? []), x.result.peakAt!]);
      rows.push({
        classCode: cls,
        lead,
        records: byRecord.size,
        n: withMass.length,
        meanMassShare: perKind((k) => mean(withMass.map((x) => x.result.massShare![k]))),
        pooledMassShare: perKind((k) => (totalMass > 0 ? withMass.reduce((s, x) => s + x.result.massIn[k], 0) / totalMass : null)),
        recordMassShare: perKind((k) => mean(recordShares.map((r) => r[k]!))),
        meanTimeShare: perKind((k) => mean(items.map((x) => x.result.timeShare[k]))),
        peakLocation: Object.fromEntries(
          PEAK_LOCATIONS.map((k) => [
            k,
            clusteredWilson([...peakClusters.values()].map((list) => ({ count: list.filter((p) => p === k).length, total: list.length }))),
          ]),
        ) as Record<PeakLocation, ClusteredShare>,
      });
    }
  }
  return rows;
}

/**
 * Records are evaluated `runner.parallelism` at a time (each record's result is independent of the others and
 * kept in record order), so a worker pool's batch workers share the work.
 */
export async function faithfulnessSection(
  runner: WindowRunner,
  db: Db,
  data: StudyData,
  settings: FaithfulnessSettings,
  run: FaithfulnessRun = {},
): Promise<FaithfulnessSection> {
  const m = runner.model.manifest;
  const started = performance.now();
  const chosen = pickRecords(data.records, settings.maxRecords, settings.seed);
  const results: (RecordOutcome | { skipped: string })[] = new Array(chosen.length);
  let next = 0;
  let done = 0;
  run.onProgress?.(0, chosen.length);
  const lane = async (): Promise<void> => {
    while (next < chosen.length) {
      const i = next++;
      if (run.signal?.aborted) throw new RunCancelled();
      try {
        results[i] = await evaluateRecord(runner, db, data, chosen[i]!, settings, run);
      } catch (err) {
        if (err instanceof RunCancelled) throw err;
        results[i] = { skipped: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
      }
      run.onProgress?.(++done, chosen.length);
      // an in-process runner runs synchronously on this thread: let queued work (e.g. other API calls) in between records
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(runner.parallelism, chosen.length)) }, lane));
  const passMs = performance.now() - started;
  const outcomes = results.filter((r): r is RecordOutcome => !('skipped' in r));
  const skipped: FaithfulnessSection['recordsSkipped'] = results.flatMap((r, i) =>
    'skipped' in r ? [{ pseudonym: chosen[i]!.pseudonym, reason: r.skipped }] : [],
  );

  const curves: OrderCurves[] = ORDERS.map((order) => {
    const list = outcomes.map((o) => o.curves[order]);
    const meanAt = (pick: (c: Curves) => number[]): number[] =>
      stepFractions(settings.steps).map((_, k) => mean(list.map((c) => pick(c.curves)[k]!)) ?? Number.NaN);
    return {
      order,
      records: list.length,
      meanDeletion: list.length ? meanAt((c) => c.deletion) : [],
      meanInsertion: list.length ? meanAt((c) => c.insertion) : [],
      ...aucSummaries(list),
    };
  });
  const curvesByClass: ClassCurves[] = m.classes.flatMap((cls) =>
    ORDERS.flatMap((order) => {
      const list = outcomes.flatMap((o) => (o.classCode === cls.code ? [o.curves[order]] : []));
      return list.length === 0 ? [] : [{ classCode: cls.code, order, records: list.length, ...aucSummaries(list) }];
    }),
  );

  const withRegions = outcomes.filter((o) => o.region !== null);
  const maxRegions = Math.max(0, ...withRegions.map((o) => o.region!.regions));
  const regionLevel: RegionLevel = {
    majorityRule: MAJORITY_RULE,
    records: withRegions.length,
    maxRegions,
    regions: summarize(withRegions.map((o) => o.region!.regions)),
    validRegions: summarize(withRegions.map((o) => o.region!.valid)),
    orders: REGION_ORDERS.map((order) => {
      const list = withRegions.map((o) => o.region!.curves[order]);
      return {
        order,
        meanDeletion: list.length
          ? meanRegionCurve(
              list.map((c) => c.curves.deletion),
              maxRegions,
            )
          : [],
        meanInsertion: list.length
          ? meanRegionCurve(
              list.map((c) => c.curves.insertion),
              maxRegions,
            )
          : [],
        ...aucSummaries(list),
      };
    }),
    paired: (['relevance', 'random'] as const).flatMap((versus) =>
      pairedDifferences(
        withRegions.map((o) => ({ a: o.region!.curves['rater-valid'], b: o.region!.curves[versus] })),
        'rater-valid',
        versus,
        settings,
      ),
    ),
  };

  const degeneracy: DegeneracyRow[] = m.classes.map((cls) => {
    const rows = outcomes.flatMap((o) => o.degeneracy.filter((d) => d.classCode === cls.code));
    const topLeadCounts: Record<string, number> = {};
    for (const r of rows) topLeadCounts[r.topLead] = (topLeadCounts[r.topLead] ?? 0) + 1;
    return {
      classCode: cls.code,
      records: rows.length,
      topSamplesShare: summarize(rows.map((r) => r.topSamples)),
      topLeadShare: summarize(rows.map((r) => r.topLeadShare)),
      topLeadCounts,
    };
  });

  return {
    recordsEvaluated: outcomes.length,
    recordsSkipped: skipped,
    settings: { ...settings, baseline: BASELINE_DESCRIPTION, fractions: stepFractions(settings.steps) },
    exactness: {
      storedRuns: summarize(data.records.flatMap((r) => (r.run ? [r.run.completenessError] : []))),
      recomputed: summarize(outcomes.map((o) => o.completeness)),
      mapsAsShown: {
        checked: outcomes.filter((o) => o.mapsAsShown !== null).length,
        equal: outcomes.filter((o) => o.mapsAsShown === true).length,
      },
    },
    baselineProbability: m.classes.map((cls) => ({ classCode: cls.code, probability: summarize(outcomes.map((o) => o.floor[cls.code]!)) })),
    curves,
    curvesByClass,
    relevanceVsRandom: pairedDifferences(
      outcomes.map((o) => ({ a: o.curves.relevance, b: o.curves.random })),
      'relevance',
      'random',
      settings,
    ),
    regionLevel,
    degeneracy,
    localisation: {
      delineatedRecords: outcomes.filter((o) => o.delineated).length,
      classesScored: LOCALISED_CLASSES,
      rows: localisationRows(
        outcomes,
        m.classes.map((c) => c.code),
        m.leadOrder,
      ),
    },
    deletionInsertionMsPerRecord: outcomes.length ? passMs / outcomes.length : null,
  };
}
