/**
 * report.html: one self-contained page (inline CSS, inline SVG plots, no script, no external asset) that
 * prints to the same PDF in Chromium and in Electron.
 */
import type { AgreementSummary } from '../audit/agreement.ts';
import type { ShareRow } from '../audit/shares.ts';
import {
  type BootstrapEstimate,
  type Interval,
  MIN_DEFINED_RESAMPLE_SHARE,
  MIN_PAIRED_UNITS,
  MIN_UNITS,
  type Summary,
} from '../audit/stats.ts';
import { PEAK_LOCATIONS, SEGMENT_KINDS } from '../audit/localisation.ts';
import { inWords } from '../../shared/reasonCodes.ts';
import type { Report } from './build.ts';
import { curvePlot, estimatePlot, groupedBars, shareBars } from './charts.ts';
import { type AucSummaries, ORDER_LABELS, type PairedDifference, type RegionLevel } from './faithfulness.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`;
export const ci = (c: Interval | null, f: (v: number) => string = (v) => fmt(v)): string => (c ? `${f(c.low)} – ${f(c.high)}` : '–');

/**
 * A table; an empty header makes a key/value table without a header row. `read` is one plain sentence under it
 * saying how to read it, for a reader who is a clinician rather than a statistician.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], caption?: string, read?: string): string {
  if (rows.length === 0) return `<p class="empty">${caption ? `${escapeHtml(caption)}: ` : ''}no data.</p>`;
  const head = header.length ? `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
  return (
    `<div class="block"><table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}${head}` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>` +
    `${read ? `<p class="read"><b>How to read this:</b> ${escapeHtml(read)}</p>` : ''}</div>`
  );
}

/** When a figure or its interval is withheld, in words (the tables say "too few units (n)" in its place). */
const MINIMUMS =
  `A statistic needs at least ${MIN_UNITS} units, and its interval needs at least ${MIN_DEFINED_RESAMPLE_SHARE * 100} % of the bootstrap resamples to give a value; ` +
  'otherwise the table says why it is missing. Intervals resample whole records, so labels of one record move together.';

const READ = {
  shares:
    'each row counts the raters\u2019 current verdicts in that group (labels, from how many records); the shares across a row add up to 100 %, and the 95 % interval is where the true share plausibly lies. It is widened for labels of the same record being alike (Wilson interval at the effective sample size), so it is wide when there are few records.',
  agreement:
    'percent agreement is how often two raters gave the same answer; kappa and alpha correct for agreement by chance: 1 is perfect, 0 is no better than chance, below 0 worse (above 0.8 is usually called strong, 0.4-0.8 moderate). Units are the regions or records a figure rests on; defined resamples says how many of the bootstrap resamples gave a value. ' +
    MINIMUMS,
  pairs: `the same statistics for each pair of raters, on the targets both of them rated. ${MINIMUMS}`,
  confusion: 'rows are what the first rater said, columns what the second said; the diagonal counts the times they agreed.',
  bins: 'compare the rows: if raters find regions more often valid, or agree more, when the model is more confident or the region ranks higher, the figures rise down the table; overlapping intervals mean no clear difference.',
  exactness:
    'how far the explanation is from adding up exactly to the model\u2019s output; values around 1e-5 or smaller mean W*x is the exact decomposition of the logit.',
  auc: 'deletion removes the samples the explanation ranks most relevant for the class first: a low area means the probability falls fast, so the explanation found what the model uses. Insertion puts them back into a blank input: a high area is better. The explanation should beat the random order. Raw areas start and end at class-specific levels (the blank input is unlike any ECG); the normalised areas put every curve on its own scale (0 = at the floor, 1 = at the unperturbed probability) and are the ones to compare across classes.',
  paired: `differences on the same records (first order minus second): a negative deletion difference and a positive insertion difference mean the first order finds the evidence faster; the interval resamples records. A difference needs at least ${MIN_PAIRED_UNITS} records with both figures; an interval that includes 0 means no clear difference.`,
  floor:
    'the probability the model gives a flat, blank ECG (every lead at its mean): deletion curves fall towards it and insertion curves start from it, so it is the bottom of each curve\u2019s scale. It differs per class, which is why the normalised areas exist.',
  byClass:
    'the normalised areas split by the class the curves follow (records = how many records were predicted as that class): compare classes here rather than with the raw areas. With few records in a class the p05-p95 range is wide and the median unsteady.',
  modelConfusion:
    'records counted at the threshold: predicted and present are correct detections, predicted but absent are false alarms, missed are the class present but not predicted.',
  raters:
    'labels counts every label a rater gave, revisions included; current labels are those in force after revisions, the ones every statistic uses.',
  degeneracy:
    'how concentrated the explanation is: a large share on 1 % of the samples, or on a single lead, means a few points carry the decision.',
  localisation:
    'mass share is how much of the positive attribution lies in each wave, time share how much of the annotated time the wave takes up; mass well above time means the model looks at that wave. Only the classes the model predicts for the record are scored.',
  peaks:
    'where the single strongest positive point of each lead lies; a share well above the wave\u2019s time share means the peaks favour that wave.',
} as const;

