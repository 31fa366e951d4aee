/**
 * HL7 v3 annotated ECG (FDA aECG, `<AnnotatedECG xmlns="urn:hl7-org:v3">`). A series holds a sequenceSet whose
 * sequences are one time sequence (GLIST_TS/GLIST_PQ: head + increment gives the sampling rate) and one SLIST_PQ
 * per lead (value = origin + scale * digit); leads are coded MDC_ECG_LEAD_*. Wave annotations (P/QRS/T) come
 * from the series' annotationSet, with TIME_ABSOLUTE or TIME_RELATIVE boundaries and an optional lead boundary.
 */
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import { normaliseLeadName, toMillivoltFactor } from '../leadNames.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata, Lead, WaveAnnotation, WaveKind } from '../record.ts';
import { assembleRecord, checkSampleCount, checkSamplingRate, leadFromAdc, num, sexFrom } from './assemble.ts';
import { checkHeaderLimits } from '../limits.ts';
import { at, attr, children, parseXml, rootElementName, text, type XmlNode } from './xml.ts';

/** Annotations on no particular lead (a fully specified region of interest) carry this lead name. */
export const ALL_LEADS = 'all';

const WAVES: Record<string, WaveKind> = {
  MDC_ECG_WAVC_PWAVE: 'P',
  MDC_ECG_WAVC_QRSWAVE: 'QRS',
  MDC_ECG_WAVC_TWAVE: 'T',
};

/** Seconds since an arbitrary epoch for an HL7 TS (YYYYMMDDHHMMSS.UUUU, zone ignored: all times share one). */
function tsSeconds(path: string, ts: string | undefined, what: string): number {
  const m = ts ? /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2}(?:\.\d+)?)?/.exec(ts.trim()) : null;
  if (!m) throw new EcgFormatError(path, 'bad-value', `${what}: "${ts}" is not an HL7 timestamp`);
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '0'] = m;
  return Date.UTC(+y, +mo - 1, +d, +h, +mi) / 1000 + Number(s);
}

/** An optional timestamp: undefined when absent or unreadable, so a missing annotation time never refuses a file. */
function optTsSeconds(ts: string | undefined): number | undefined {
  if (ts === undefined || !/^\d{4}/.test(ts.trim())) return undefined;
  return tsSeconds('', ts, '');
}

function optSeconds(node: XmlNode | undefined): number | undefined {
  const v = Number(attr(node, 'value'));
  const factor = { s: 1, ms: 1e-3, us: 1e-6 }[(attr(node, 'unit') ?? 's').trim()];
  return attr(node, 'value') === undefined || !Number.isFinite(v) || factor === undefined ? undefined : v * factor;
}

