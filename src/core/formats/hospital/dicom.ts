/**
 * DICOM waveform ECG (12-lead, general and ambulatory ECG SOP classes). The Waveform Sequence (5400,0100) holds
 * multiplex groups; each has channel definitions (source code, sensitivity + units, correction factor, baseline)
 * and interleaved samples in Waveform Data (5400,1010). physical = raw * sensitivity * correction + baseline.
 * The first group that is not a median/representative beat is the record; other groups go to `extra`.
 */
import dicomParser, { type DataSet } from 'dicom-parser';
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import { isStandardLead, normaliseLeadName } from '../leadNames.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata, Lead, WaveAnnotation, WaveKind } from '../record.ts';
import { checkHeaderLimits } from '../limits.ts';
import { assembleRecord, checkSampleCount, checkSamplingRate, leadFromAdc, sexFrom } from './assemble.ts';

export const ECG_SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.9.1.1': '12-lead ECG',
  '1.2.840.10008.5.1.4.1.1.9.1.2': 'general ECG',
  '1.2.840.10008.5.1.4.1.1.9.1.3': 'ambulatory ECG',
  // catheterisation-lab recorders (GE among them) store surface ECG leads beside pressures in this class
  '1.2.840.10008.5.1.4.1.1.9.2.1': 'hemodynamic waveform',
};
const TWELVE_LEAD_SOP = '1.2.840.10008.5.1.4.1.1.9.1.1';

/** Lead number in SCP-ECG (5.6.3-9-N) and MDC (2:N) lead codes -> standard name. */
const LEAD_CODE_NUMBERS: Record<string, string> = {
  '1': 'I',
  '2': 'II',
  '3': 'V1',
  '4': 'V2',
  '5': 'V3',
  '6': 'V4',
  '7': 'V5',
  '8': 'V6',
  '61': 'III',
  '62': 'aVR',
  '63': 'aVL',
  '64': 'aVF',
};

const SAMPLE_TYPES: Record<string, { bits: number; signed: boolean }> = {
  SB: { bits: 8, signed: true },
  UB: { bits: 8, signed: false },
  SS: { bits: 16, signed: true },
  US: { bits: 16, signed: false },
  SL: { bits: 32, signed: true },
  UL: { bits: 32, signed: false },
};

const UCUM_UNITS: Record<string, string> = { uV: 'uV', mV: 'mV', V: 'V', nV: 'nV' };

const TRANSFER_SYNTAXES: Record<string, 'le' | 'be'> = {
  '1.2.840.10008.1.2': 'le',
  '1.2.840.10008.1.2.1': 'le',
  '1.2.840.10008.1.2.2': 'be',
};

/** The channel's lead name, and whether its source code or meaning says it is an ECG lead at all. */
function channelName(ch: DataSet, index: number): { name: string; isLead: boolean } {
  const source = ch.elements.x003a0208?.items?.[0]?.dataSet;
  const code = source?.string('x00080100')?.trim();
  const byNumber = code && /^(?:5\.6\.3-9-|2:)(\d+)$/.exec(code);
  if (byNumber && LEAD_CODE_NUMBERS[byNumber[1]]) return { name: LEAD_CODE_NUMBERS[byNumber[1]], isLead: true };
  if (code?.startsWith('MDC_ECG_LEAD_')) return { name: normaliseLeadName(code.slice('MDC_ECG_LEAD_'.length)), isLead: true };
  const meaning = source?.string('x00080104') ?? ch.string('x003a0203');
  if (meaning) {
    const name = normaliseLeadName(meaning.replace(/\(.*\)/, '').replace(/^\s*lead\s+/i, ''));
    return { name, isLead: isStandardLead(name) || (!!code && /^5\.6\.3-9-/.test(code)) };
  }
  return { name: `channel ${index + 1}`, isLead: false };
}

interface Group {
  label: string;
  samplingRateHz: number;
  leads: Lead[];
}

/**
 * One multiplex group. In the 12-lead class every channel is a lead; in the others only channels whose source
 * says ECG lead are read, the rest (pressures, respiration, markers) are left out with a warning.
 */
