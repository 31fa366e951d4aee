/**
 * Two audits side by side: two models on the same records (a retrained model against the last one), or two
 * studies. Each side is a study with one model's runs, in the same database or another. Records are matched
 * by their signal's content hash, so the same ECG imported into two studies (or two databases) pairs up.
 *
 * For each side: the agreement headline figures (region valid share, inter-rater agreement on regions,
 * plausibility) from the report's own agreement section, and per shared record its share of regions judged
 * valid, its share of "yes" plausibility verdicts and its deletion/insertion AUCs, each record's AUCs being the
 * report's faithfulness section computed on that record alone (so every definition is the report's own).
 * Differences (A - B) are means over the shared records that have the figure on both sides, with a percentile
 * bootstrap 95 % interval that resamples records (the pairs stay together).
 */
import { bootstrapAll, type BootstrapEstimate, MIN_PAIRED_UNITS, type Share, summarize, type Summary, wilson } from '../audit/stats.ts';
import { randomOrder } from '../audit/faithfulness.ts';
import type { PerturbationPlan } from '../inference/perturbation.ts';
import { RunCancelled } from '../inference/perturbation.ts';
import type { WindowRunner } from '../inference/runner.ts';
import type { Db } from '../store/db.ts';
import { inForce } from '../store/labels.ts';
import { REGION_VALUES } from './agreement.ts';
import { buildReport, DEFAULT_SETTINGS, type ReportSettings } from './build.ts';
import { loadStudyData, type RecordInfo, type StudyData } from './data.ts';
import { faithfulnessSection } from './faithfulness.ts';

export interface CompareSide {
  db: Db;
  /** Shown in the report ("A", "B" or a name). */
  label: string;
  study?: string;
  modelId?: string;
  /** The runner for this side's model (its faithfulness re-runs); none: no faithfulness for this side. */
  runner: WindowRunner | null;
}

export interface CompareSettings {
  bootstrapResamples: number;
  seed: number;
  deletionSteps: number;
  /** Largest number of shared records re-run for faithfulness (a seeded sample); 0 = all. */
  faithfulnessMaxRecords: number;
}

export const DEFAULT_COMPARE_SETTINGS: CompareSettings = {
  bootstrapResamples: DEFAULT_SETTINGS.bootstrapResamples,
  seed: DEFAULT_SETTINGS.seed,
  deletionSteps: DEFAULT_SETTINGS.deletionSteps,
  faithfulnessMaxRecords: 100,
};

/** The per-record figures compared. */
export const PAIRED_METRICS = ['validShare', 'plausibleYes', 'deletionAuc', 'insertionAuc'] as const;
export type PairedMetric = (typeof PAIRED_METRICS)[number];

export interface SideSummary {
  label: string;
  study: string;
  model: { id: string; name: string; onnxSha256: string } | null;
  records: number;
  raters: number;
  currentLabels: number;
  regionValid: Share;
  regionPercentAgreement: BootstrapEstimate;
  regionKrippendorffAlpha: BootstrapEstimate;
  plausibleYes: Share;
  /** Per-record figures over the shared records (records with the figure). */
  perRecord: Record<PairedMetric, Summary>;
}

export interface PairedDifference {
  metric: PairedMetric;
  /** Shared records with the figure on both sides. */
  records: number;
  meanA: number | null;
  meanB: number | null;
  /** Mean of A - B with its bootstrap interval over records. */
  difference: BootstrapEstimate;
}

export interface Comparison {
  format: 'ecg-imn-audit-comparison';
  formatVersion: 1;
  generatedAt: string;
  settings: CompareSettings;
  a: SideSummary;
  b: SideSummary;
  sharedRecords: number;
  /** The deletion order whose AUCs are compared (the report's main order). */
  faithfulnessOrder: string | null;
  /** Shared records re-run for faithfulness on both sides. */
  faithfulnessRecords: number;
  differences: PairedDifference[];
}

interface SideData {
  side: CompareSide;
  data: StudyData;
  bySha: Map<string, RecordInfo>;
}

