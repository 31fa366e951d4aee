/**
 * WFDB records (header + signal files + optional per-lead annotation files), including the PhysioNet/CinC
 * 2020-2021 variant whose signal file is a MATLAB v4 `.mat`, multi-segment records (multisegment.ts),
 * multi-frequency records (samples per frame > 1) and skewed signals. Conversion matches wfdb-python's rdrecord:
 * mV = (adc - baseline) / gain, with each format's invalid-sample value read as NaN.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { isFile, pathExists, readChecked, readHead } from '../io.ts';
import { checkHeaderLimits } from '../limits.ts';
import { normaliseLeadName } from '../leadNames.ts';
import { finishRecord } from '../finish.ts';
import { readLudbMetadata, readPtbxlMetadata } from '../datasetMetadata.ts';
import type { ClinicalMetadata, EcgRecord, FormatId, IdentifyingMetadata, WaveAnnotation } from '../record.ts';
import type { FormatReader, ReadInput, SniffInput } from '../reader.ts';
import { looksLikeWfdbHeader, parseWfdbHeader, type WfdbHeader } from './header.ts';
import { expandToRecordRate, isMat, readSegment } from './segment.ts';
import { readMultiSegment } from './multisegment.ts';
import { parseMitAnnotations, toWaveAnnotations } from './annotation.ts';
import { BINARY_FORMATS, samplesInBytes } from './signal.ts';

/** Per-lead annotation extensions as LUDB names them. */
export const LEAD_ANNOTATION_EXTENSIONS = ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'];

/** `#Age: 76`, `#Dx: ...` and LUDB's `#<age>:` style keys, lower-cased, that name a clinical field. */
const CLINICAL_KEYS = new Set([
  'age',
  'sex',
  'gender',
  'dx',
  'diagnoses',
  'diagnosis',
  'height',
  'weight',
  'rx',
  'medication',
  'medications',
]);

/**
 * Header comments by allow-list: `#Age: 76`, `#<sex>: F`, `#Dx: 164889003,59118001` (CinC SNOMED CT codes),
 * `#Height`, `#Weight`, `#Rx` (medication), and LUDB's statement lines after `#<diagnoses>:` are clinical; any
 * other key (`#Name:`, `#Patient ID:`, `#DOB:`, CinC's `#Hx`/`#Sx`) and any loose comment is identifying.
 */
function commentMetadata(comments: string[]): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata } {
  const clinical: ClinicalMetadata = {};
  const other: Record<string, string> = {};
  const loose: string[] = [];
  const statements: string[] = [];
  let inDiagnoses = false;
  const known = (value: string) => value !== '' && value.toLowerCase() !== 'unknown';
  for (const c of comments) {
    if (inDiagnoses && c.trim() !== '') {
      statements.push(c.trim());
      continue;
    }
    const m = /^<?([A-Za-z][\w ]*?)>?:\s*(.*)$/.exec(c);
    if (!m) {
      if (c !== '') loose.push(c);
      continue;
    }
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (!CLINICAL_KEYS.has(key)) {
      if (value !== '') other[m[1]] = value;
      else loose.push(c);
      continue;
    }
    const number = value !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
    if (key === 'age') {
      if (number !== undefined) clinical.age = number;
    } else if (key === 'sex' || key === 'gender') {
      const v = value.toLowerCase();
      clinical.sex = v === 'male' || v === 'm' ? 'male' : v === 'female' || v === 'f' ? 'female' : 'unknown';
    } else if (key === 'dx') {
      clinical.diagnoses = value
        .split(',')
        .map((code) => code.trim())
        .filter((code) => code !== '')
        .map((code) => ({ system: 'snomed-ct' as const, code }));
    } else if ((key === 'diagnoses' || key === 'diagnosis') && value === '') inDiagnoses = true;
    else if (key === 'diagnoses' || key === 'diagnosis') statements.push(value);
    else if (key === 'height') {
      if (number !== undefined) clinical.heightCm = number;
    } else if (key === 'weight') {
      if (number !== undefined) clinical.weightKg = number;
    } else if (known(value)) clinical.medications = value.split(',').map((v) => v.trim());
  }
  if (statements.length > 0) clinical.statements = statements;
  if (loose.length > 0) other.comments = loose.join('\n');
  return { clinical, identifying: Object.keys(other).length > 0 ? { other } : {} };
}

function recordedAt(header: WfdbHeader): string | undefined {
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(header.baseDate ?? '');
  const t = /^(\d{1,2}):(\d{2}):(\d{2}(\.\d+)?)$/.exec(header.baseTime ?? '');
  if (!d || !t) return undefined;
  const p = (s: string) => s.padStart(2, '0');
  return `${d[3]}-${p(d[2])}-${p(d[1])}T${p(t[1])}:${t[2]}:${p(t[3])}`;
}

async function readAnnotations(
  path: string,
  fs: number,
  maxBytes: number,
  sourceFiles: string[],
  warnings: string[],
): Promise<WaveAnnotation[]> {
  const stem = path.replace(/\.hea$/i, '');
  const annotations: WaveAnnotation[] = [];
  for (const ext of LEAD_ANNOTATION_EXTENSIONS) {
    const file = `${stem}.${ext}`;
    if (!pathExists(file)) continue;
    const raw = parseMitAnnotations(file, await readChecked(file, maxBytes));
    const lead = normaliseLeadName(ext);
    const { waves, incomplete } = toWaveAnnotations(raw, lead, fs);
    if (incomplete > 0) warnings.push(`${basename(file)}: ${incomplete} wave peaks without onset or offset were skipped`);
    annotations.push(...waves);
    sourceFiles.push(file);
  }
  return annotations;
}

