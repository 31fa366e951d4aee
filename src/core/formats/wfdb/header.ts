/**
 * WFDB header (.hea) parsing, following the WFDB header(5) spec and wfdb-python's defaults
 * (fs 250 Hz, ADC gain 200 when absent or 0, baseline = ADC zero when absent, units mV).
 */
import { EcgFormatError } from '../errors.ts';

export interface WfdbSignalSpec {
  fileName: string;
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  adcGain: number;
  /** True when the header gave a gain of 0 or none, so the WFDB default of 200 applies. */
  gainDefaulted: boolean;
  baseline: number;
  units: string;
  adcResolution?: number;
  adcZero: number;
  initialValue?: number;
  checksum?: number;
  blockSize: number;
  description: string;
}

/** One line of a multi-segment header: a segment record name ('~' for a null segment) and its length in frames. */
export interface WfdbSegmentSpec {
  name: string;
  frames: number;
}

export interface WfdbHeader {
  recordName: string;
  samplingRateHz: number;
  /** Absent when the header leaves it to the signal file's length. */
  samplesPerSignal?: number;
  baseTime?: string;
  baseDate?: string;
  signals: WfdbSignalSpec[];
  /** Present for a multi-segment record; `signals` is then empty. */
  segments?: WfdbSegmentSpec[];
  /** Signal count of the record line (for multi-segment records, the signals of the whole record). */
  signalCount: number;
  comments: string[];
}

const INT = /^[-+]?\d+$/;
const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function int(path: string, what: string, s: string): number {
  if (!INT.test(s)) throw new EcgFormatError(path, 'bad-header', `${what} '${s}' is not an integer`);
  return Number.parseInt(s, 10);
}

function num(path: string, what: string, s: string): number {
  if (!NUM.test(s)) throw new EcgFormatError(path, 'bad-header', `${what} '${s}' is not a number`);
  return Number(s);
}

/** First line of a header: "name[/segments] nsig [fs[/counter[(base)]] [length [time [date]]]]". */
function parseRecordLine(
  path: string,
  line: string,
): Omit<WfdbHeader, 'signals' | 'comments' | 'segments' | 'signalCount'> & { nSig: number; nSeg?: number } {
  const t = line.trim().split(/\s+/);
  if (t.length < 2) throw new EcgFormatError(path, 'bad-header', 'record line needs a record name and a signal count');
  const [name, segments] = t[0].split('/');
  const nSeg = segments === undefined ? undefined : int(path, 'segment count', segments);
  if (nSeg !== undefined && nSeg < 1) throw new EcgFormatError(path, 'bad-header', `segment count ${nSeg} is not positive`);
  const nSig = int(path, 'signal count', t[1]);
  const fsToken = t[2]?.split('/')[0];
  const samplingRateHz = fsToken === undefined || fsToken === '' ? 250 : num(path, 'sampling frequency', fsToken);
  if (!(samplingRateHz > 0)) throw new EcgFormatError(path, 'bad-header', `sampling frequency ${samplingRateHz} is not positive`);
  const samplesPerSignal = t[3] === undefined ? undefined : int(path, 'number of samples', t[3]);
  if (samplesPerSignal !== undefined && samplesPerSignal < 0) {
    throw new EcgFormatError(path, 'bad-header', `number of samples ${samplesPerSignal} is negative`);
  }
  return { recordName: name, nSig, nSeg, samplingRateHz, samplesPerSignal, baseTime: t[4], baseDate: t[5] };
}

const FORMAT_FIELD = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/;
const GAIN_FIELD = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?(?:\(([-+]?\d+)\))?(?:\/(\S*))?$/;

