/**
 * report.html: one self-contained page (inline CSS, inline SVG plots, no script, no external asset) that
 * prints to the same PDF in Chromium and in Electron.
 */
import type { AgreementSummary } from '../audit/agreement.ts';
import type { ShareRow } from '../audit/shares.ts';
import type { BootstrapEstimate, Interval, Summary } from '../audit/stats.ts';
import { SEGMENT_KINDS } from '../audit/localisation.ts';
import { inWords } from '../../shared/reasonCodes.ts';
import type { Report } from './build.ts';
import { curvePlot, estimatePlot, groupedBars, shareBars } from './charts.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`;
const ci = (c: Interval | null, f: (v: number) => string = (v) => fmt(v)): string => (c ? `${f(c.low)} – ${f(c.high)}` : '–');

/**
 * A table; an empty header makes a key/value table without a header row. `read` is one plain sentence under it
 * saying how to read it, for a reader who is a clinician rather than a statistician.
 */
function table(header: readonly string[], rows: readonly (readonly string[])[], caption?: string, read?: string): string {
  if (rows.length === 0) return `<p class="empty">${caption ? `${escapeHtml(caption)}: ` : ''}no data.</p>`;
  const head = header.length ? `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
  return (
    `<div class="block"><table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}${head}` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>` +
    `${read ? `<p class="read"><b>How to read this:</b> ${escapeHtml(read)}</p>` : ''}</div>`
  );
}

const READ = {
  shares:
    'each row counts the raters\u2019 current verdicts in that group; the shares across a row add up to 100 %, and the 95 % interval is where the true share plausibly lies (wide when there are few labels).',
  agreement:
    'percent agreement is how often two raters gave the same answer; kappa and alpha correct for agreement by chance: 1 is perfect, 0 is no better than chance, below 0 worse (above 0.8 is usually called strong, 0.4-0.8 moderate). Units are the regions or records a figure rests on.',
  pairs: 'the same statistics for each pair of raters, on the targets both of them rated.',
  confusion: 'rows are what the first rater said, columns what the second said; the diagonal counts the times they agreed.',
  bins: 'compare the rows: if raters find regions more often valid, or agree more, when the model is more confident or the region ranks higher, the figures rise down the table; overlapping intervals mean no clear difference.',
  exactness:
    'how far the explanation is from adding up exactly to the model\u2019s output; values around 1e-5 or smaller mean W*x is the exact decomposition of the logit.',
  auc: 'deletion removes the samples the explanation ranks highest first: a low area means the probability falls fast, so the explanation found what the model uses. Insertion puts them back into a blank input: a high area is better. The explanation should beat the random order.',
  paired:
    'differences on the same records: a negative deletion difference and a positive insertion difference mean the explanation\u2019s order beats random.',
  degeneracy:
    'how concentrated the explanation is: a large share on 1 % of the samples, or on a single lead, means a few points carry the decision.',
  localisation:
    'mass share is how much of the positive attribution lies in each wave, time share how much of the annotated time the wave takes up; mass well above time means the model looks at that wave.',
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
const summaryHeader = ['n', 'mean', 'median', 'p05', 'p95', 'max'];

/** Deletion orders in words; an order without words here prints its code. */
const ORDER_WORDS: Record<string, string> = {
  attribution: 'largest |W*x| first',
  random: 'random order',
  'rater-valid': 'regions raters judged valid first',
};
const orderWords = (order: string): string => ORDER_WORDS[order] ?? order;

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
    `<div class="plots">${curvePlot(
      'Deletion (predicted class)',
      'fraction of samples removed',
      f.settings.fractions,
      withCurves.map((c) => ({ name: `${orderWords(c.order)} (n=${c.records})`, values: c.meanDeletion })),
    )}` +
      `${curvePlot(
        'Insertion (predicted class)',
        'fraction of samples added back',
        f.settings.fractions,
        withCurves.map((c) => ({ name: `${orderWords(c.order)} (n=${c.records})`, values: c.meanInsertion })),
      )}</div>`,
    table(
      ['order', 'curve', ...summaryHeader],
      f.curves.flatMap((c) => [
        [orderWords(c.order), 'deletion AUC (lower = more faithful)', ...summaryCells(c.deletionAuc)],
        [orderWords(c.order), 'insertion AUC (higher = more faithful)', ...summaryCells(c.insertionAuc)],
      ]),
      'Area under the deletion and insertion curves',
      READ.auc,
    ),
    table(
      ['predicted class', 'order', 'records', 'deletion AUC median', 'p05', 'p95', 'insertion AUC median', 'p05', 'p95'],
      f.curvesByClass.map((c) => [
        c.classCode,
        orderWords(c.order),
        String(c.records),
        fmt(c.deletionAuc.median, 4),
        fmt(c.deletionAuc.p05, 4),
        fmt(c.deletionAuc.p95, 4),
        fmt(c.insertionAuc.median, 4),
        fmt(c.insertionAuc.p05, 4),
        fmt(c.insertionAuc.p95, 4),
      ]),
      'Deletion and insertion AUC by predicted class',
    ),
    table(
      ['paired difference', ...summaryHeader],
      [
        ['deletion AUC, attribution - random', ...summaryCells(f.attributionVsRandom.deletionAucDifference)],
        ['insertion AUC, attribution - random', ...summaryCells(f.attributionVsRandom.insertionAucDifference)],
      ],
      'Attribution order against the seeded random order, per record',
      READ.paired,
    ),
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
        ['class', 'lead', 'n', ...SEGMENT_KINDS.flatMap((k) => [`${k} mass`, `${k} time`, `${k} pointing`])],
        loc.rows.map((r) => [
          r.classCode,
          r.lead,
          String(r.n),
          ...SEGMENT_KINDS.flatMap((k) => [pct(r.meanMassShare[k]), pct(r.meanTimeShare[k]), pct(r.pointing[k].share)]),
        ]),
        `Physiological localisation on ${loc.delineatedRecords} delineated records (relevance mass accuracy and pointing game)`,
        READ.localisation,
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

const STYLE = `
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
