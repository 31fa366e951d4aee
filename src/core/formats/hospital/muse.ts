/**
 * GE MUSE resting ECG XML (`<RestingECG>`). Each <Waveform> (Median, Rhythm) holds <LeadData> elements with
 * base64 little-endian int16 samples scaled by LeadAmplitudeUnitsPerBit in LeadAmplitudeUnits. MUSE stores
 * 8 leads (I, II, V1-V6); III, aVR, aVL, aVF are derived. The Rhythm waveform is the record; the median
 * beat is kept in `extra.medianBeat`.
 */
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import { normaliseLeadName } from '../leadNames.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata, Lead } from '../record.ts';
import {
  assembleRecord,
  checkSampleCount,
  checkSamplingRate,
  decodeBase64,
  int16le,
  leadFromAdc,
  num,
  optNum,
  sexFrom,
} from './assemble.ts';
import { checkHeaderLimits } from '../limits.ts';
import { at, children, parseXml, rootElementName, text, textAt, type XmlNode } from './xml.ts';

const UNIT_NAMES: Record<string, string> = { MICROVOLTS: 'uV', MILLIVOLTS: 'mV', VOLTS: 'V', NANOVOLTS: 'nV' };

interface MuseWaveform {
  samplingRateHz: number;
  leads: Lead[];
}

function readWaveform(input: ReadInput, wf: XmlNode, kind: string): MuseWaveform {
  const { path } = input;
  const base = num(path, textAt(wf, 'SampleBase'), `${kind} SampleBase`);
  const exponent = optNum(textAt(wf, 'SampleExponent')) ?? 0;
  const samplingRateHz = checkSamplingRate(path, base * 10 ** exponent, `${kind} waveform sampling rate`);
  const leadData = children(wf, 'LeadData');
  const leads = leadData.map((ld) => {
    const id = textAt(ld, 'LeadID');
    if (!id) throw new EcgFormatError(path, 'bad-header', `${kind} waveform: a LeadData has no LeadID`);
    const what = `${kind} lead ${id}`;
    const sampleSize = optNum(textAt(ld, 'LeadSampleSize')) ?? 2;
    if (sampleSize !== 2) {
      throw new EcgFormatError(path, 'unsupported-encoding', `${what}: LeadSampleSize ${sampleSize} (only 2 is defined)`);
    }
    const count = checkSampleCount(path, num(path, textAt(ld, 'LeadSampleCountTotal'), `${what} LeadSampleCountTotal`), what);
    checkHeaderLimits(
      input,
      { format: 'muse-xml', samplingRateHz, samplesPerLead: count, channels: leadData.length },
      `${kind} waveform sampling rate`,
    );
    const b64 = textAt(ld, 'WaveFormData');
    if (b64 === undefined) throw new EcgFormatError(path, 'bad-header', `${what}: no WaveFormData`);
    const adc = int16le(path, decodeBase64(path, b64, what), count, what);
    const perBit = num(path, textAt(ld, 'LeadAmplitudeUnitsPerBit'), `${what} LeadAmplitudeUnitsPerBit`);
    const unitText = (textAt(ld, 'LeadAmplitudeUnits') ?? 'MICROVOLTS').trim().toUpperCase();
    const unit = UNIT_NAMES[unitText];
    if (!unit) throw new EcgFormatError(path, 'bad-value', `${what}: amplitude unit "${unitText}" is not a voltage`);
    return leadFromAdc(path, normaliseLeadName(id), adc, 1 / perBit, 0, unit);
  });
  return { samplingRateHz, leads };
}

