/**
 * compare.html: two audits side by side and their paired differences, in the report's own style (one
 * self-contained page, prints to compare.pdf the same way).
 */
import { appVersion } from '../../shared/version.ts';
import { type BootstrapEstimate, MIN_PAIRED_UNITS, type Share } from '../audit/stats.ts';
import type { Comparison, PairedMetric, SideSummary } from './compare.ts';
import { ci, escapeHtml, fmt, pct, STYLE, table } from './html.ts';

/** Each paired figure in words (compare.json keeps the keys). */
export const METRIC_WORDS: Record<PairedMetric, string> = {
  validShare: 'share of the record’s judged regions rated valid',
  plausibleYes: 'share of raters finding the explanation plausible (yes)',
  deletionAuc: 'deletion AUC (lower = more faithful)',
  insertionAuc: 'insertion AUC (higher = more faithful)',
};

const share = (s: Share): string => (s.share === null ? '–' : `${pct(s.share)} (${ci(s.ci, pct)}), n=${s.total}`);
const est = (e: BootstrapEstimate): string =>
  e.estimate === null ? (e.note ?? '–') : `${fmt(e.estimate)} (${ci(e.ci)}), units=${e.units}`;
const side = (s: SideSummary): string =>
  `${s.label}: study “${s.study}”, ${s.model ? `model ${s.model.id}` : 'no model'}, ${s.records} records, ${s.raters} raters, ${s.currentLabels} current labels`;

export function comparisonHtml(c: Comparison): string {
  const { a, b } = c;
  const headline = table(
    ['figure', a.label, b.label],
    [
      ['evidence regions judged valid', share(a.regionValid), share(b.regionValid)],
      ['percent agreement on regions', est(a.regionPercentAgreement), est(b.regionPercentAgreement)],
      ["Krippendorff's alpha on regions", est(a.regionKrippendorffAlpha), est(b.regionKrippendorffAlpha)],
      ['explanation plausible (yes)', share(a.plausibleYes), share(b.plausibleYes)],
      ...(['deletionAuc', 'insertionAuc'] as const).map((m) => [
        `${METRIC_WORDS[m]}, median over re-run shared records`,
        `${fmt(a.perRecord[m].median, 4)} (n=${a.perRecord[m].n})`,
        `${fmt(b.perRecord[m].median, 4)} (n=${b.perRecord[m].n})`,
      ]),
    ],
    'Side by side (each over its own study; 95 % intervals in brackets)',
    'each column is one audit on its own; compare the figures across a row. n is the labels a share rests on and units the regions an agreement figure rests on; share intervals are widened for labels of one record being alike, agreement intervals resample records. Wide or overlapping intervals mean the two audits may not really differ: the paired table below is the sharper test, because it compares the same records.',
  );
  const paired = table(
    [
      'per-record figure',
      'records',
      `mean ${a.label}`,
      `mean ${b.label}`,
      `difference ${a.label} - ${b.label}`,
      '95 % CI (records resampled)',
    ],
    c.differences.map((d) => [
      METRIC_WORDS[d.metric],
      String(d.records),
      fmt(d.meanA, 4),
      fmt(d.meanB, 4),
      d.difference.estimate === null ? (d.difference.note ?? '–') : fmt(d.difference.estimate, 4),
      ci(d.difference.ci, (v) => fmt(v, 4)),
    ]),
    `Paired differences over the ${c.sharedRecords} records both audits hold`,
    `each row compares the same records in both audits (records = the shared records with the figure on both sides, the units the difference rests on). An interval that excludes 0 means ${a.label} and ${b.label} really differ on that figure; one that includes 0 means no clear difference on these records. A difference needs at least ${MIN_PAIRED_UNITS} such records; its interval resamples records.`,
  );
  const methods =
    `Two audits compared with ECG-IMN Audit ${appVersion}. Records are matched by the content hash of their signal. ` +
    'Per shared record: the share of its current region judgements (on that side’s model’s regions) that say valid, the share of its current plausibility verdicts that say yes, and ' +
    (c.faithfulnessOrder
      ? `the deletion and insertion AUCs of the order “${c.faithfulnessOrder}” for the predicted class, computed as in the single-study report on ${c.faithfulnessRecords} shared records (a seeded sample when there are more than ${c.settings.faithfulnessMaxRecords || 'all'}), ${c.settings.deletionSteps} steps. `
      : 'no faithfulness figures (no model to re-run, or the two sides use different orders). ') +
    `Differences are means of A - B over records with the figure on both sides, with a percentile bootstrap 95 % interval resampling records (${c.settings.bootstrapResamples} resamples, seed ${c.settings.seed}); the side-by-side figures are each audit’s own report figures.`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ECG-IMN Audit comparison — ${escapeHtml(a.study)} vs ${escapeHtml(b.study)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<h1>ECG-IMN Audit comparison</h1>
<ul><li>${escapeHtml(side(a))}</li><li>${escapeHtml(side(b))}</li><li>${c.sharedRecords} records in both; generated ${escapeHtml(c.generatedAt)}</li></ul>
<h2>Methods</h2><p class="methods">${escapeHtml(methods)}</p>
<h2>Side by side</h2>
${headline}
<h2>Paired differences</h2>
${paired}
</body></html>
`;
}
