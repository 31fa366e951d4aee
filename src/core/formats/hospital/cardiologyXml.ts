/**
 * GE CardioSoft / CASE resting ECG export (`<CardiologyXML>`), as public readers describe it (BRAVEHEART's
 * load_cardiosoftxml, CardioSoftECGXMLreader): `<StripData>` holds `<SampleRate>`, `<Resolution units="uVperLsb">`
 * and one `<WaveformData lead="I">` per lead of comma-separated integers; `<MedianSamples>` holds the median
 * beats the same way. Measurements come from `<RestingECGMeasurements>`, statements from `<Interpretation>`.
 * Exercise files that carry only `<FullDisclosure>` are refused: they are not resting ECGs.
 */
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import { checkHeaderLimits } from '../limits.ts';
import { normaliseLeadName } from '../leadNames.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata, Lead } from '../record.ts';
import { assembleRecord, checkSampleCount, checkSamplingRate, leadFromAdc, num, optNum, sexFrom } from './assemble.ts';
import { at, attr, children, parseXml, rootElementName, text, textAt, type XmlNode } from './xml.ts';

/** Comma- (and whitespace-) separated integers, scanned in place like aECG digits. */
function parseValues(path: string, raw: string | undefined, what: string): Int32Array {
  if (raw === undefined || raw.trim() === '') throw new EcgFormatError(path, 'bad-header', `${what}: no samples`);
  const token = /[^,\s]+/g;
  let count = 0;
  while (token.exec(raw)) count++;
  checkSampleCount(path, count, what);
  const out = new Int32Array(count);
  token.lastIndex = 0;
  for (let k = 0, m = token.exec(raw); m; k++, m = token.exec(raw)) {
    const v = Number(m[0]);
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
      throw new EcgFormatError(path, 'bad-value', `${what}: sample ${k} "${m[0].slice(0, 20)}" is not an integer`);
    }
    out[k] = v;
  }
  return out;
}

interface Strip {
  samplingRateHz: number;
  leads: Lead[];
}

/** A `<StripData>` or `<MedianSamples>` block: rate, resolution and per-lead waveform data. */
function readStrip(input: ReadInput, node: XmlNode, kind: string): Strip {
  const { path } = input;
  const samplingRateHz = checkSamplingRate(path, num(path, textAt(node, 'SampleRate'), `${kind} SampleRate`), `${kind} SampleRate`);
  const resolution = at(node, 'Resolution');
  const uvPerLsb = num(path, text(resolution), `${kind} Resolution`);
  const unit = (attr(resolution, 'units') ?? 'uVperLsb').trim();
  if (unit.toLowerCase() !== 'uvperlsb') {
    throw new EcgFormatError(path, 'unsupported-encoding', `${kind} Resolution in "${unit}" (uVperLsb expected)`);
  }
  const data = children(node, 'WaveformData');
  const declared = optNum(textAt(node, 'ChannelSampleCountTotal'));
  checkHeaderLimits(
    input,
    { format: 'cardiology-xml', samplingRateHz, samplesPerLead: declared, channels: data.length },
    `${kind} SampleRate`,
  );
  const leads = data.map((wf) => {
    const id = attr(wf, 'lead');
    if (!id) throw new EcgFormatError(path, 'bad-header', `${kind}: a WaveformData has no lead attribute`);
    const what = `${kind} lead ${id}`;
    const adc = parseValues(path, text(wf), what);
    if (declared !== undefined && adc.length !== declared) {
      throw new EcgFormatError(
        path,
        adc.length < declared ? 'truncated' : 'inconsistent',
        `${what}: ${adc.length} samples, ChannelSampleCountTotal says ${declared}`,
      );
    }
    return leadFromAdc(path, normaliseLeadName(id), adc, 1 / uvPerLsb, 0, 'uV');
  });
  return { samplingRateHz, leads };
}

/** `<Hour>`, `<Minute>`, `<Second>`, `<Day>`, `<Month>`, `<Year>` children -> ISO, when complete enough. */
function dateTime(node: XmlNode | undefined): string | undefined {
  const n = (name: string) => optNum(textAt(node, name));
  const [y, mo, d] = [n('Year'), n('Month'), n('Day')];
  if (y === undefined || mo === undefined || d === undefined) return undefined;
  const p = (v: number | undefined) => String(v ?? 0).padStart(2, '0');
  const date = `${y}-${p(mo)}-${p(d)}`;
  return n('Hour') === undefined ? date : `${date}T${p(n('Hour'))}:${p(n('Minute'))}:${p(n('Second'))}`;
}