/** Verdicts and reason codes in words (codes stay in report.json and the CSVs); other groups as they are. */
function shareTable(caption: string, rows: readonly ShareRow[], groupName: string, read: string = READ.shares): string {
  const values = Object.keys(rows[0]?.shares ?? {});
  return table(
    [groupName, 'labels', 'records', ...values.flatMap((v) => [inWords(v), `95 % CI`])],
    rows
      .filter((r) => r.total > 0)
      .map((r) => [
        inWords(r.group),
        String(r.total),
        String(r.clusters),
        ...values.flatMap((v) => [pct(r.shares[v]!.share), ci(r.shares[v]!.ci, pct)]),
      ]),
    caption,
    read,
  );
}

/** Estimate, interval (or why there is none), the units and records it rests on, and the defined resamples. */
const estimate = (e: BootstrapEstimate): string[] => [
  e.estimate === null ? (e.note ?? '–') : fmt(e.estimate),
  e.ci === null ? (e.estimate === null ? '–' : (e.note ?? '–')) : ci(e.ci),
  e.clusters === e.units ? String(e.units) : `${e.units} (${e.clusters} records)`,
  e.estimate === null ? '–' : `${e.resamples} / ${e.requested}`,
];
const estimateHeader = ['estimate', '95 % CI (records resampled)', 'units used', 'defined resamples'];

function agreementBlock(title: string, a: AgreementSummary): string {
  const overview = table(
    ['statistic', ...estimateHeader],
    [
      ['percent agreement (units with 2+ ratings)', ...estimate(a.percentAgreement)],
      [`Fleiss' kappa (units rated by all ${a.raters.length} raters of this kind)`, ...estimate(a.fleissKappa)],
      ["Krippendorff's alpha (nominal, units with 2+ ratings)", ...estimate(a.krippendorffAlpha)],
    ],
    `${title}: ${a.units} units from ${a.clusters} records, ${a.pairableUnits} with two or more ratings, ${a.completeUnits} rated by all ${a.raters.length} raters who rated this kind`,
    READ.agreement,
  );
  const pairs = table(
    ['raters', "Cohen's kappa", ...estimateHeader.slice(1), 'percent agreement', '95 % CI'],
    a.pairs.map((p) => [`${p.raterA} vs ${p.raterB}`, ...estimate(p.cohenKappa), ...estimate(p.percentAgreement).slice(0, 2)]),
    `${title}: pairs of raters`,
    READ.pairs,
  );
  const confusions = a.pairs
    .filter((p) => p.units > 0)
    .map((p) =>
      table(
        [`${p.raterA} \\ ${p.raterB}`, ...a.categories.map(inWords)],
        p.confusion.map((row, x) => [inWords(a.categories[x]!), ...row.map(String)]),
        `Confusion ${p.raterA} (rows) vs ${p.raterB} (columns)`,
      ),
    )
    .join('');
  return overview + pairs + `<div class="confusions">${confusions}</div><p class="read"><b>How to read this:</b> ${READ.confusion}</p>`;
}