function tsIso(ts: string | undefined): string | undefined {
  const m = ts ? /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?/.exec(ts) : null;
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}${m[4] ? `T${m[4]}:${m[5]}:${m[6] ?? '00'}` : ''}`;
}

function seconds(path: string, node: XmlNode | undefined, what: string): number {
  const v = num(path, attr(node, 'value'), what);
  const unit = (attr(node, 'unit') ?? 's').trim();
  const factor = { s: 1, ms: 1e-3, us: 1e-6 }[unit];
  if (factor === undefined) throw new EcgFormatError(path, 'bad-value', `${what}: time unit "${unit}" is not supported`);
  return v * factor;
}

interface TimeAxis {
  samplingRateHz: number;
  /** Absolute start in seconds (TIME_ABSOLUTE) or undefined for relative time. */
  headS?: number;
}

/** Whitespace-separated integers, scanned in place: a split of a 64 MB <digits> would make tens of millions of strings. */
function parseDigits(path: string, digits: string | undefined, what: string): Int32Array {
  if (digits === undefined) throw new EcgFormatError(path, 'bad-header', `${what}: no <digits>`);
  const token = /\S+/g;
  let count = 0;
  while (token.exec(digits)) count++;
  checkSampleCount(path, count, what);
  const out = new Int32Array(count);
  token.lastIndex = 0;
  for (let k = 0, m = token.exec(digits); m; k++, m = token.exec(digits)) {
    const v = Number(m[0]);
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
      throw new EcgFormatError(path, 'bad-value', `${what}: digit ${k} "${m[0].slice(0, 20)}" is not an integer`);
    }
    out[k] = v;
  }
  return out;
}

function leadOf(path: string, name: string, value: XmlNode): Lead {
  const what = `lead ${name}`;
  const digits = parseDigits(path, text(at(value, 'digits')), what);
  const scale = at(value, 'scale');
  const origin = at(value, 'origin');
  // SLIST_PQ: value = origin + scale * digit; an absent scale is 1 (in the origin's unit), an absent origin 0
  const scaleV = scale ? num(path, attr(scale, 'value'), `${what} scale`) : 1;
  const unit = (attr(scale, 'unit') ?? attr(origin, 'unit') ?? 'uV').trim();
  const originUnit = (attr(origin, 'unit') ?? unit).trim();
  const f = toMillivoltFactor(unit);
  const fo = toMillivoltFactor(originUnit);
  if (f === undefined || fo === undefined) {
    throw new EcgFormatError(path, 'bad-value', `${what}: unit "${unit}"/"${originUnit}" is not a voltage`);
  }
  const originV = (origin ? num(path, attr(origin, 'value'), `${what} origin`) : 0) * (fo / f);
  return leadFromAdc(path, name, digits, 1 / scaleV, -originV / scaleV, unit);
}

function readSequenceSet(input: ReadInput, set: XmlNode, warnings: string[]): { axis: TimeAxis; leads: Lead[] } {
  const { path } = input;
  const ignored: string[] = [];
  let axis: TimeAxis | undefined;
  const leads: Lead[] = [];
  for (const comp of children(set, 'component')) {
    const seq = at(comp, 'sequence');
    const code = attr(at(seq, 'code'), 'code') ?? '';
    const value = at(seq, 'value');
    if (!seq || !value) continue;
    if (code === 'TIME_ABSOLUTE' || code === 'TIME_RELATIVE') {
      // GLIST (head + increment) as usual, or SLIST (origin + scale * digits) of evenly spaced times
      const step = at(value, 'increment') ?? at(value, 'scale');
      const increment = seconds(path, step, 'time increment');
      const samplingRateHz = checkSamplingRate(path, 1 / increment, 'sampling rate (1 / time increment)');
      checkHeaderLimits(input, { format: 'hl7-aecg', samplingRateHz }, 'sampling rate (1 / time increment)');
      const headS = code === 'TIME_ABSOLUTE' ? optTsSeconds(attr(at(value, 'head') ?? at(value, 'origin'), 'value')) : undefined;
      axis = { samplingRateHz, ...(headS !== undefined ? { headS } : {}) };
    } else if (code.startsWith('MDC_ECG_LEAD_') && text(at(value, 'digits'))?.trim()) {
      leads.push(leadOf(path, normaliseLeadName(code.slice('MDC_ECG_LEAD_'.length)), value));
    } else ignored.push(code || '(no code)');
  }
  if (!axis) throw new EcgFormatError(path, 'bad-header', 'sequenceSet has no TIME_ABSOLUTE/TIME_RELATIVE sequence');
  if (ignored.length > 0) warnings.push(`sequences that are not ECG leads (or hold no digits) ignored: ${ignored.join(', ')}`);
  return { axis, leads };
}

/** Waves (P/QRS/T with a usable time boundary) and the machine's measurements (annotations with a quantity). */
function annotationsOf(series: XmlNode, axis: TimeAxis, warnings: string[], measurements: Record<string, number>): WaveAnnotation[] {
  const out: WaveAnnotation[] = [];
  const fs = axis.samplingRateHz;
  let skipped = 0;
  const visit = (ann: XmlNode) => {
    const code = attr(at(ann, 'code'), 'code') ?? '';
    const pq = at(ann, 'value');
    const quantity = Number(attr(pq, 'value'));
    if (!WAVES[code] && code !== 'MDC_ECG_WAVC' && attr(pq, 'value') !== undefined && Number.isFinite(quantity) && code) {
      measurements[attr(pq, 'unit') ? `${code} (${attr(pq, 'unit')})` : code] = quantity;
    }
    const kind = WAVES[code === 'MDC_ECG_WAVC' ? (attr(at(ann, 'value'), 'code') ?? '') : code];
    const roi = at(ann, 'support', 'supportingROI');
    if (kind && roi) {
      let lead = ALL_LEADS;
      let span: [number, number] | undefined;
      for (const b of children(roi, 'component').map((c) => at(c, 'boundary'))) {
        const bcode = attr(at(b, 'code'), 'code') ?? '';
        const v = at(b, 'value');
        if (bcode.startsWith('MDC_ECG_LEAD_')) lead = normaliseLeadName(bcode.slice('MDC_ECG_LEAD_'.length));
        else if (bcode === 'TIME_ABSOLUTE' && axis.headS !== undefined) {
          const [low, high] = ['low', 'high'].map((n) => optTsSeconds(attr(at(v, n), 'value')));
          span = low !== undefined && high !== undefined ? [low - axis.headS, high - axis.headS] : undefined;
        } else if (bcode === 'TIME_RELATIVE') {
          const [low, high] = ['low', 'high'].map((n) => optSeconds(at(v, n)));
          span = low !== undefined && high !== undefined ? [low, high] : undefined;
        }
      }
      if (span && span[0] <= span[1] && span[0] >= 0) {
        const onsetSample = Math.round(span[0] * fs);
        const offsetSample = Math.round(span[1] * fs);
        out.push({
          lead,
          kind,
          onsetS: onsetSample / fs,
          peakS: null,
          offsetS: offsetSample / fs,
          onsetSample,
          peakSample: null,
          offsetSample,
        });
      } else {
        skipped++;
      }
    }
    for (const c of children(ann, 'component')) for (const a of children(c, 'annotation')) visit(a);
  };
  for (const set of children(series, 'subjectOf').map((s) => at(s, 'annotationSet'))) {
    for (const c of children(set, 'component')) for (const a of children(c, 'annotation')) visit(a);
  }
  if (skipped > 0) warnings.push(`${skipped} wave annotation(s) without a usable time boundary skipped`);
  return out.sort((a, b) => a.onsetSample - b.onsetSample || a.lead.localeCompare(b.lead));
}

function metadataOf(
  root: XmlNode,
  series: XmlNode,
): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata; origin: EcgRecord['origin'] } {
  const clinical: ClinicalMetadata = {};
  const identifying: IdentifyingMetadata = {};
  const trialSubject = at(root, 'componentOf', 'timepointEvent', 'componentOf', 'subjectAssignment', 'subject', 'trialSubject');
  const person = at(trialSubject, 'subjectDemographicPerson');
  const pid = attr(at(trialSubject, 'id'), 'extension');
  if (pid) identifying.patientId = pid;
  const name = text(at(person, 'name'));
  if (name) identifying.name = name;
  const birth = attr(at(person, 'birthTime'), 'value');
  if (birth) identifying.birthDate = tsIso(birth) ?? birth;
  const sex = sexFrom(attr(at(person, 'administrativeGenderCode'), 'code'));
  if (sex) clinical.sex = sex;
  const recorded = tsIso(attr(at(root, 'effectiveTime', 'low'), 'value'));
  if (recorded) clinical.recordedAt = recorded;
  const device = at(series, 'author', 'seriesAuthor', 'manufacturedSeriesDevice');
  const model = text(at(device, 'manufacturerModelName'));
  const maker = text(at(at(series, 'author', 'seriesAuthor'), 'manufacturerOrganization', 'name'));
  if (model || maker) clinical.device = [maker, model].filter(Boolean).join(' ');
  const site = at(
    root,
    'componentOf',
    'timepointEvent',
    'componentOf',
    'subjectAssignment',
    'componentOf',
    'clinicalTrial',
    'location',
    'trialSite',
  );
  const siteId = attr(at(site, 'id'), 'extension') ?? attr(at(site, 'id'), 'root');
  if (siteId) identifying.other = { trialSite: siteId };
  const software = text(at(device, 'softwareName'));
  const origin = model || maker || software ? { vendor: maker, device: model, software } : undefined;
  return { clinical, identifying, origin };
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path } = input;
  const root = at(parseXml(path, input.bytes), 'AnnotatedECG');
  if (!root) throw new EcgFormatError(path, 'unknown-format', 'not an HL7 aECG file (no <AnnotatedECG> root)');
  const warnings: string[] = [];
  const allSeries = children(root, 'component')
    .map((c) => at(c, 'series'))
    .filter((s): s is XmlNode => !!s);
  // the rhythm series with ECG leads; a series may hold no leads of interest, and a file may hold only beats
  const setsOf = (series: XmlNode) =>
    children(series, 'component')
      .map((c) => at(c, 'sequenceSet'))
      .filter((s): s is XmlNode => !!s);
  const hasLeads = (series: XmlNode) =>
    setsOf(series).some((set) =>
      children(set, 'component').some((c) => (attr(at(c, 'sequence', 'code'), 'code') ?? '').startsWith('MDC_ECG_LEAD_')),
    );
  const series = allSeries.find((s) => attr(at(s, 'code'), 'code') === 'RHYTHM' && hasLeads(s)) ?? allSeries.find(hasLeads) ?? allSeries[0];
  if (!series) throw new EcgFormatError(path, 'bad-header', 'no <series> with waveforms');
  const code = attr(at(series, 'code'), 'code');
  if (code && code !== 'RHYTHM') warnings.push(`no rhythm series; read the ${code} series`);
  const sets = setsOf(series);
  if (sets.length === 0) throw new EcgFormatError(path, 'bad-header', 'the series has no sequenceSet');
  if (sets.length > 1) warnings.push(`${sets.length} sequenceSets in the series; the first is read`);
  const { axis, leads } = readSequenceSet(input, sets[0], warnings);
  const derived = children(series, 'derivation')
    .map((d) => at(d, 'derivedSeries'))
    .find(Boolean);
  const beatSet = derived && at(derived, 'component', 'sequenceSet');
  const extra = beatSet ? { representativeBeat: readSequenceSet(input, beatSet, []) } : undefined;
  const measurements: Record<string, number> = {};
  const annotations = annotationsOf(series, axis, warnings, measurements);
  const { clinical, identifying, origin } = metadataOf(root, series);
  if (Object.keys(measurements).length > 0) clinical.measurements = measurements;
  return assembleRecord({
    format: 'hl7-aecg',
    input,
    samplingRateHz: axis.samplingRateHz,
    leads,
    warnings,
    annotations,
    clinical,
    identifying,
    origin,
    ...(extra ? { extra } : {}),
  });
}

export const hl7AecgReader: FormatReader = {
  id: 'hl7-aecg',
  sniff: ({ head }) => rootElementName(head) === 'AnnotatedECG',
  read,
};