function readGroup(input: ReadInput, g: DataSet, gi: number, order: 'le' | 'be', warnings: string[], allLeads: boolean): Group {
  const { path } = input;
  const label = (g.string('x003a0020') ?? `group ${gi + 1}`).trim();
  const what = `multiplex group "${label}"`;
  const channels = g.uint16('x003a0005') ?? 0;
  const samples = checkSampleCount(path, g.uint32('x003a0010') ?? 0, `${what} Number of Waveform Samples`);
  const samplingRateHz = checkSamplingRate(path, g.floatString('x003a001a') ?? Number.NaN, `${what} sampling frequency`);
  const bits = g.uint16('x54001004');
  const interp = (g.string('x54001006') ?? '').trim();
  const type = SAMPLE_TYPES[interp];
  if (!type) throw new EcgFormatError(path, 'unsupported-encoding', `${what}: sample interpretation "${interp}" is not supported`);
  if (bits !== type.bits) {
    throw new EcgFormatError(path, 'inconsistent', `${what}: ${bits} bits allocated but interpretation ${interp} needs ${type.bits}`);
  }
  const defs = g.elements.x003a0200?.items ?? [];
  if (channels === 0 || defs.length !== channels) {
    throw new EcgFormatError(path, 'inconsistent', `${what}: ${channels} channels declared, ${defs.length} channel definitions`);
  }
  checkHeaderLimits(input, { format: 'dicom', samplingRateHz, samplesPerLead: samples, channels }, `${what} sampling frequency`);
  const data = g.elements.x54001010;
  if (!data) throw new EcgFormatError(path, 'bad-header', `${what}: no Waveform Data (5400,1010)`);
  const bytesPer = type.bits / 8;
  const expected = channels * samples * bytesPer;
  // OB/OW values are padded to an even length, so one extra byte is not more data
  if (data.length > expected + (expected % 2)) {
    throw new EcgFormatError(
      path,
      'inconsistent',
      `${what}: Waveform Data holds ${Math.floor(data.length / bytesPer / channels)} samples per channel, more than the ${samples} declared`,
    );
  }
  if (data.length < expected || data.dataOffset + expected > g.byteArray.length) {
    throw new EcgFormatError(path, 'truncated', `${what}: Waveform Data holds ${data.length} bytes, ${expected} needed`);
  }
  const view = new DataView(g.byteArray.buffer, g.byteArray.byteOffset + data.dataOffset, expected);
  const le = order === 'le';
  const sample = (off: number) => readSample(view, off, bytesPer, type.signed, le);
  const pad = g.elements.x5400100a;
  const padding =
    pad && pad.length >= bytesPer
      ? readSample(new DataView(g.byteArray.buffer, g.byteArray.byteOffset + pad.dataOffset, bytesPer), 0, bytesPer, type.signed, le)
      : undefined;
  const ignored: string[] = [];
  const leads = defs.flatMap((item, c) => {
    const ch = item.dataSet!;
    const { name, isLead } = channelName(ch, c);
    if (!allLeads && !isLead) {
      ignored.push(name);
      return [];
    }
    const unitCode = ch.elements.x003a0211?.items?.[0]?.dataSet?.string('x00080100')?.trim();
    let unit = unitCode ? UCUM_UNITS[unitCode] : undefined;
    let sensitivity = ch.floatString('x003a0210');
    if (sensitivity === undefined || !unit) {
      warnings.push(`${what} channel ${name}: no sensitivity or voltage unit (${unitCode ?? 'none'}); read as 1 uV per unit`);
      unit = 'uV';
      sensitivity = 1;
    }
    const correction = ch.floatString('x003a0212') ?? 1;
    const baseline = ch.floatString('x003a0213') ?? 0;
    const scale = sensitivity * correction;
    const adc = new Int32Array(samples);
    for (let k = 0; k < samples; k++) adc[k] = sample((k * channels + c) * bytesPer);
    const lead = leadFromAdc(path, name, adc, 1 / scale, -baseline / scale, unit);
    // Padding fills the samples outside the acquisition (a channel that started late or stopped early), so only
    // runs at the ends count, and only from 100 ms on: one writer sets it to 0, which is also an ordinary sample
    // value, mid-signal or as the last sample of a lead.
    let head = 0;
    while (padding !== undefined && head < samples && adc[head] === padding) head++;
    let tail = samples;
    while (padding !== undefined && tail > head && adc[tail - 1] === padding) tail--;
    const minRun = Math.max(1, Math.round(samplingRateHz / 10));
    if (head < minRun && head < samples) head = 0;
    if (samples - tail < minRun && head < samples) tail = samples;
    if (head > 0 || tail < samples) {
      lead.mv.fill(Number.NaN, 0, head);
      lead.mv.fill(Number.NaN, tail);
      warnings.push(`${what} channel ${name}: ${head + samples - tail} padding samples outside the acquisition read as missing`);
    }
    return [lead];
  });
  if (ignored.length > 0) warnings.push(`${what}: channels that are not ECG leads ignored: ${ignored.join(', ')}`);
  return { label, samplingRateHz, leads };
}

function readSample(view: DataView, off: number, bytesPer: number, signed: boolean, le: boolean): number {
  if (bytesPer === 1) return signed ? view.getInt8(off) : view.getUint8(off);
  if (bytesPer === 2) return signed ? view.getInt16(off, le) : view.getUint16(off, le);
  return signed ? view.getInt32(off, le) : view.getUint32(off, le);
}