function loadSide(side: CompareSide): SideData {
  const data = loadStudyData(side.db, { study: side.study, modelId: side.modelId });
  const rows = side.db.prepare('SELECT id, content_sha256 AS sha FROM records WHERE study_id = ?').all(data.study.id) as {
    id: number;
    sha: string;
  }[];
  const byId = new Map(data.records.map((r) => [r.id, r]));
  const bySha = new Map<string, RecordInfo>();
  for (const row of rows) {
    const r = byId.get(row.id);
    if (r?.run) bySha.set(row.sha, r);
  }
  return { side, data, bySha };
}

/** Per record: share of its (current) region judgements that say valid, on this side's model's regions. */
function validShares(data: StudyData): Map<number, number> {
  const regionsOfRun = new Map<number, Set<number>>();
  for (const r of data.records) if (r.run) regionsOfRun.set(r.id, new Set(r.run.labelledRegions.map((g) => g.id)));
  const counts = new Map<number, { valid: number; total: number }>();
  for (const l of data.labels) {
    if (!inForce(l) || l.targetKind !== 'region' || l.regionId === null) continue;
    if (!regionsOfRun.get(l.recordId)?.has(l.regionId)) continue;
    const c = counts.get(l.recordId) ?? { valid: 0, total: 0 };
    c.total++;
    if (l.value === REGION_VALUES[0]) c.valid++;
    counts.set(l.recordId, c);
  }
  return new Map([...counts].map(([id, c]) => [id, c.valid / c.total]));
}

/** Per record: share of its current plausibility verdicts that say yes. */
function plausibleShares(data: StudyData): Map<number, number> {
  const counts = new Map<number, { yes: number; total: number }>();
  for (const l of data.labels) {
    if (!inForce(l) || l.targetKind !== 'plausible') continue;
    const c = counts.get(l.recordId) ?? { yes: 0, total: 0 };
    c.total++;
    if (l.value === 'yes') c.yes++;
    counts.set(l.recordId, c);
  }
  return new Map([...counts].map(([id, c]) => [id, c.yes / c.total]));
}

/** The main order's AUCs of one record: the report's faithfulness section computed on that record alone. */
async function recordAucs(
  s: SideData,
  record: RecordInfo,
  settings: CompareSettings,
  run: { plan?: PerturbationPlan; signal?: AbortSignal },
): Promise<{ order: string; deletion: number; insertion: number } | null> {
  if (!s.side.runner) return null;
  const section = await faithfulnessSection(
    s.side.runner,
    s.side.db,
    { ...s.data, records: [record] },
    { steps: settings.deletionSteps, seed: settings.seed, maxRecords: 0, topFraction: DEFAULT_SETTINGS.topSampleFraction },
    run,
  );
  const main = section.curves.find((c) => c.records > 0);
  if (!main || main.deletionAuc.median === null || main.insertionAuc.median === null) return null;
  return { order: main.order, deletion: main.deletionAuc.median, insertion: main.insertionAuc.median };
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null);