/** "file format[xspf][:skew][+offset] [gain[(baseline)][/units] [res [zero [init [checksum [block [description]]]]]]]" */
function parseSignalLine(path: string, line: string): WfdbSignalSpec {
  const t = line.trim().split(/\s+/);
  if (t.length < 2) throw new EcgFormatError(path, 'bad-header', `signal line '${line.trim()}' needs a file name and a format`);
  const f = FORMAT_FIELD.exec(t[1]);
  if (!f) throw new EcgFormatError(path, 'bad-header', `signal format field '${t[1]}' is malformed`);
  const spec: WfdbSignalSpec = {
    fileName: t[0],
    format: Number(f[1]),
    samplesPerFrame: f[2] ? Number(f[2]) : 1,
    skew: f[3] ? Number(f[3]) : 0,
    byteOffset: f[4] ? Number(f[4]) : 0,
    adcGain: 200,
    gainDefaulted: true,
    baseline: 0,
    units: 'mV',
    adcZero: 0,
    blockSize: 0,
    description: '',
  };
  // Fields are positional; the description is whatever follows the last numeric field present.
  let i = 2;
  let baseline: number | undefined;
  if (t[i] !== undefined) {
    const g = GAIN_FIELD.exec(t[i]);
    if (!g || (g[1] === undefined && g[2] === undefined && g[3] === undefined)) {
      spec.description = t.slice(i).join(' ');
      return spec;
    }
    if (g[1] !== undefined) {
      const gain = Number(g[1]);
      if (!Number.isFinite(gain)) throw new EcgFormatError(path, 'bad-header', `ADC gain '${g[1]}' is not a number`);
      if (gain !== 0) {
        spec.adcGain = gain;
        spec.gainDefaulted = false;
      }
    }
    if (g[2] !== undefined) baseline = Number(g[2]);
    if (g[3] !== undefined && g[3] !== '') spec.units = g[3];
    i++;
  }
  const optionalInts: (keyof WfdbSignalSpec)[] = ['adcResolution', 'adcZero', 'initialValue', 'checksum', 'blockSize'];
  for (const key of optionalInts) {
    if (t[i] === undefined || !INT.test(t[i])) break;
    (spec as unknown as Record<string, number>)[key] = Number.parseInt(t[i], 10);
    i++;
  }
  spec.baseline = baseline ?? spec.adcZero;
  spec.description = t.slice(i).join(' ');
  return spec;
}

export function parseWfdbHeader(path: string, text: string): WfdbHeader {
  const comments: string[] = [];
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf('#');
    if (hash >= 0) comments.push(raw.slice(hash + 1).trim());
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (body !== '') lines.push(body);
  }
  if (lines.length === 0) throw new EcgFormatError(path, 'bad-header', 'header has no record line');
  const { nSig, nSeg, ...record } = parseRecordLine(path, lines[0]);
  if (nSeg !== undefined) {
    if (lines.length - 1 < nSeg) {
      throw new EcgFormatError(
        path,
        'bad-header',
        `record line declares ${nSeg} segments but the header has ${lines.length - 1} segment lines`,
      );
    }
    const segments = lines.slice(1, 1 + nSeg).map((l) => parseSegmentLine(path, l));
    return { ...record, signals: [], segments, signalCount: nSig, comments };
  }
  if (lines.length - 1 < nSig) {
    throw new EcgFormatError(
      path,
      'bad-header',
      `record line declares ${nSig} signals but the header has ${lines.length - 1} signal lines`,
    );
  }
  const signals = lines.slice(1, 1 + nSig).map((l) => parseSignalLine(path, l));
  return { ...record, signals, signalCount: nSig, comments };
}

/** "name frames" */
function parseSegmentLine(path: string, line: string): WfdbSegmentSpec {
  const t = line.trim().split(/\s+/);
  if (t.length < 2) throw new EcgFormatError(path, 'bad-header', `segment line '${line.trim()}' needs a record name and a length`);
  const frames = int(path, `length of segment ${t[0]}`, t[1]);
  if (frames < 0) throw new EcgFormatError(path, 'bad-header', `segment ${t[0]} has a negative length ${frames}`);
  return { name: t[0], frames };
}

/** Cheap content test: a plausible record line followed by signal lines (or none for nSig 0). */
export function looksLikeWfdbHeader(text: string): boolean {
  if (text.includes('\0')) return false;
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return false;
  const rec = /^[^\s/]+(\/\d+)?\s+(\d+)(\s+[\d.]+(\/[\d.]+(\([-\d.]+\))?)?)?(\s+\d+)?(\s|$)/.exec(lines[0]);
  if (!rec) return false;
  const second = lines[1]?.split(/\s+/)[1] ?? '';
  if (rec[1] !== undefined) return /^\d+$/.test(second);
  if (Number(rec[2]) === 0) return true;
  return FORMAT_FIELD.test(second);
}