const summaryCells = (s: Summary, f: (v: number | null) => string = (v) => fmt(v, 4)): string[] => [
  String(s.n),
  f(s.mean),
  f(s.median),
  f(s.p05),
  f(s.p95),
  f(s.max),
];
const sci = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : v.toExponential(2));
const summaryHeader = ['records', 'mean', 'median', 'p05', 'p95', 'max'];

/** An order's code and its words, as the tables and plots name it. */
const orderWords = (order: keyof typeof ORDER_LABELS): string => `${order}: ${ORDER_LABELS[order]}`;

function aucRows(name: string, c: AucSummaries): string[][] {
  return [
    [name, 'deletion AUC (lower = more faithful)', ...summaryCells(c.deletionAuc)],
    [name, 'insertion AUC (higher = more faithful)', ...summaryCells(c.insertionAuc)],
    [name, 'normalised deletion AUC', ...summaryCells(c.normalisedDeletionAuc)],
    [name, 'normalised insertion AUC', ...summaryCells(c.normalisedInsertionAuc)],
  ];
}

function pairedTable(caption: string, rows: readonly PairedDifference[]): string {
  return table(
    ['difference', 'curve', 'mean', ...estimateHeader.slice(1), 'median'],
    rows.map((p) => [
      `${p.order} - ${p.versus}`,
      `${p.normalised ? 'normalised ' : ''}${p.curve} AUC`,
      ...estimate(p.mean),
      fmt(p.median, 4),
    ]),
    caption,
    READ.paired,
  );
}

function regionLevelHtml(r: RegionLevel): string {
  if (r.records === 0) return '<p>Region-granularity orders: no evaluated record has region judgements on its predicted class.</p>';
  const steps = Array.from({ length: r.maxRegions + 1 }, (_, k) => k);
  return (
    `<p>Region granularity, on the ${r.records} records with region judgements on their predicted class (the same records for every order): ` +
    `each step removes (or adds back) one whole region of the predicted class. ${escapeHtml(r.majorityRule)} ` +
    `Regions per record: median ${fmt(r.regions.median, 0)}; judged valid: median ${fmt(r.validRegions.median, 0)}.</p>` +
    `<div class="plots">${curvePlot(
      'Deletion by region (predicted class)',
      'regions removed',
      steps,
      r.orders.map((o) => ({ name: `${ORDER_LABELS[o.order]} (n=${r.records})`, values: o.meanDeletion })),
    )}</div>` +
    table(
      ['order', 'curve', ...summaryHeader],
      r.orders.flatMap((o) => aucRows(orderWords(o.order), o)),
      'Area under the region-granularity curves (x = share of the record\u2019s regions)',
      READ.auc,
    ) +
    pairedTable('Rater-valid region order against the other region orders, paired per record', r.paired)
  );
}

function modelOnStudyHtml(report: Report): string {
  const m = report.modelOnStudy;
  if (!m) return '';
  const num = (v: number | null, d = 3): string => (v === null ? '\u2013' : v.toFixed(d));
  const est = (e: { value: number | null; ci95: [number, number] | null }): string =>
    `${num(e.value)}${e.ci95 ? ` (${num(e.ci95[0])}\u2013${num(e.ci95[1])})` : ''}`;
  const sources = Object.entries(m.sources)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const figures = table(
    ['class', 'records', 'positives', 'AUROC (95% CI)', 'AUPRC (95% CI)', 'Brier', 'sensitivity', 'specificity'],
    m.classes.map((c) => [
      c.name,
      String(c.n),
      String(c.positives),
      est(c.auroc),
      est(c.auprc),
      num(c.brier),
      num(c.sensitivity, 2),
      num(c.specificity, 2),
    ]),
    `Model against the reference diagnoses of ${m.records} records (${sources}); macro AUROC ${est(m.macroAuroc)}`,
    'AUROC and AUPRC with percentile bootstrap 95% intervals over records; sensitivity and specificity at the app\u2019s threshold. A class the reference cannot decide for a record (NORM for CinC and LUDB) leaves that record out of the class.',
  );
  const confusion = table(
    ['class', 'predicted and present', 'predicted, absent', 'missed', 'neither'],
    m.classes.map((c) => [c.name, String(c.confusion.tp), String(c.confusion.fp), String(c.confusion.fn), String(c.confusion.tn)]),
    `Confusion at probability \u2265 ${m.threshold}`,
    READ.modelConfusion,
  );
  const wrong = table(
    ['class', 'wrongly predicted', 'missed', 'labelled regions on them', 'valid', 'not valid', 'unsure'],
    m.wrong.map((w) => [w.classCode, String(w.fp), String(w.fn), String(w.regions), String(w.valid), String(w.notValid), String(w.unsure)]),
    'Evidence behind wrong predictions, as the cardiologists judged it',
    'For each class: the records where the model and the reference differ, and the verdicts in force on the labelled evidence regions of that class on those records.',
  );
  return `<h2>Model on this study</h2>${figures}${confusion}${wrong}`;
}