function mergeIdentifying(a: IdentifyingMetadata, b: IdentifyingMetadata): IdentifyingMetadata {
  const other = { ...a.other, ...b.other };
  return { ...a, ...b, ...(Object.keys(other).length > 0 ? { other } : {}) };
}

/** The hard limits (limits.ts) from the header, or from its signal files' sizes when it states no length, before decoding. */
function checkWfdbLimits(input: ReadInput, header: WfdbHeader): void {
  const spf = Math.max(1, ...header.signals.map((s) => s.samplesPerFrame));
  const sizeOf = (file: string) => (isFile(file) ? statSync(file).size : 0);
  const implied = header.signals
    .filter((s) => (BINARY_FORMATS as readonly number[]).includes(s.format) && s.fileName !== '~')
    .map((s) => {
      const inFile = header.signals.filter((t) => t.fileName === s.fileName);
      const total = samplesInBytes(s.format, Math.max(0, sizeOf(join(dirname(input.path), s.fileName)) - s.byteOffset));
      return total / inFile.reduce((n, t) => n + t.samplesPerFrame, 0);
    });
  const frames = header.samplesPerSignal ?? (header.segments || implied.length === 0 ? undefined : Math.floor(Math.max(...implied)));
  const format: FormatId = header.signals.some((s) => isMat(s.fileName)) ? 'cinc-mat' : 'wfdb';
  const channels = header.signals.length || undefined;
  checkHeaderLimits(input, { format, samplingRateHz: header.samplingRateHz * spf, samplesPerLead: frames && frames * spf, channels });
}

async function readWfdb(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes, options } = input;
  const header = parseWfdbHeader(path, bytes.toString('latin1'));
  checkWfdbLimits(input, header);
  const sourceFiles = [path];
  const warnings: string[] = [];
  const { frames, signals } = header.segments
    ? await readMultiSegment(path, header, options.maxBytes, sourceFiles, warnings)
    : await readSegment(path, header, options.maxBytes, sourceFiles, warnings);
  const { leads, samplingRateHz } = expandToRecordRate(signals, frames, header.samplingRateHz, warnings);
  const annotations = await readAnnotations(path, samplingRateHz, options.maxBytes, sourceFiles, warnings);
  let { clinical, identifying } = commentMetadata(header.comments);
  const at = recordedAt(header);
  if (at) clinical.recordedAt = at;
  if (options.datasetMetadata) {
    const meta = (await readPtbxlMetadata(path)) ?? (await readLudbMetadata(path));
    if (meta) {
      clinical = { ...clinical, ...meta.clinical };
      identifying = mergeIdentifying(identifying, meta.identifying);
      sourceFiles.push(...meta.sourceFiles);
    }
  }
  const format: FormatId = header.signals.some((s) => isMat(s.fileName)) ? 'cinc-mat' : 'wfdb';
  return finishRecord(
    {
      format,
      sourcePath: path,
      sourceFiles: [...new Set(sourceFiles)],
      recordName: basename(path).replace(/\.hea$/i, ''),
      samplingRateHz,
      leads,
      annotations,
      clinical,
      identifying,
      warnings: [...new Set(warnings)],
    },
    options,
  );
}

const segmentCache = new Map<string, { mtimeMs: number; names: Promise<Set<string>> }>();

/** The segment names the multi-segment headers of a folder list (read without blocking the event loop). */
async function segmentNames(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.hea')) continue;
    try {
      const lines = headerLines((await readHead(join(dir, f))).head);
      if (/^\S+\/\d+\s/.test(lines[0] ?? '')) for (const l of lines.slice(1)) names.add(l.split(/\s+/)[0]);
    } catch {
      // an unreadable header names no segments
    }
  }
  return names;
}

/**
 * True when a header is a segment (or the layout header) of a multi-segment record beside it: such a header is
 * part of that record, not a record of its own. A folder's segment names are collected once per change of it.
 */
export async function isSegmentHeader(path: string): Promise<boolean> {
  const dir = dirname(path);
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(dir)).mtimeMs;
  } catch {
    return false;
  }
  let cached = segmentCache.get(dir);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, names: segmentNames(dir) };
    segmentCache.set(dir, cached);
  }
  return (await cached.names).has(basename(path).replace(/\.hea$/i, ''));
}

function headerLines(head: Buffer): string[] {
  return head
    .toString('latin1')
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

function headerSignalFiles(head: Buffer): string[] | undefined {
  const text = head.toString('latin1');
  if (!looksLikeWfdbHeader(text)) return undefined;
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .slice(1)
    .map((l) => l.split(/\s+/)[0]);
}

export const wfdbReader: FormatReader = {
  id: 'wfdb',
  sniff: (input: SniffInput) => {
    const files = headerSignalFiles(input.head);
    return files !== undefined && !files.some(isMat);
  },
  read: readWfdb,
};

export const cincMatReader: FormatReader = {
  id: 'cinc-mat',
  sniff: (input: SniffInput) => {
    const files = headerSignalFiles(input.head);
    return files !== undefined && files.length > 0 && files.some(isMat);
  },
  read: readWfdb,
};
