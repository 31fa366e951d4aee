/**
 * Philips SierraECG / PhilipsECG XML (`<restingecgdata>`, document versions 1.03 and 1.04.x). The rhythm data is
 * <parsedwaveforms>: base64 int16 leads one after another, or XLI-compressed (see xli.ts) with III/aVR/aVL/aVF
 * stored as residuals. Amplitude is signalcharacteristics/resolution (or signalresolution) in uV per LSB.
 */
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import { normaliseLeadName } from '../leadNames.ts';
import { STANDARD_LEADS, type ClinicalMetadata, type EcgRecord, type IdentifyingMetadata } from '../record.ts';
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
import { restoreLimbLeads, XliError, xliDecode } from './xli.ts';
import { checkHeaderLimits } from '../limits.ts';
import { at, attr, children, parseXml, rootElementName, text, textAt, type XmlNode } from './xml.ts';

export const KNOWN_VERSIONS = ['1.03', '1.04', '1.04.01', '1.04.02'];
/** Philips writes this when the resolution element is absent in older exports. */
const DEFAULT_UV_PER_LSB = 5;

function leadLabels(path: string, signal: XmlNode | undefined, wf: XmlNode): string[] {
  const labels = attr(wf, 'leadlabels');
  if (labels) {
    const count = num(path, attr(wf, 'numberofleads'), 'parsedwaveforms numberofleads');
    const list = labels.trim().split(/\s+/);
    if (count > list.length) {
      throw new EcgFormatError(path, 'inconsistent', `numberofleads ${count} but only ${list.length} lead labels`);
    }
    return list.slice(0, count).map((l) => normaliseLeadName(l));
  }
  const allocated = num(path, textAt(signal, 'numberchannelsallocated'), 'numberchannelsallocated');
  const type = textAt(signal, 'acquisitiontype') ?? '';
  if (!['STD-12', '10-WIRE'].includes(type) || allocated < 1 || allocated > 64) {
    throw new EcgFormatError(path, 'bad-header', `no lead labels and acquisition type "${type}" with ${allocated} channels`);
  }
  // the acquisition device may allocate 16 channels; beyond the 12 standard leads they carry nothing
  return STANDARD_LEADS.slice(0, Math.min(12, allocated));
}

function decodeLeads(path: string, wf: XmlNode, labels: string[], samples: number, warnings: string[]): Int32Array[] {
  const encoding = attr(wf, 'dataencoding') ?? 'Base64';
  const raw = text(wf) ?? '';
  if (encoding === 'Plain') {
    const values = raw.trim().split(/\s+/).map(Number);
    return labels.map((l, i) => {
      const part = values.slice(i * samples, (i + 1) * samples);
      if (part.length < samples || part.some((v) => !Number.isInteger(v))) {
        throw new EcgFormatError(path, 'bad-value', `lead ${l}: plain waveform data is short or not integers`);
      }
      return Int32Array.from(part);
    });
  }
  if (encoding !== 'Base64') throw new EcgFormatError(path, 'unsupported-encoding', `waveform data encoding "${encoding}"`);
  const bytes = decodeBase64(path, raw, 'parsedwaveforms');
  const method = attr(wf, 'compressmethod') ?? attr(wf, 'compression') ?? 'Uncompressed';
  const flag = attr(wf, 'compressflag');
  const compressed = method === 'XLI' && flag?.toLowerCase() !== 'false';
  if (!compressed) {
    if (method !== 'Uncompressed' && method !== 'XLI') {
      throw new EcgFormatError(path, 'unsupported-encoding', `waveform compression "${method}" is not supported`);
    }
    const total = int16le(path, bytes, labels.length * samples, 'parsedwaveforms');
    return labels.map((_, i) => total.slice(i * samples, (i + 1) * samples));
  }
  let leads: Int32Array[];
  try {
    leads = xliDecode(bytes, labels.length, samples);
  } catch (err) {
    if (!(err instanceof XliError)) throw err;
    const problem = err.kind === 'truncated' ? 'truncated' : err.kind === 'too-long' ? 'inconsistent' : 'bad-value';
    const detail = err.kind === 'too-long' ? `${err.message}: more than the ${samples} samples per lead declared` : err.message;
    throw new EcgFormatError(path, problem, `XLI waveform data: ${detail}`);
  }
  const limb = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF'];
  if (limb.every((l, i) => labels[i] === l)) restoreLimbLeads(leads);
  else warnings.push('XLI leads not in I, II, III, aVR, aVL, aVF order; limb-lead residuals left as stored');
  return leads;
}