/** Whether the figures are about the very maps the raters saw. */
function mapsAsShownHtml(m: { checked: number; equal: number }, evaluated: number): string {
  const stored = evaluated - m.checked;
  const storedNote = stored ? ` ${stored} record${stored === 1 ? '' : 's'} keep the maps stored at import, evaluated as recomputed.` : '';
  const differ = m.checked - m.equal;
  const differNote = differ
    ? ` For the other ${differ} the recomputed maps differ slightly (another execution provider or ONNX Runtime build): the figures describe the recomputed maps.`
    : '';
  return `<p title="each record's recomputed attribution maps are hashed (sha256) and compared with the digest stored at import">The attribution maps evaluated here are exactly those the raters were shown for ${m.equal} of ${m.checked} records.${differNote}${storedNote}</p>`;
}

function faithfulnessHtml(report: Report): string {
  const f = report.faithfulness;
  if (!f) return `<p>Faithfulness ${escapeHtml(report.faithfulnessNote ?? 'not computed')}.</p>`;
  const withCurves = f.curves.filter((c) => c.records > 0);
  const parts = [
    `<p>${f.recordsEvaluated} records evaluated${f.recordsSkipped.length ? `, ${f.recordsSkipped.length} skipped` : ''}. ${escapeHtml(f.settings.baseline)}</p>`,
    table(
      ['completeness error', ...summaryHeader],
      [
        ['recomputed now', ...summaryCells(f.exactness.recomputed, sci)],
        ['stored with the runs', ...summaryCells(f.exactness.storedRuns, sci)],
      ],
      'Exactness: |sum(W*x) + b - logit| (max over windows and classes, per record)',
      READ.exactness,
    ),
    mapsAsShownHtml(f.exactness.mapsAsShown, f.recordsEvaluated),
    table(
      ['class', ...summaryHeader],
      f.baselineProbability.map((b) => [b.classCode, ...summaryCells(b.probability)]),
      'Floor: the model\u2019s probability on the all-baseline input (every lead flat at its mean), per record',
      READ.floor,
    ),
    `<div class="plots">${curvePlot(
      'Deletion (predicted class)',
      'fraction of samples removed',
      f.settings.fractions,
      withCurves.map((c) => ({ name: `${ORDER_LABELS[c.order]} (n=${c.records})`, values: c.meanDeletion })),
    )}` +
      `${curvePlot(
        'Insertion (predicted class)',
        'fraction of samples added back',
        f.settings.fractions,
        withCurves.map((c) => ({ name: `${ORDER_LABELS[c.order]} (n=${c.records})`, values: c.meanInsertion })),
      )}</div>`,
    table(
      ['order', 'curve', ...summaryHeader],
      f.curves.flatMap((c) => aucRows(orderWords(c.order), c)),
      'Area under the deletion and insertion curves; normalised = (AUC - floor) / (start - floor)',
      READ.auc,
    ),
    table(
      [
        'predicted class',
        'order',
        'records',
        'normalised deletion AUC median',
        'p05',
        'p95',
        'normalised insertion AUC median',
        'p05',
        'p95',
      ],
      f.curvesByClass.map((c) => [
        c.classCode,
        orderWords(c.order),
        String(c.records),
        fmt(c.normalisedDeletionAuc.median, 4),
        fmt(c.normalisedDeletionAuc.p05, 4),
        fmt(c.normalisedDeletionAuc.p95, 4),
        fmt(c.normalisedInsertionAuc.median, 4),
        fmt(c.normalisedInsertionAuc.p05, 4),
        fmt(c.normalisedInsertionAuc.p95, 4),
      ]),
      'Normalised deletion and insertion AUC by predicted class (comparable across classes)',
      READ.byClass,
    ),
    pairedTable('Signed relevance order against the seeded random order, paired per record', f.relevanceVsRandom),
    regionLevelHtml(f.regionLevel),
    table(
      [
        'class',
        'records',
        `top ${f.settings.topFraction * 100} % samples: median share`,
        'p95',
        'top lead: median share',
        'p95',
        'most frequent top lead',
      ],
      f.degeneracy.map((d) => {
        const lead = Object.entries(d.topLeadCounts).sort((a, b) => b[1] - a[1])[0];
        return [
          d.classCode,
          String(d.records),
          pct(d.topSamplesShare.median),
          pct(d.topSamplesShare.p95),
          pct(d.topLeadShare.median),
          pct(d.topLeadShare.p95),
          lead ? `${lead[0]} (${lead[1]})` : '–',
        ];
      }),
      'Degeneracy: concentration of |W*x|',
      READ.degeneracy,
    ),
  ];
  const loc = f.localisation;
  if (loc.rows.length === 0) {
    parts.push('<p>Localisation: no evaluated record has P/QRS/T delineation.</p>');
  } else {
    const allLeads = loc.rows.filter((r) => r.lead === 'all leads');
    parts.push(
      `<div class="plots">${groupedBars(
        'Positive attribution mass vs time share (all leads)',
        allLeads.flatMap((r) => SEGMENT_KINDS.map((k) => `${r.classCode} ${k}`)),
        [
          { name: 'attribution mass share', values: allLeads.flatMap((r) => SEGMENT_KINDS.map((k) => r.meanMassShare[k])) },
          { name: 'time share', values: allLeads.flatMap((r) => SEGMENT_KINDS.map((k) => r.meanTimeShare[k])) },
        ],
      )}</div>`,
      table(
        [
          'class',
          'lead',
          'records',
          'lead-records',
          ...SEGMENT_KINDS.flatMap((k) => [`${k} time`, `${k} mass (mean)`, `${k} mass (pooled)`, `${k} mass (by record)`]),
        ],
        loc.rows.map((r) => [
          r.classCode,
          r.lead,
          String(r.records),
          String(r.n),
          ...SEGMENT_KINDS.flatMap((k) => [
            pct(r.meanTimeShare[k]),
            pct(r.meanMassShare[k]),
            pct(r.pooledMassShare[k]),
            pct(r.recordMassShare[k]),
          ]),
        ]),
        `Relevance mass accuracy on ${loc.delineatedRecords} delineated records, for ${loc.classesScored}: positive W*x mass in each segment against its time share (mean over lead-records; pooled by mass; pooled per record, then averaged over records)`,
        READ.localisation,
      ),
      table(
        ['class', 'lead', 'lead-records', ...PEAK_LOCATIONS.flatMap((k) => [k, '95 % CI'])],
        loc.rows.map((r) => [
          r.classCode,
          r.lead,
          String(r.peakLocation.QRS.total),
          ...PEAK_LOCATIONS.flatMap((k) => [pct(r.peakLocation[k].share), ci(r.peakLocation[k].ci, pct)]),
        ]),
        'Peak location: where each lead\u2019s largest positive W*x lies (a distribution, not the pointing game, which needs a class-specific target); intervals corrected for leads nested in records',
        READ.peaks,
      ),
    );
  }
  if (f.recordsSkipped.length)
    parts.push(
      table(
        ['record', 'why skipped'],
        f.recordsSkipped.map((s) => [s.pseudonym, s.reason]),
        'Records the faithfulness pass could not evaluate',
      ),
    );
  return parts.join('\n');
}

