/**
 * labels.csv (one row per label ever written, with its audit trail) and metrics.csv (every figure of the
 * report in long form: section, metric, group, value, CI, n). RFC 4180 quoting, LF line ends, UTF-8.
 */
import type { AgreementSummary } from '../audit/agreement.ts';
import type { ShareRow } from '../audit/shares.ts';
import type { BootstrapEstimate, Summary } from '../audit/stats.ts';
import { raterAliases } from './agreement.ts';
import type { Report } from './build.ts';
import type { AucSummaries, PairedDifference } from './faithfulness.ts';
import { PEAK_LOCATIONS } from '../audit/localisation.ts';
import type { StudyData } from './data.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  // a leading = + - @ would run as a formula in spreadsheet programs
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export function labelsCsv(data: StudyData, includeIdentifiers: boolean): string {
  const alias = raterAliases(data);
  const names = new Map(data.raters.map((r) => [r.id, r.displayName]));
  const pseudonyms = new Map(data.records.map((r) => [r.id, r.pseudonym]));
  const recordNames = new Map(data.records.map((r) => [r.id, r.recordName]));
  const supersededBy = new Map<string, string>();
  for (const l of data.labels) if (l.supersedes) supersededBy.set(l.supersedes, l.id);
  const header = [
    'label_id',
    'rater',
    'created_at',
    'record',
    'target_kind',
    'target_key',
    'region_id',
    'class',
    'lead',
    'start_sample',
    'end_sample',
    'value',
    'reasons',
    'has_note',
    'scale',
    'supersedes',
    'superseded_by',
    'current',
    ...(includeIdentifiers ? ['rater_id', 'rater_name', 'record_name', 'note'] : []),
  ];
  const rows = data.labels.map((l) => [
    l.id,
    alias.get(l.raterId),
    l.createdAt,
    pseudonyms.get(l.recordId) ?? l.recordPseudonym,
    l.targetKind,
    l.targetKey,
    l.regionId,
    l.className,
    l.lead,
    l.startSample,
    l.endSample,
    l.value,
    l.reasons.join(';'),
    l.note.length > 0,
    l.scale,
    l.supersedes,
    supersededBy.get(l.id),
    l.current,
    ...(includeIdentifiers ? [l.raterId, names.get(l.raterId), recordNames.get(l.recordId), l.note] : []),
  ]);
  return toCsv(header, rows);
}

type Row = [
  section: string,
  metric: string,
  group: string,
  subgroup: string,
  value: number | null,
  low: number | null,
  high: number | null,
  n: number | null,
  /** Records the n units come from (the clusters an interval resamples or corrects for); blank when not nested. */
  records?: number | null,
  note?: string | null,
];

function shareRows(section: string, rows: readonly ShareRow[]): Row[] {
  return rows.flatMap((r) =>
    Object.entries(r.shares).map(([value, s]): Row => [
      section,
      `share ${value}`,
      r.group,
      '',
      s.share,
      s.ci?.low ?? null,
      s.ci?.high ?? null,
      r.total,
      r.clusters,
      s.designEffect === null ? null : `design effect ${s.designEffect.toFixed(3)}`,
    ]),
  );
}

function estimateRow(section: string, metric: string, group: string, e: BootstrapEstimate): Row {
  return [
    section,
    metric,
    group,
    '',
    e.estimate,
    e.ci?.low ?? null,
    e.ci?.high ?? null,
    e.units,
    e.clusters,
    [e.note, e.estimate === null ? null : `${e.resamples} of ${e.requested} resamples defined`].filter(Boolean).join('; ') || null,
  ];
}

function agreementRows(section: string, a: AgreementSummary): Row[] {
  return [
    estimateRow(section, 'percent agreement', 'all raters', a.percentAgreement),
    estimateRow(section, "Fleiss' kappa", 'all raters', a.fleissKappa),
    estimateRow(section, "Krippendorff's alpha (nominal)", 'all raters', a.krippendorffAlpha),
    ...a.pairs.flatMap((p) => [
      estimateRow(section, "Cohen's kappa", `${p.raterA} vs ${p.raterB}`, p.cohenKappa),
      estimateRow(section, 'percent agreement', `${p.raterA} vs ${p.raterB}`, p.percentAgreement),
      ...p.confusion.flatMap((row, x) =>
        row.map((count, y): Row => [
          section,
          'confusion count',
          `${p.raterA} vs ${p.raterB}`,
          `${a.categories[x]} / ${a.categories[y]}`,
          count,
          null,
          null,
          null,
        ]),
      ),
    ]),
  ];
}

