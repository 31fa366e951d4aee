/**
 * The faithfulness half of a report, recomputed with the ONNX engine from the stored signals (not from the
 * stored maps), per record:
 * - exactness: max over windows and classes of |sum(W*x) + b - logit|;
 * - degeneracy per class: share of |W*x| on the top 1 % of samples and on the top lead;
 * - localisation per class and lead where the record has P/QRS/T delineation;
 * - deletion/insertion curves for the predicted class in three orders (|W*x|, seeded random, regions raters
 *   judged valid first), all on the class's decisive window (the window whose logit sets the probability).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  completenessError,
  type Curves,
  curvesFromProbabilities,
  perturbedInputs,
  randomOrder,
  salienceOrder,
  type Span,
  spansFirstOrder,
  stepFractions,
  topLeadMassShare,
  topSampleMassShare,
} from '../audit/faithfulness.ts';
import {
  type LeadLocalisation,
  localiseLead,
  SEGMENT_KINDS,
  type SegmentKind,
  segmentsOfLead,
  type Wave,
  waveAtRate,
} from '../audit/localisation.ts';
import { type Share, type Summary, summarize, wilson } from '../audit/stats.ts';
import { sigmoid } from '../inference/explain.ts';
import { BATCHED_PLAN, type PerturbationPlan, perturbedLogits, RunCancelled } from '../inference/perturbation.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { inForce } from '../store/labels.ts';
import { getRecord } from '../store/records.ts';
import type { RecordInfo, StudyData } from './data.ts';
import { REGION_VALUES } from './agreement.ts';

export const ORDERS = ['attribution', 'random', 'rater-valid'] as const;
export type OrderName = (typeof ORDERS)[number];

export interface FaithfulnessSettings {
  steps: number;
  seed: number;
  /** Largest number of records evaluated (a seeded sample when the study has more); 0 = all. */
  maxRecords: number;
  /** Fraction of samples for the degeneracy "top samples" share. */
  topFraction: number;
}

export interface OrderCurves {
  order: OrderName;
  records: number;
  meanDeletion: number[];
  meanInsertion: number[];
  deletionAuc: Summary;
  insertionAuc: Summary;
}

/** AUCs of one order over the records predicted as one class. */
export interface ClassCurves {
  classCode: string;
  order: OrderName;
  records: number;
  deletionAuc: Summary;
  insertionAuc: Summary;
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
  /** Lead-records with positive attribution in the annotated span. */
  n: number;
  meanMassShare: Record<SegmentKind, number | null>;
  meanTimeShare: Record<SegmentKind, number | null>;
  /** Share of lead-records whose largest positive attribution falls in each kind (pointing game). */
  pointing: Record<SegmentKind, Share>;
}

export interface FaithfulnessSection {
  recordsEvaluated: number;
  recordsSkipped: { pseudonym: string; reason: string }[];
  settings: FaithfulnessSettings & { baseline: string; fractions: number[] };
  exactness: { storedRuns: Summary; recomputed: Summary };
  curves: OrderCurves[];
  /** The same AUCs split by the predicted class the curves were computed for. */
  curvesByClass: ClassCurves[];
  /** Paired AUC differences (attribution minus random) over records with both. */
  attributionVsRandom: { deletionAucDifference: Summary; insertionAucDifference: Summary };
  degeneracy: DegeneracyRow[];
  localisation: { delineatedRecords: number; rows: LocalisationRow[] };
  /**
   * Wall time of the whole pass per evaluated record, records running in parallel on the runner's workers
   * (deletion/insertion is nearly all of it).
   */
  deletionInsertionMsPerRecord: number | null;
}

export const BASELINE_DESCRIPTION =
  "A removed sample is set to 0 in the z-scored model input, i.e. to its lead's mean over the window; " +
  'samples are replaced individually with no interpolation or smoothing, identically for every order.';

