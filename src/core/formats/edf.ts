/**
 * EDF and EDF+ files: a strict reader of the fixed ASCII header and the int16 data records.
 * Physical value = physMin + (digital - digMin) * (physMax - physMin) / (digMax - digMin).
 * The EDF+ annotation signal is skipped; signals that are not voltages are skipped with a warning; the ECG
 * leads kept must share one sampling rate (otherwise a clear error).
 * EDF+D (discontinuous): each data record is placed at the onset of its time-keeping annotation (the first
 * TAL of the record's 'EDF Annotations' signal) and the time between records is a gap, read as NaN.
 */
import { EcgFormatError } from './errors.ts';
import { finishRecord } from './finish.ts';
import { checkHeaderLimits } from './limits.ts';
import { isStandardLead, normaliseLeadName, toMillivoltFactor } from './leadNames.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata, Lead } from './record.ts';
import type { FormatReader, ReadInput, SniffInput } from './reader.ts';
import { basename } from 'node:path';

interface EdfSignal {
  label: string;
  physDim: string;
  physMin: number;
  physMax: number;
  digMin: number;
  digMax: number;
  samplesPerRecord: number;
}

const ascii = (b: Buffer, start: number, len: number) => b.toString('latin1', start, start + len).trim();

function field(path: string, b: Buffer, start: number, len: number, what: string, integer = false): number {
  const s = ascii(b, start, len);
  const v = Number(s);
  if (s === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new EcgFormatError(path, 'bad-header', `EDF header field '${what}' is '${s}', not a${integer ? 'n integer' : ' number'}`);
  }
  return v;
}

/** "dd.mm.yy" + "hh.mm.ss" -> ISO (EDF's clipping date: yy 85-99 = 1985-1999, 00-84 = 2000-2084). */
function startIso(date: string, time: string): string | undefined {
  const d = /^(\d{2})\.(\d{2})\.(\d{2})$/.exec(date);
  const t = /^(\d{2})\.(\d{2})\.(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const yy = Number(d[3]);
  return `${yy >= 85 ? 1900 + yy : 2000 + yy}-${d[2]}-${d[1]}T${t[1]}:${t[2]}:${t[3]}`;
}

/** EDF+ patient field: "code sex birthdate name" with X for unknown and _ for spaces. */
function patientFields(raw: string, edfPlus: boolean): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata } {
  if (!edfPlus) return { clinical: {}, identifying: raw === '' ? {} : { other: { edfPatient: raw } } };
  const [code, sex, birth, name] = raw.split(/\s+/).map((s) => (s === 'X' || s === undefined ? undefined : s.replace(/_/g, ' ')));
  const identifying: IdentifyingMetadata = {};
  if (code) identifying.patientId = code;
  if (birth) identifying.birthDate = birth;
  if (name) identifying.name = name;
  const clinical: ClinicalMetadata = {};
  if (sex === 'M') clinical.sex = 'male';
  else if (sex === 'F') clinical.sex = 'female';
  return { clinical, identifying };
}

/**
 * EDF+D: the start of each data record in samples, from the onset of its time-keeping TAL ("+onset" 0x14 0x14),
 * in seconds from the file's start time. Records must follow each other without overlap.
 */
/** The time-keeping TAL that opens each EDF+D data record: "+onset" 0x14 0x14 (an empty annotation). */
const TIME_KEEPING_TAL = new RegExp(`^([+-]\\d+(?:\\.\\d*)?)${String.fromCharCode(0x14)}{2}`);

function recordOnsets(
  path: string,
  bytes: Buffer,
  signals: EdfSignal[],
  offsets: number[],
  layout: { headerBytes: number; recordBytes: number; nRecords: number; recordDuration: number; spr: number },
): number[] {
  const { headerBytes, recordBytes, nRecords, recordDuration, spr } = layout;
  const ann = signals.findIndex((s) => s.label === 'EDF Annotations');
  if (ann < 0) throw new EcgFormatError(path, 'bad-header', 'EDF+D file has no EDF Annotations signal to place its data records');
  const starts: number[] = [];
  for (let r = 0; r < nRecords; r++) {
    const p = headerBytes + r * recordBytes + offsets[ann];
    const tal = bytes.toString('latin1', p, p + 2 * signals[ann].samplesPerRecord);
    const m = TIME_KEEPING_TAL.exec(tal);
    if (!m) throw new EcgFormatError(path, 'bad-value', `EDF+D data record ${r + 1} has no time-keeping annotation`);
    const start = Math.round((Number(m[1]) * spr) / recordDuration);
    const previousEnd = r === 0 ? 0 : starts[r - 1] + spr;
    if (start < previousEnd) {
      throw new EcgFormatError(path, 'inconsistent', `EDF+D data record ${r + 1} starts at ${m[1]} s, before the previous one ends`);
    }
    starts.push(start);
  }
  return starts;
}