function metadataOf(root: XmlNode): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata } {
  const clinical: ClinicalMetadata = {};
  const identifying: IdentifyingMetadata = {};
  const patient = at(root, 'patient', 'generalpatientdata');
  const pid = textAt(patient, 'patientid');
  if (pid) identifying.patientId = pid;
  const last = textAt(patient, 'name', 'lastname');
  const first = textAt(patient, 'name', 'firstname');
  if (last || first) identifying.name = [last, first].filter(Boolean).join(', ');
  const dob = textAt(patient, 'age', 'dateofbirth');
  if (dob) identifying.birthDate = dob;
  const age = optNum(textAt(patient, 'age', 'years'));
  if (age !== undefined) clinical.age = age;
  const sex = sexFrom(textAt(patient, 'sex'));
  if (sex) clinical.sex = sex;
  const acq = at(root, 'dataacquisition');
  const machine = at(acq, 'machine');
  const device = attr(machine, 'detaildescription') ?? text(machine);
  if (device) clinical.device = device;
  const date = attr(acq, 'date');
  if (date) clinical.recordedAt = `${date}${attr(acq, 'time') ? `T${attr(acq, 'time')}` : ''}`;
  const institution = textAt(acq, 'acquirer', 'institutionname');
  const operator = textAt(acq, 'acquirer', 'operatorid');
  const other: Record<string, string> = {};
  if (institution) other.institutionName = institution;
  if (operator) other.operatorId = operator;
  if (Object.keys(other).length) identifying.other = other;
  const statements = children(at(root, 'interpretations', 'interpretation'), 'statement')
    .map((s) => [textAt(s, 'leftstatement'), textAt(s, 'rightstatement')].filter(Boolean).join(' '))
    .filter((s) => s.length > 0);
  if (statements.length) {
    clinical.machineStatements = statements;
    clinical.diagnoses = statements.map((t) => ({ system: 'vendor' as const, code: t, text: t }));
  }
  return { clinical, identifying };
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path } = input;
  const root = at(parseXml(path, input.bytes), 'restingecgdata');
  if (!root) throw new EcgFormatError(path, 'unknown-format', 'not a Philips file (no <restingecgdata> root)');
  const warnings: string[] = [];
  const docType = textAt(root, 'documentinfo', 'documenttype') ?? '';
  const version = textAt(root, 'documentinfo', 'documentversion') ?? '';
  if (!['SierraECG', 'PhilipsECG'].includes(docType)) {
    throw new EcgFormatError(path, 'unsupported-encoding', `Philips document type "${docType}" is not SierraECG/PhilipsECG`);
  }
  if (!KNOWN_VERSIONS.includes(version)) {
    if (!/^1\.0[3-9]/.test(version)) {
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        `Philips document version "${version}" is not supported (known: ${KNOWN_VERSIONS.join(', ')})`,
      );
    }
    warnings.push(`${path}: Philips document version ${version} is newer than those known (${KNOWN_VERSIONS.join(', ')}); read as 1.04`);
  }
  const signal = at(root, 'dataacquisition', 'signalcharacteristics');
  const rate = checkSamplingRate(path, num(path, textAt(signal, 'samplingrate'), 'samplingrate'));
  const wf = at(root, 'waveforms', 'parsedwaveforms');
  if (!wf) throw new EcgFormatError(path, 'bad-header', 'no <parsedwaveforms> rhythm data');
  const durationMs = num(path, attr(wf, 'durationperchannel'), 'parsedwaveforms durationperchannel');
  const samples = checkSampleCount(path, Math.round((durationMs * rate) / 1000), 'durationperchannel x samplingrate');
  const labels = leadLabels(path, signal, wf);
  checkHeaderLimits(
    input,
    { format: 'philips-xml', samplingRateHz: rate, samplesPerLead: samples, channels: labels.length },
    'samplingrate',
  );
  const uvText = textAt(signal, 'resolution') ?? textAt(signal, 'signalresolution');
  if (uvText === undefined) warnings.push(`no amplitude resolution; ${DEFAULT_UV_PER_LSB} uV per LSB assumed`);
  const uvPerLsb = uvText === undefined ? DEFAULT_UV_PER_LSB : num(path, uvText, 'resolution');
  const adc = decodeLeads(path, wf, labels, samples, warnings);
  const leads = labels.map((name, i) => leadFromAdc(path, name, adc[i].subarray(0, samples), 1 / uvPerLsb, 0, 'uV'));
  return assembleRecord({
    format: 'philips-xml',
    input,
    samplingRateHz: rate,
    leads,
    warnings,
    ...metadataOf(root),
    extra: { documentType: docType, documentVersion: version },
  });
}

export const philipsXmlReader: FormatReader = {
  id: 'philips-xml',
  sniff: ({ head }) => rootElementName(head) === 'restingecgdata',
  read,
};