interface RecordOutcome {
  completeness: number;
  /** The predicted class the curves follow. */
  classCode: string;
  curves: Partial<Record<OrderName, Curves>>;
  degeneracy: { classCode: string; topSamples: number; topLead: string; topLeadShare: number }[];
  localisation: { classCode: string; lead: string; result: LeadLocalisation }[];
  delineated: boolean;
}

/** Spans of the regions a majority of raters judged valid for the class, by rank, within the decisive window. */
function validSpans(
  data: StudyData,
  record: RecordInfo,
  classCode: string,
  leads: readonly string[],
  windowStart: number,
  inputLength: number,
): Span[] {
  const votes = new Map<number, { valid: number; total: number }>();
  for (const l of data.labels) {
    if (!inForce(l) || l.targetKind !== 'region' || l.recordId !== record.id || l.regionId === null) continue;
    const v = votes.get(l.regionId) ?? { valid: 0, total: 0 };
    v.total++;
    if (l.value === REGION_VALUES[0]) v.valid++;
    votes.set(l.regionId, v);
  }
  return (record.run?.labelledRegions ?? [])
    .filter((g) => g.classCode === classCode)
    .filter((g) => {
      const v = votes.get(g.id);
      return v !== undefined && v.valid * 2 > v.total;
    })
    .sort((a, b) => a.rank - b.rank)
    .map((g) => ({ lead: leads.indexOf(g.lead), start: g.startSample - windowStart, end: g.endSample - windowStart }))
    .filter((s) => s.lead >= 0 && s.end > 0 && s.start < inputLength);
}

/** How the faithfulness pass runs: progress, cancel, and the perturbation plan (the numbers never depend on it). */
export interface FaithfulnessRun {
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the pass between model runs; faithfulnessSection then rejects with RunCancelled. */
  signal?: AbortSignal;
  plan?: PerturbationPlan;
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