async function readEdf(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes, options } = input;
  if (bytes.length < 256) throw new EcgFormatError(path, 'truncated', 'EDF file is shorter than its 256-byte header');
  const headerBytes = field(path, bytes, 184, 8, 'header bytes', true);
  const reserved = ascii(bytes, 192, 44);
  let nRecords = field(path, bytes, 236, 8, 'number of data records', true);
  const recordDuration = field(path, bytes, 244, 8, 'data record duration');
  const ns = field(path, bytes, 252, 4, 'number of signals', true);
  if (ns <= 0 || ns > 4096) throw new EcgFormatError(path, 'bad-header', `EDF header declares ${ns} signals`);
  if (headerBytes !== 256 * (ns + 1))
    throw new EcgFormatError(path, 'bad-header', `EDF header size ${headerBytes} does not match ${ns} signals (${256 * (ns + 1)})`);
  if (bytes.length < headerBytes) throw new EcgFormatError(path, 'truncated', `EDF file is shorter than its ${headerBytes}-byte header`);
  if (!(recordDuration > 0)) throw new EcgFormatError(path, 'bad-header', `EDF data record duration ${recordDuration} is not positive`);
  const at = (base: number, width: number, i: number) => 256 + base * ns + width * i;
  const signals: EdfSignal[] = [];
  for (let i = 0; i < ns; i++) {
    const s: EdfSignal = {
      label: ascii(bytes, at(0, 16, i), 16),
      physDim: ascii(bytes, at(96, 8, i), 8),
      physMin: field(path, bytes, at(104, 8, i), 8, `physical minimum of signal ${i + 1}`),
      physMax: field(path, bytes, at(112, 8, i), 8, `physical maximum of signal ${i + 1}`),
      digMin: field(path, bytes, at(120, 8, i), 8, `digital minimum of signal ${i + 1}`, true),
      digMax: field(path, bytes, at(128, 8, i), 8, `digital maximum of signal ${i + 1}`, true),
      samplesPerRecord: field(path, bytes, at(216, 8, i), 8, `samples per record of signal ${i + 1}`, true),
    };
    if (s.samplesPerRecord <= 0)
      throw new EcgFormatError(path, 'bad-header', `signal ${s.label} has ${s.samplesPerRecord} samples per record`);
    if (s.digMax <= s.digMin || s.physMax === s.physMin) {
      throw new EcgFormatError(path, 'bad-value', `signal ${s.label} has an empty digital or physical range`);
    }
    signals.push(s);
  }
  const recordBytes = signals.reduce((sum, s) => sum + 2 * s.samplesPerRecord, 0);
  const dataBytes = bytes.length - headerBytes;
  if (nRecords === -1) nRecords = Math.floor(dataBytes / recordBytes);
  if (nRecords < 0) throw new EcgFormatError(path, 'bad-header', `EDF header declares ${nRecords} data records`);
  if (nRecords * recordBytes > dataBytes) {
    throw new EcgFormatError(
      path,
      'truncated',
      `EDF header declares ${nRecords} data records, the file holds ${Math.floor(dataBytes / recordBytes)}`,
    );
  }

  const warnings: string[] = [];
  const candidates = signals
    .map((s, index) => ({ s, index, factor: toMillivoltFactor(s.physDim), name: normaliseLeadName(s.label) }))
    .filter(({ s, factor }) => {
      if (s.label === 'EDF Annotations') return false;
      if (factor === undefined) warnings.push(`signal '${s.label}' is in '${s.physDim}', not a voltage; skipped`);
      return factor !== undefined;
    });
  if (candidates.length === 0) throw new EcgFormatError(path, 'inconsistent', 'EDF file holds no voltage signals');
  const rates = [...new Set(candidates.map((c) => c.s.samplesPerRecord))];
  let kept = candidates;
  if (rates.length > 1) {
    const leadRates = [...new Set(candidates.filter((c) => isStandardLead(c.name)).map((c) => c.s.samplesPerRecord))];
    if (leadRates.length !== 1) {
      throw new EcgFormatError(
        path,
        'inconsistent',
        `EDF signals have different sampling rates (${rates.map((r) => r / recordDuration).join(', ')} Hz) and the ECG leads do not share one`,
      );
    }
    kept = candidates.filter((c) => c.s.samplesPerRecord === leadRates[0]);
    warnings.push(
      `skipped signals at other sampling rates: ${candidates
        .filter((c) => !kept.includes(c))
        .map((c) => c.s.label)
        .join(', ')}`,
    );
  }

  const spr = kept[0].s.samplesPerRecord;
  checkHeaderLimits(input, { format: 'edf', samplingRateHz: spr / recordDuration, samplesPerLead: nRecords * spr, channels: kept.length });
  const offsets: number[] = [];
  signals.reduce((off, s) => (offsets.push(off), off + 2 * s.samplesPerRecord), 0);
  // Where each data record starts, in samples of the kept leads: back to back, or as EDF+D's onsets say.
  const starts = reserved.startsWith('EDF+D')
    ? recordOnsets(path, bytes, signals, offsets, { headerBytes, recordBytes, nRecords, recordDuration, spr })
    : Array.from({ length: nRecords }, (_, r) => r * spr);
  const n = nRecords === 0 ? 0 : starts[nRecords - 1] + spr;
  const gapSamples = n - nRecords * spr;
  if (n * kept.length * 4 > options.maxBytes) {
    throw new EcgFormatError(
      path,
      'too-large',
      `EDF+D record spans ${(n / (spr / recordDuration)).toFixed(0)} s, more than this reader holds`,
    );
  }
  if (gapSamples > 0) {
    warnings.push(
      `EDF+D: ${nRecords} data records with ${((gapSamples * recordDuration) / spr).toFixed(3)} s of gaps between them, read as NaN`,
    );
  }
  const leads: Lead[] = kept.map(({ s, index, factor, name }) => {
    // Gaps have no stored integers: with gaps a lead keeps millivolts only.
    const adc = gapSamples > 0 ? undefined : new Int32Array(n);
    const mv = new Float32Array(n);
    if (gapSamples > 0) mv.fill(Number.NaN);
    const scale = (s.physMax - s.physMin) / (s.digMax - s.digMin);
    for (let r = 0; r < nRecords; r++) {
      let p = headerBytes + r * recordBytes + offsets[index];
      const at = starts[r];
      for (let k = 0; k < spr; k++, p += 2) {
        const d = bytes.readInt16LE(p);
        if (adc) adc[at + k] = d;
        mv[at + k] = (s.physMin + (d - s.digMin) * scale) * factor!;
      }
    }
    const lead: Lead = { name, unit: 'mV', storedUnit: s.physDim, derived: false, mv };
    return adc ? { ...lead, adc, gain: 1 / scale, baseline: s.digMin - s.physMin / scale } : lead;
  });
  const edfPlus = reserved.startsWith('EDF+');
  const { clinical, identifying } = patientFields(ascii(bytes, 8, 80), edfPlus);
  const start = startIso(ascii(bytes, 168, 8), ascii(bytes, 176, 8));
  if (start) clinical.recordedAt = start;
  const recording = ascii(bytes, 88, 80);
  if (recording !== '') identifying.other = { ...identifying.other, edfRecording: recording };
  return finishRecord(
    {
      format: 'edf',
      sourcePath: path,
      sourceFiles: [path],
      recordName: basename(path).replace(/\.(edf|rec)$/i, ''),
      samplingRateHz: spr / recordDuration,
      leads,
      annotations: [],
      clinical,
      identifying,
      warnings,
    },
    options,
  );
}

export const edfReader: FormatReader = {
  id: 'edf',
  sniff: (input: SniffInput) =>
    input.head.length >= 256 &&
    input.head.toString('latin1', 0, 8) === '0       ' &&
    /^\d+\s*$/.test(input.head.toString('latin1', 184, 192)),
  read: readEdf,
};