export async function compareStudies(
  sideA: CompareSide,
  sideB: CompareSide,
  options: {
    settings?: Partial<CompareSettings>;
    plan?: PerturbationPlan;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    /** Called when the faithfulness re-runs are done and each side's agreement figures start. */
    onAgreement?: () => void;
    now?: () => Date;
  } = {},
): Promise<Comparison> {
  const settings = { ...DEFAULT_COMPARE_SETTINGS, ...options.settings };
  const [a, b] = [loadSide(sideA), loadSide(sideB)];
  const shared = [...a.bySha.keys()].filter((sha) => b.bySha.has(sha)).sort();

  // faithfulness on a seeded sample of the shared records, the same records on both sides
  const max = settings.faithfulnessMaxRecords;
  const sample =
    max > 0 && shared.length > max ? [...randomOrder(shared.length, settings.seed).subarray(0, max)].map((i) => shared[i]!) : shared;
  const aucs = new Map<string, [Awaited<ReturnType<typeof recordAucs>>, Awaited<ReturnType<typeof recordAucs>>]>();
  const run = { plan: options.plan, signal: options.signal };
  let done = 0;
  options.onProgress?.(0, sample.length);
  for (const sha of sample) {
    if (options.signal?.aborted) throw new RunCancelled();
    const pair = await Promise.all([recordAucs(a, a.bySha.get(sha)!, settings, run), recordAucs(b, b.bySha.get(sha)!, settings, run)]);
    aucs.set(sha, pair);
    options.onProgress?.(++done, sample.length);
  }
  const orders = new Set([...aucs.values()].flatMap((p) => p.flatMap((x) => (x ? [x.order] : []))));
  const faithfulnessOrder = orders.size === 1 ? [...orders][0]! : null;

  const perRecord = (s: SideData, side: 0 | 1): Map<string, Record<PairedMetric, number>> => {
    const valid = validShares(s.data);
    const plausible = plausibleShares(s.data);
    return new Map(
      shared.map((sha) => {
        const r = s.bySha.get(sha)!;
        const f = aucs.get(sha)?.[side];
        return [
          sha,
          {
            validShare: valid.get(r.id) ?? Number.NaN,
            plausibleYes: plausible.get(r.id) ?? Number.NaN,
            deletionAuc: f && faithfulnessOrder ? f.deletion : Number.NaN,
            insertionAuc: f && faithfulnessOrder ? f.insertion : Number.NaN,
          },
        ];
      }),
    );
  };
  if (options.signal?.aborted) throw new RunCancelled();
  options.onAgreement?.();
  const valuesA = perRecord(a, 0);
  const valuesB = perRecord(b, 1);

  const differences: PairedDifference[] = PAIRED_METRICS.map((metric) => {
    const pairs = shared
      .map((sha) => [valuesA.get(sha)![metric], valuesB.get(sha)![metric]] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const { difference } = bootstrapAll(
      pairs.length,
      {
        // one pair per record: records are the units, so the ordinary bootstrap resamples records
        difference: {
          value: (idx) => (idx.length ? [...idx].reduce((s, i) => s + pairs[i]![0] - pairs[i]![1], 0) / idx.length : Number.NaN),
          uses: () => true,
        },
      },
      { resamples: settings.bootstrapResamples, seed: settings.seed, minUnits: MIN_PAIRED_UNITS },
    );
    return { metric, records: pairs.length, meanA: mean(pairs.map((p) => p[0])), meanB: mean(pairs.map((p) => p[1])), difference };
  });

  const summarizeSide = async (s: SideData, values: Map<string, Record<PairedMetric, number>>): Promise<SideSummary> => {
    const reportSettings: ReportSettings = {
      ...DEFAULT_SETTINGS,
      study: s.data.study.name,
      modelId: s.data.model?.id ?? null,
      faithfulness: false,
      bootstrapResamples: settings.bootstrapResamples,
      seed: settings.seed,
    };
    const report = await buildReport(s.side.db, s.data, { settings: reportSettings, runner: null, now: options.now });
    const overall = report.agreement.regionShares.overall[0];
    const plausible = report.agreement.verdicts.plausibleByPredictedClass.find((r) => r.group === 'all records');
    const ir = report.agreement.interRater.regions;
    return {
      label: s.side.label,
      study: s.data.study.name,
      model: report.model ? { id: report.model.id, name: report.model.name, onnxSha256: report.model.onnxSha256 } : null,
      records: report.counts.records,
      raters: report.counts.raters,
      currentLabels: report.counts.currentLabels,
      regionValid: overall?.shares.valid ?? wilson(0, 0),
      regionPercentAgreement: ir.percentAgreement,
      regionKrippendorffAlpha: ir.krippendorffAlpha,
      plausibleYes: plausible?.shares.yes ?? wilson(0, 0),
      perRecord: Object.fromEntries(
        PAIRED_METRICS.map((m) => [m, summarize([...values.values()].map((v) => v[m]).filter(Number.isFinite))]),
      ) as Record<PairedMetric, Summary>,
    };
  };

  return {
    format: 'ecg-imn-audit-comparison',
    formatVersion: 1,
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    settings,
    a: await summarizeSide(a, valuesA),
    b: await summarizeSide(b, valuesB),
    sharedRecords: shared.length,
    faithfulnessOrder,
    faithfulnessRecords: faithfulnessOrder ? sample.length : 0,
    differences,
  };
}