export const STYLE = `
body{font-family:sans-serif;font-size:12px;color:#222;margin:24px;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:28px;break-after:avoid}
table{border-collapse:collapse;margin:8px 0 14px;font-size:11px;page-break-inside:avoid}
caption{text-align:left;font-weight:bold;padding:2px 0}
th,td{border:1px solid #ccc;padding:2px 5px;text-align:left}td{white-space:nowrap}td:last-child{white-space:normal}th{background:#f2f2f2}
.plots svg{display:block;margin:6px 0;page-break-inside:avoid}.confusions{display:flex;flex-wrap:wrap;gap:12px}
.block{page-break-inside:avoid}.read{margin:-8px 0 14px;color:#444;max-width:900px}
.methods{background:#f8f8f8;border-left:3px solid #888;padding:6px 10px}.meta td:first-child{font-weight:bold}.empty{color:#777}
@media print{body{margin:0}}
`;

/** The settings in words (report.json keeps the keys). */
const SETTING_WORDS: Record<string, string> = {
  study: 'study',
  modelId: 'model',
  bootstrapResamples: 'bootstrap resamples',
  seed: 'random seed',
  includeIdentifiers: 'identifiers included',
  faithfulness: 'faithfulness computed',
  deletionSteps: 'deletion/insertion steps',
  faithfulnessMaxRecords: 'largest number of records re-run (0 = all)',
  topSampleFraction: 'fraction of samples for the concentration figure',
  ownLabelsOnly: 'only the requesting rater\u2019s labels (blinded study)',
};