function isoDateTime(dt: string | undefined, date?: string, time?: string): string | undefined {
  const s = dt ?? (date ? date + (time ?? '') : undefined);
  const m = s ? /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?)?/.exec(s.trim()) : null;
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}${m[4] ? `T${m[4]}:${m[5] ?? '00'}:${m[6] ?? '00'}` : ''}`;
}

const IDENTIFYING_TAGS: Record<string, string> = {
  x00080050: 'AccessionNumber',
  x00080080: 'InstitutionName',
  x00080081: 'InstitutionAddress',
  x00080090: 'ReferringPhysicianName',
  x00081050: 'PerformingPhysicianName',
  x00081070: 'OperatorsName',
  x00100021: 'IssuerOfPatientID',
  x00101000: 'OtherPatientIDs',
  x00101040: 'PatientAddress',
  x00200010: 'StudyID',
};

function metadataOf(ds: DataSet): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata } {
  const clinical: ClinicalMetadata = {};
  const identifying: IdentifyingMetadata = {};
  const s = (tag: string) => ds.string(tag)?.trim() || undefined;
  const name = s('x00100010');
  if (name) identifying.name = name;
  const pid = s('x00100020');
  if (pid) identifying.patientId = pid;
  const birth = s('x00100030');
  if (birth) identifying.birthDate = isoDateTime(birth) ?? birth;
  const other: Record<string, string> = {};
  for (const [tag, key] of Object.entries(IDENTIFYING_TAGS)) {
    const v = s(tag);
    if (v) other[key] = v;
  }
  if (Object.keys(other).length > 0) identifying.other = other;
  const sex = sexFrom(s('x00100040'));
  if (sex) clinical.sex = sex;
  const age = /^(\d{3})Y$/.exec(s('x00101010') ?? '');
  if (age) clinical.age = Number(age[1]);
  const device = [s('x00080070'), s('x00081090')].filter(Boolean).join(' ');
  if (device) clinical.device = device;
  const recorded = isoDateTime(s('x0008002a'), s('x00080022') ?? s('x00080023'), s('x00080032') ?? s('x00080033'));
  if (recorded) clinical.recordedAt = recorded;
  return { clinical, identifying };
}

function parse(path: string, bytes: Buffer): DataSet {
  try {
    return dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (err) {
    const msg =
      typeof err === 'string' ? err : err instanceof Error ? err.message : String((err as { exception?: string })?.exception ?? err);
    throw new EcgFormatError(path, 'bad-header', `malformed DICOM (${msg})`);
  }
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path } = input;
  const ds = parse(path, input.bytes);
  const sop = ds.string('x00080016') ?? ds.string('x00020002') ?? '';
  const warnings: string[] = [];
  if (!ECG_SOP_CLASSES[sop]) warnings.push(`SOP class ${sop || 'missing'} is not an ECG waveform class; read anyway`);
  const syntax = (ds.string('x00020010') ?? '1.2.840.10008.1.2').replace(/\0/g, '').trim();
  const order = TRANSFER_SYNTAXES[syntax];
  if (!order) throw new EcgFormatError(path, 'unsupported-encoding', `transfer syntax ${syntax} is not supported`);
  const items = ds.elements.x54000100?.items ?? [];
  if (items.length === 0) throw new EcgFormatError(path, 'bad-header', 'no Waveform Sequence (5400,0100)');
  const isBeat = (g: DataSet) => /median|represent|beat/i.test(g.string('x003a0020') ?? '');
  const allLeads = sop === TWELVE_LEAD_SOP;
  const groups = items.map((it, gi): Group | EcgFormatError => {
    try {
      return readGroup(input, it.dataSet!, gi, order, warnings, allLeads);
    } catch (err) {
      if (!(err instanceof EcgFormatError)) throw err;
      return err;
    }
  });
  // the record is the first group of rhythm (not a median beat) with ECG leads; a broken first group is fatal
  const isRecord = (g: Group | EcgFormatError, gi: number) =>
    !(g instanceof EcgFormatError) && g.leads.length > 0 && !isBeat(items[gi].dataSet!);
  let mainIndex = groups.findIndex(isRecord);
  if (mainIndex < 0) mainIndex = groups.findIndex((g) => !(g instanceof EcgFormatError) && g.leads.length > 0);
  if (mainIndex < 0) {
    const broken = groups.find((g): g is EcgFormatError => g instanceof EcgFormatError);
    if (broken) throw broken;
    throw new EcgFormatError(path, 'bad-header', 'no multiplex group holds ECG leads');
  }
  const main = groups[mainIndex] as Group;
  const others: Group[] = [];
  groups.forEach((g, gi) => {
    if (gi === mainIndex) return;
    if (g instanceof EcgFormatError) warnings.push(`multiplex group ${gi + 1} skipped: ${g.message}`);
    else if (g.leads.length > 0) others.push(g);
  });
  const { clinical, identifying } = metadataOf(ds);
  const annotations = waveformAnnotations(ds, mainIndex, main.samplingRateHz, clinical);
  return assembleRecord({
    format: 'dicom',
    input,
    samplingRateHz: main.samplingRateHz,
    leads: main.leads,
    warnings,
    clinical,
    identifying,
    annotations,
    origin: originOf(ds),
    extra: { multiplexGroup: main.label, sopClass: ECG_SOP_CLASSES[sop] ?? sop, ...(others.length ? { otherGroups: others } : {}) },
  });
}

function originOf(ds: DataSet): EcgRecord['origin'] {
  const s = (tag: string) => ds.string(tag)?.trim() || undefined;
  const origin = { vendor: s('x00080070'), device: s('x00081090'), software: s('x00181020') };
  return Object.values(origin).some(Boolean) ? origin : undefined;
}

const WAVE_POINTS: Record<string, [WaveKind, 'onset' | 'offset']> = {
  'P Onset': ['P', 'onset'],
  'P Offset': ['P', 'offset'],
  'QRS Onset': ['QRS', 'onset'],
  'QRS Offset': ['QRS', 'offset'],
  'T Onset': ['T', 'onset'],
  'T Offset': ['T', 'offset'],
};

/**
 * The Waveform Annotation Sequence (0040,B020): free-text statements and coded measurements go to the clinical
 * metadata; POINT annotations coded as wave onsets and offsets on the record's multiplex group become waves
 * (grouped by Annotation Group Number, one beat each). Referenced sample positions count from 1.
 */
function waveformAnnotations(ds: DataSet, mainIndex: number, fs: number, clinical: ClinicalMetadata): WaveAnnotation[] {
  const statements: string[] = [];
  const measurements: Record<string, number | string> = {};
  const beats = new Map<string, Partial<Record<WaveKind, { onset?: number; offset?: number }>>>();
  for (const item of ds.elements.x0040b020?.items ?? []) {
    const a = item.dataSet!;
    const text = a.string('x00700006')?.trim();
    if (text) statements.push(text);
    const concept = a.elements.x0040a043?.items?.[0]?.dataSet?.string('x00080104')?.trim();
    if (!concept) continue;
    const numeric = a.elements.x0040a30a ? a.string('x0040a30a') : undefined;
    if (numeric !== undefined && numeric.trim() !== '') {
      const unit = a.elements.x004008ea?.items?.[0]?.dataSet?.string('x00080100')?.trim();
      const v = Number(numeric.split('\\')[0]);
      measurements[unit ? `${concept} (${unit})` : concept] = Number.isFinite(v) ? v : numeric.trim();
      continue;
    }
    const point = WAVE_POINTS[concept];
    const channels = a.elements.x0040a0b0;
    const group = channels && channels.length >= 2 ? a.uint16('x0040a0b0', 0) : undefined;
    const position = a.elements.x0040a132 ? a.uint32('x0040a132', 0) : undefined;
    if (!point || position === undefined || (group !== undefined && group !== mainIndex + 1)) continue;
    const key = String(a.uint16('x0040a180') ?? '');
    const beat = beats.get(key) ?? {};
    beat[point[0]] = { ...beat[point[0]], [point[1]]: position - 1 };
    beats.set(key, beat);
  }
  if (statements.length > 0) clinical.machineStatements = statements;
  if (Object.keys(measurements).length > 0) clinical.measurements = measurements;
  const waves: WaveAnnotation[] = [];
  for (const beat of beats.values()) {
    for (const [kind, w] of Object.entries(beat) as [WaveKind, { onset?: number; offset?: number }][]) {
      if (w.onset === undefined || w.offset === undefined || w.offset < w.onset) continue;
      waves.push({
        lead: 'all',
        kind,
        onsetS: w.onset / fs,
        peakS: null,
        offsetS: w.offset / fs,
        onsetSample: w.onset,
        peakSample: null,
        offsetSample: w.offset,
      });
    }
  }
  return waves.sort((x, y) => x.onsetSample - y.onsetSample || x.kind.localeCompare(y.kind));
}

/** 'DICM' after the 128-byte preamble and an ECG waveform SOP class UID in the file meta information. */
function sniff({ head }: { head: Buffer }): boolean {
  if (head.length < 132 || head.toString('latin1', 128, 132) !== 'DICM') return false;
  const meta = head.toString('latin1', 132, Math.min(head.length, 132 + 4096));
  return Object.keys(ECG_SOP_CLASSES).some((uid) => meta.includes(uid));
}

export const dicomReader: FormatReader = { id: 'dicom', sniff, read };