function summaryRows(section: string, metric: string, group: string, s: Summary): Row[] {
  return (['mean', 'min', 'p05', 'median', 'p95', 'max'] as const).map((k): Row => [section, metric, group, k, s[k], null, null, s.n]);
}

export function metricsCsv(report: Report): string {
  const a = report.agreement;
  const rows: Row[] = [
    ...shareRows('region verdicts', a.regionShares.overall),
    ...shareRows('region verdicts by class', a.regionShares.byClass),
    ...shareRows('region verdicts by lead', a.regionShares.byLead),
    ...shareRows('region verdicts by reason code', a.regionShares.byReason),
    ...shareRows('region verdicts by class probability', a.regionShares.byConfidence),
    ...shareRows('region verdicts by contribution rank', a.regionShares.byRank),
    ...shareRows('region verdicts by sign', a.regionShares.bySign),
    ...a.regionsBySign.flatMap((b) => [
      ...shareRows(`region verdicts ${b.sign} their class by class`, b.shares.byClass),
      ...shareRows(`region verdicts ${b.sign} their class by class probability`, b.shares.byConfidence),
      ...shareRows(`region verdicts ${b.sign} their class by contribution rank`, b.shares.byRank),
      ...agreementRows(`inter-rater: regions ${b.sign} their class`, b.interRater),
      ...b.byConfidence.flatMap((x) => [
        estimateRow(`inter-rater: regions ${b.sign} their class by class probability`, 'percent agreement', x.bin, x.percentAgreement),
        estimateRow(
          `inter-rater: regions ${b.sign} their class by class probability`,
          "Krippendorff's alpha (nominal)",
          x.bin,
          x.krippendorffAlpha,
        ),
      ]),
      ...b.byRank.flatMap((x) => [
        estimateRow(`inter-rater: regions ${b.sign} their class by contribution rank`, 'percent agreement', x.bin, x.percentAgreement),
        estimateRow(
          `inter-rater: regions ${b.sign} their class by contribution rank`,
          "Krippendorff's alpha (nominal)",
          x.bin,
          x.krippendorffAlpha,
        ),
      ]),
    ]),
    ...shareRows('record plausibility', a.verdicts.plausibleByPredictedClass),
    ...shareRows('agreement with class', a.verdicts.agreeByClass),
    ...shareRows('agreement with predicted class', a.verdicts.agreeWithPrediction),
    ...agreementRows('inter-rater: regions', a.interRater.regions),
    ...agreementRows('inter-rater: plausibility', a.interRater.plausible),
    ...agreementRows('inter-rater: class agreement', a.interRater.agreeClass),
    ...a.interRater.regionsByConfidence.flatMap((b) => [
      estimateRow('inter-rater: regions by class probability', 'percent agreement', b.bin, b.percentAgreement),
      estimateRow('inter-rater: regions by class probability', "Krippendorff's alpha (nominal)", b.bin, b.krippendorffAlpha),
    ]),
    ...a.interRater.regionsByRank.flatMap((b) => [
      estimateRow('inter-rater: regions by contribution rank', 'percent agreement', b.bin, b.percentAgreement),
      estimateRow('inter-rater: regions by contribution rank', "Krippendorff's alpha (nominal)", b.bin, b.krippendorffAlpha),
    ]),
  ];
  const f = report.faithfulness;
  if (f) {
    rows.push(...summaryRows('exactness', 'completeness error (recomputed)', 'all records', f.exactness.recomputed));
    rows.push(...summaryRows('exactness', 'completeness error (stored runs)', 'all records', f.exactness.storedRuns));
    const { checked, equal } = f.exactness.mapsAsShown;
    rows.push(['exactness', 'maps equal to those shown at import (sha256)', 'records checked', 'count', equal, null, null, checked]);
    for (const b of f.baselineProbability)
      rows.push(...summaryRows('baseline', 'probability on the all-baseline input', b.classCode, b.probability));
    const aucRows = (prefix: string, group: string, c: AucSummaries): Row[] => [
      ...summaryRows(`${prefix}deletion`, 'AUC', group, c.deletionAuc),
      ...summaryRows(`${prefix}insertion`, 'AUC', group, c.insertionAuc),
      ...summaryRows(`${prefix}deletion`, 'normalised AUC', group, c.normalisedDeletionAuc),
      ...summaryRows(`${prefix}insertion`, 'normalised AUC', group, c.normalisedInsertionAuc),
    ];
    const pairedRows = (prefix: string, list: readonly PairedDifference[]): Row[] =>
      list.map((p) =>
        estimateRow(
          `${prefix}${p.curve}`,
          `${p.normalised ? 'normalised ' : ''}AUC ${p.order} - ${p.versus} (mean, paired)`,
          'paired records',
          p.mean,
        ),
      );
    for (const c of f.curves) {
      rows.push(...aucRows('', c.order, c));
      c.meanDeletion.forEach((v, k) =>
        rows.push(['deletion', 'mean probability', c.order, String(f.settings.fractions[k]), v, null, null, c.records]),
      );
      c.meanInsertion.forEach((v, k) =>
        rows.push(['insertion', 'mean probability', c.order, String(f.settings.fractions[k]), v, null, null, c.records]),
      );
    }
    for (const c of f.curvesByClass) rows.push(...aucRows('by predicted class: ', `${c.classCode} ${c.order}`, c));
    rows.push(...pairedRows('', f.relevanceVsRandom));
    const r = f.regionLevel;
    for (const o of r.orders) {
      rows.push(...aucRows('by region: ', o.order, o));
      o.meanDeletion.forEach((v, k) =>
        rows.push(['by region: deletion', 'mean probability', o.order, `${k} regions`, v, null, null, r.records]),
      );
      o.meanInsertion.forEach((v, k) =>
        rows.push(['by region: insertion', 'mean probability', o.order, `${k} regions`, v, null, null, r.records]),
      );
    }
    rows.push(...pairedRows('by region: ', r.paired));
    for (const d of f.degeneracy) {
      rows.push(
        ...summaryRows('degeneracy', `share of |W*x| on top ${f.settings.topFraction * 100} % samples`, d.classCode, d.topSamplesShare),
      );
      rows.push(...summaryRows('degeneracy', 'share of |W*x| on top lead', d.classCode, d.topLeadShare));
    }
    for (const l of f.localisation.rows) {
      for (const k of ['P', 'QRS', 'ST-T'] as const) {
        rows.push([
          'localisation',
          `mass share ${k} (mean over lead-records)`,
          l.classCode,
          l.lead,
          l.meanMassShare[k],
          null,
          null,
          l.n,
          l.records,
        ]);
        rows.push([
          'localisation',
          `mass share ${k} (pooled by mass)`,
          l.classCode,
          l.lead,
          l.pooledMassShare[k],
          null,
          null,
          l.n,
          l.records,
        ]);
        rows.push([
          'localisation',
          `mass share ${k} (pooled per record)`,
          l.classCode,
          l.lead,
          l.recordMassShare[k],
          null,
          null,
          l.n,
          l.records,
        ]);
        rows.push(['localisation', `time share ${k}`, l.classCode, l.lead, l.meanTimeShare[k], null, null, l.n, l.records]);
      }
      for (const k of PEAK_LOCATIONS) {
        const p = l.peakLocation[k];
        rows.push([
          'localisation',
          `peak location ${k}`,
          l.classCode,
          l.lead,
          p.share,
          p.ci?.low ?? null,
          p.ci?.high ?? null,
          p.total,
          p.clusters,
        ]);
      }
    }
  }
  return toCsv(['section', 'metric', 'group', 'subgroup', 'value', 'ci_low', 'ci_high', 'n', 'records', 'note'], rows);
}