const MEASUREMENTS = ['VentricularRate', 'PQInterval', 'PDuration', 'QRSDuration', 'QTInterval', 'QTCInterval', 'RRInterval', 'PPInterval'];

function metadataOf(root: XmlNode): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata; origin: EcgRecord['origin'] } {
  const clinical: ClinicalMetadata = {};
  const identifying: IdentifyingMetadata = {};
  const patient = at(root, 'PatientInfo');
  const pid = textAt(patient, 'PID');
  if (pid) identifying.patientId = pid;
  const name = [textAt(patient, 'Name', 'FamilyName'), textAt(patient, 'Name', 'GivenName')].filter(Boolean).join(', ');
  if (name) identifying.name = name;
  const birth = dateTime(at(patient, 'BirthDateTime'));
  if (birth) identifying.birthDate = birth;
  const age = optNum(textAt(patient, 'Age'));
  if (age !== undefined) clinical.age = age;
  const sex = sexFrom(textAt(patient, 'Gender'));
  if (sex) clinical.sex = sex;
  const recorded = dateTime(at(root, 'ObservationDateTime'));
  if (recorded) clinical.recordedAt = recorded;
  const m = at(root, 'RestingECGMeasurements');
  const measurements: Record<string, number> = {};
  for (const key of MEASUREMENTS) {
    const node = at(m, key);
    const v = optNum(text(node));
    if (v !== undefined) measurements[attr(node, 'units') ? `${key} (${attr(node, 'units')})` : key] = v;
  }
  if (Object.keys(measurements).length > 0) clinical.measurements = measurements;
  const statements = children(at(root, 'Interpretation'), 'Diagnosis')
    .flatMap((d) => children(d, 'DiagnosisText'))
    .map((d) => text(d)?.trim())
    .filter((s): s is string => !!s);
  if (statements.length > 0) clinical.machineStatements = statements;
  const info = at(root, 'ClinicalInfo', 'DeviceInfo');
  const device = textAt(info, 'Desc');
  const software = textAt(info, 'SoftwareVer');
  const origin = device || software ? { device, software } : undefined;
  if (device) clinical.device = device;
  return { clinical, identifying, origin };
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path } = input;
  const root = at(parseXml(path, input.bytes), 'CardiologyXML');
  if (!root) throw new EcgFormatError(path, 'unknown-format', 'not a CardiologyXML file (no <CardiologyXML> root)');
  const stripNode = at(root, 'StripData');
  if (!stripNode) {
    const what = at(root, 'FullDisclosure') ? 'exercise full-disclosure data only' : 'no <StripData>';
    throw new EcgFormatError(path, 'unsupported-encoding', `CardiologyXML holds ${what}; a resting ECG strip is needed`);
  }
  const strip = readStrip(input, stripNode, 'StripData');
  const medianNode = at(root, 'MedianSamples');
  const warnings: string[] = [];
  let extra: Record<string, unknown> | undefined;
  if (medianNode) {
    try {
      extra = { medianBeat: readStrip(input, medianNode, 'MedianSamples') };
    } catch (err) {
      if (!(err instanceof EcgFormatError)) throw err;
      warnings.push(`median beats skipped: ${err.message}`);
    }
  }
  const declaredLeads = optNum(textAt(stripNode, 'NumberOfLeads'));
  if (declaredLeads !== undefined && declaredLeads !== strip.leads.length) {
    warnings.push(`NumberOfLeads says ${declaredLeads}, the strip holds ${strip.leads.length}`);
  }
  return assembleRecord({
    format: 'cardiology-xml',
    input,
    samplingRateHz: strip.samplingRateHz,
    leads: strip.leads,
    warnings,
    ...metadataOf(root),
    ...(extra ? { extra } : {}),
  });
}

export const cardiologyXmlReader: FormatReader = {
  id: 'cardiology-xml',
  sniff: ({ head }) => rootElementName(head) === 'CardiologyXML',
  read,
};