function clinicalOf(root: XmlNode, warnings: string[]): ClinicalMetadata {
  const demo = at(root, 'PatientDemographics');
  const test = at(root, 'TestDemographics');
  const clinical: ClinicalMetadata = {};
  const age = optNum(textAt(demo, 'PatientAge'));
  const ageUnits = (textAt(demo, 'AgeUnits') ?? 'YEARS').toUpperCase();
  if (age !== undefined) {
    if (ageUnits === 'YEARS') clinical.age = age;
    else warnings.push(`patient age given in ${ageUnits}, not years; left out`);
  }
  const sex = sexFrom(textAt(demo, 'Gender'));
  if (sex) clinical.sex = sex;
  const device = textAt(test, 'AcquisitionDevice');
  if (device) clinical.device = device;
  const date = textAt(test, 'AcquisitionDate');
  const time = textAt(test, 'AcquisitionTime');
  const d = date ? /^(\d{2})-(\d{2})-(\d{4})$/.exec(date) : null;
  if (d) clinical.recordedAt = `${d[3]}-${d[1]}-${d[2]}${time ? `T${time}` : ''}`;
  const statements = children(at(root, 'Diagnosis'), 'DiagnosisStatement')
    .map((s) => textAt(s, 'StmtText'))
    .filter((s): s is string => !!s);
  if (statements.length > 0) {
    clinical.machineStatements = statements;
    clinical.diagnoses = statements.map((t) => ({ system: 'vendor' as const, code: t, text: t }));
  }
  const meas = at(root, 'RestingECGMeasurements');
  if (meas) {
    clinical.measurements = {};
    for (const [k, v] of Object.entries(meas)) {
      const t = text(v);
      if (k.startsWith('@_') || t === undefined) continue;
      clinical.measurements[k] = optNum(t) ?? t;
    }
  }
  const version = textAt(root, 'MuseInfo', 'MuseVersion');
  if (version) clinical.acquisition = { museVersion: version };
  return clinical;
}

const DEMOGRAPHIC_NON_IDENTIFYING = new Set(['PatientAge', 'AgeUnits', 'Gender']);
const TEST_NON_IDENTIFYING = new Set(['AcquisitionDevice', 'AcquisitionDate', 'AcquisitionTime', 'DataType']);

/** Everything in PatientDemographics but age/sex, plus the people and places in TestDemographics. */
function identifyingOf(root: XmlNode): IdentifyingMetadata {
  const demo = at(root, 'PatientDemographics');
  const id: IdentifyingMetadata = {};
  const last = textAt(demo, 'PatientLastName');
  const first = textAt(demo, 'PatientFirstName');
  if (last || first) id.name = [last, first].filter(Boolean).join(', ');
  const pid = textAt(demo, 'PatientID');
  if (pid) id.patientId = pid;
  const dob = textAt(demo, 'DateofBirth');
  if (dob) id.birthDate = dob;
  const other: Record<string, string> = {};
  const collect = (node: XmlNode | undefined, skip: Set<string>) => {
    for (const [k, v] of Object.entries(node ?? {})) {
      const t = text(v);
      if (k.startsWith('@_') || skip.has(k) || t === undefined) continue;
      other[k] = t;
    }
  };
  collect(demo, new Set([...DEMOGRAPHIC_NON_IDENTIFYING, 'PatientLastName', 'PatientFirstName', 'PatientID', 'DateofBirth']));
  collect(at(root, 'TestDemographics'), TEST_NON_IDENTIFYING);
  if (Object.keys(other).length > 0) id.other = other;
  return id;
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path } = input;
  const root = at(parseXml(path, input.bytes), 'RestingECG');
  if (!root) throw new EcgFormatError(path, 'unknown-format', 'not a GE MUSE file (no <RestingECG> root)');
  const warnings: string[] = [];
  const waveforms = children(root, 'Waveform');
  const typed = (t: string) => waveforms.filter((w) => (textAt(w, 'WaveformType') ?? '').trim().toLowerCase() === t);
  const rhythmNodes = typed('rhythm');
  if (rhythmNodes.length === 0) {
    throw new EcgFormatError(path, 'bad-header', 'no Rhythm waveform (only median beats or nothing)');
  }
  if (rhythmNodes.length > 1) warnings.push(`${rhythmNodes.length} Rhythm waveforms; the first is read`);
  const rhythm = readWaveform(input, rhythmNodes[0], 'Rhythm');
  const medianNode = typed('median')[0];
  const median = medianNode ? readWaveform(input, medianNode, 'Median') : undefined;
  return assembleRecord({
    format: 'muse-xml',
    input,
    samplingRateHz: rhythm.samplingRateHz,
    leads: rhythm.leads,
    warnings,
    clinical: clinicalOf(root, warnings),
    identifying: identifyingOf(root),
    ...(median ? { extra: { medianBeat: median } } : {}),
  });
}

export const museXmlReader: FormatReader = {
  id: 'muse-xml',
  sniff: ({ head }) => rootElementName(head) === 'RestingECG',
  read,
};