export function reportHtml(report: Report): string {
  const a = report.agreement;
  const m = report.model;
  const meta = table(
    [],
    [
      ['study', report.study.name],
      ['model', m ? `${m.id} — ${m.name}` : 'none'],
      ['manifest sha256', m?.manifestSha256 ?? '–'],
      ['ONNX sha256', m?.onnxSha256 ?? '–'],
      ['generated', report.generatedAt],
      ['app version', report.appVersion],
      ['records (with a model run)', `${report.counts.records} (${report.counts.recordsWithRun})`],
      ['raters', String(report.counts.raters)],
      ['labels (current)', `${report.counts.labels} (${report.counts.currentLabels})`],
      ...(report.settings.ownLabelsOnly ? [['whose labels', 'the requesting rater\u2019s only: the study is blinded']] : []),
      [
        'identifiers',
        report.deidentified ? 'de-identified: records by pseudonym, raters by alias, notes withheld' : "INCLUDED at the user's request",
      ],
    ],
  );
  const raters = table(
    ['rater', 'labels', 'current labels', ...(report.deidentified ? [] : ['id', 'name'])],
    report.raters.map((r) => [
      r.alias,
      String(r.labels),
      String(r.currentLabels),
      ...(report.deidentified ? [] : [r.id ?? '', r.displayName ?? '']),
    ]),
    undefined,
    READ.raters,
  );
  const binsTable = (title: string, bins: typeof a.interRater.regionsByConfidence, shares: readonly ShareRow[]): string =>
    table(
      ['bin', 'regions', 'valid share', '95 % CI', 'percent agreement', '95 % CI', "Krippendorff's alpha", '95 % CI', 'units used'],
      bins.map((b) => {
        const s = shares.find((r) => r.group === b.bin)?.shares.valid;
        return [
          b.bin,
          String(b.units),
          pct(s?.share),
          ci(s?.ci ?? null, pct),
          ...estimate(b.percentAgreement).slice(0, 2),
          ...estimate(b.krippendorffAlpha).slice(0, 3),
        ];
      }),
      title,
      READ.bins,
    );
  const binsPlot = (title: string, bins: typeof a.interRater.regionsByConfidence, shares: readonly ShareRow[]): string =>
    estimatePlot(
      title,
      bins.map((b) => b.bin),
      [
        { name: 'valid share', values: bins.map((b) => shares.find((r) => r.group === b.bin)?.shares.valid?.share ?? null) },
        { name: 'percent agreement', values: bins.map((b) => b.percentAgreement.estimate) },
        { name: "Krippendorff's alpha", values: bins.map((b) => b.krippendorffAlpha.estimate) },
      ],
    );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ECG-IMN Audit report — ${escapeHtml(report.study.name)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<h1>ECG-IMN Audit report: ${escapeHtml(report.study.name)}</h1>
${meta}
<h2>Methods</h2><p class="methods">${escapeHtml(report.methods)}</p>
<h2>Raters</h2>${raters}
<h2>Evidence regions: verdicts</h2>
<p>${a.regionJudgements} judgements on the reported model's regions${a.regionJudgementsExcluded ? `; ${a.regionJudgementsExcluded} on regions of other runs (another model or an older run) are not counted` : ''}. Intervals: Wilson at the effective sample size (design effect of the records the judgements are nested in).</p>
<div class="plots">${shareBars('Region verdicts by class', a.regionShares.byClass)}${shareBars('Region verdicts by lead', a.regionShares.byLead)}</div>
${shareTable('All judged regions', a.regionShares.overall, 'regions')}
${shareTable('By class', a.regionShares.byClass, 'class')}
${shareTable('By lead', a.regionShares.byLead, 'lead')}
${shareTable('By reason given (a label may carry several)', a.regionShares.byReason, 'reason given')}
<h2>Record-level verdicts</h2>
${shareTable('Plausibility of the explanation, by predicted class', a.verdicts.plausibleByPredictedClass, 'predicted class')}
${shareTable('Agreement with the predicted class', a.verdicts.agreeWithPrediction, 'class')}
${shareTable('Agreement with each class asked about', a.verdicts.agreeByClass, 'class')}
<h2>Agreement between raters</h2>
${agreementBlock('Evidence regions', a.interRater.regions)}
${agreementBlock('Record plausibility', a.interRater.plausible)}
${agreementBlock('Agreement with a class', a.interRater.agreeClass)}
<h2>Agreement by model confidence and by contribution rank</h2>
<div class="plots">${binsPlot('By probability of the region\u2019s class', a.interRater.regionsByConfidence, a.regionShares.byConfidence)}${binsPlot('By contribution rank of the region', a.interRater.regionsByRank, a.regionShares.byRank)}</div>
${binsTable('By probability of the region\u2019s class', a.interRater.regionsByConfidence, a.regionShares.byConfidence)}
${binsTable('By contribution rank', a.interRater.regionsByRank, a.regionShares.byRank)}
<h2>Evidence for and against the class</h2>
<p>A region's contribution is signed: positive regions push their class up (evidence for it), negative ones push it down (evidence against it). Ranks are by magnitude, so both kinds mix above; here every region statistic is given for each sign separately.</p>
${shareTable('Region verdicts by sign of the contribution', a.regionShares.bySign, 'sign')}
${a.regionsBySign
  .map(
    (b) =>
      `<h3>Regions ${b.sign === 'for' ? 'for their class (contribution > 0)' : 'against their class (contribution ≤ 0)'}: ${b.judgements} judgements</h3>` +
      shareTable('By class', b.shares.byClass, 'class') +
      agreementBlock(`Evidence regions ${b.sign} their class`, b.interRater) +
      binsTable('By probability of the region\u2019s class', b.byConfidence, b.shares.byConfidence) +
      binsTable('By contribution rank', b.byRank, b.shares.byRank),
  )
  .join('\n')}
${modelOnStudyHtml(report)}
<h2>Faithfulness</h2>
${faithfulnessHtml(report)}
<h2>Settings</h2>
${table(
  ['setting', 'value'],
  Object.entries(report.settings).map(([k, v]) => [SETTING_WORDS[k] ?? k, String(v)]),
)}
</body></html>
`;
}