  const degeneracy = m.classes.map((cls, c) => {
    const top = topLeadMassShare(attribution[c]!, L);
    return {
      classCode: cls.code,
      topSamples: topSampleMassShare(attribution[c]!, settings.topFraction),
      topLead: m.leadOrder[top.lead]!,
      topLeadShare: top.share,
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
  m.classes.forEach((cls, c) => {
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

  // deletion/insertion for the predicted class
  let top = 0;
  for (let c = 1; c < K; c++) if (out!.logits[decisive[c]! * K + c]! > out!.logits[decisive[top]! * K + top]!) top = c;
  const w = decisive[top]!;
  const x = input.windows.subarray(w * per, (w + 1) * per);
  const a = attribution[top]!;
  const orders: Partial<Record<OrderName, Uint32Array>> = {
    attribution: salienceOrder(a),
    random: randomOrder(per, (settings.seed ^ record.id) >>> 0),
  };
  const spans = validSpans(data, record, m.classes[top]!.code, m.leadOrder, input.windowStarts[w]!, L);
  if (spans.length > 0) orders['rater-valid'] = spansFirstOrder(a, L, spans);
  const names = ORDERS.filter((o) => orders[o]);
  const batch = new Float32Array(names.length * 2 * (settings.steps + 1) * per);
  names.forEach((o, i) => batch.set(perturbedInputs(x, orders[o]!, settings.steps), i * 2 * (settings.steps + 1) * per));
  const rerun = await perturbedLogits(runner, batch, run.plan ?? BATCHED_PLAN, run.signal);
  const curves: Partial<Record<OrderName, Curves>> = {};
  names.forEach((o, i) => {
    const n = 2 * (settings.steps + 1);
    const probs = Array.from({ length: n }, (_, k) => sigmoid(rerun.logits[(i * n + k) * K + top]!));
    curves[o] = curvesFromProbabilities(probs, settings.steps);
  });
  return {
    completeness,
    classCode: m.classes[top]!.code,
    curves,
    degeneracy,
    localisation,
    delineated: stored.annotations.length > 0,
  };
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** Up to `max` records with a run, a seeded sample when there are more (0 = all). */
function pickRecords(records: readonly RecordInfo[], max: number, seed: number): RecordInfo[] {
  const withRun = records.filter((r) => r.run);
  if (max <= 0 || withRun.length <= max) return withRun;
  const order = randomOrder(withRun.length, seed);
  return [...order.subarray(0, max)].sort((a, b) => a - b).map((i) => withRun[i]!);
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
    const list = outcomes.flatMap((o) => (o.curves[order] ? [o.curves[order]] : []));
    const meanAt = (pick: (c: Curves) => number[]): number[] =>
      stepFractions(settings.steps).map((_, k) => mean(list.map((c) => pick(c)[k]!)) ?? Number.NaN);
    return {
      order,
      records: list.length,
      meanDeletion: list.length ? meanAt((c) => c.deletion) : [],
      meanInsertion: list.length ? meanAt((c) => c.insertion) : [],
      deletionAuc: summarize(list.map((c) => c.deletionAuc)),
      insertionAuc: summarize(list.map((c) => c.insertionAuc)),
    };
  });
  const curvesByClass: ClassCurves[] = m.classes.flatMap((cls) =>
    ORDERS.flatMap((order) => {
      const list = outcomes.flatMap((o) => (o.classCode === cls.code && o.curves[order] ? [o.curves[order]] : []));
      if (list.length === 0) return [];
      return [
        {
          classCode: cls.code,
          order,
          records: list.length,
          deletionAuc: summarize(list.map((c) => c.deletionAuc)),
          insertionAuc: summarize(list.map((c) => c.insertionAuc)),
        },
      ];
    }),
  );
  const paired = outcomes.filter((o) => o.curves.attribution && o.curves.random);

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

  const locRows: LocalisationRow[] = [];
  for (const cls of m.classes) {
    for (const lead of ['all leads', ...m.leadOrder]) {
      const items = outcomes.flatMap((o) =>
        o.localisation.filter((x) => x.classCode === cls.code && (lead === 'all leads' || x.lead === lead)),
      );
      if (items.length === 0) continue;
      const withMass = items.filter((x) => x.result.massShare !== null);
      const pointed = items.filter((x) => x.result.pointedAt !== null);
      const per = (f: (k: SegmentKind) => number | null): Record<SegmentKind, number | null> =>
        Object.fromEntries(SEGMENT_KINDS.map((k) => [k, f(k)])) as Record<SegmentKind, number | null>;
      locRows.push({
        classCode: cls.code,
        lead,
        n: withMass.length,
        meanMassShare: per((k) => mean(withMass.map((x) => x.result.massShare![k]))),
        meanTimeShare: per((k) => mean(items.map((x) => x.result.timeShare[k]))),
        pointing: Object.fromEntries(
          SEGMENT_KINDS.map((k) => [k, wilson(pointed.filter((x) => x.result.pointedAt === k).length, pointed.length)]),
        ) as Record<SegmentKind, Share>,
      });
    }
  }

  return {
    recordsEvaluated: outcomes.length,
    recordsSkipped: skipped,
    settings: { ...settings, baseline: BASELINE_DESCRIPTION, fractions: stepFractions(settings.steps) },
    exactness: {
      storedRuns: summarize(data.records.flatMap((r) => (r.run ? [r.run.completenessError] : []))),
      recomputed: summarize(outcomes.map((o) => o.completeness)),
    },
    curves,
    curvesByClass,
    attributionVsRandom: {
      deletionAucDifference: summarize(paired.map((o) => o.curves.attribution!.deletionAuc - o.curves.random!.deletionAuc)),
      insertionAucDifference: summarize(paired.map((o) => o.curves.attribution!.insertionAuc - o.curves.random!.insertionAuc)),
    },
    degeneracy,
    localisation: { delineatedRecords: outcomes.filter((o) => o.delineated).length, rows: locRows },
    deletionInsertionMsPerRecord: outcomes.length ? passMs / outcomes.length : null,
  };
}
