/**
 * WFDB records (header + signal files + optional per-lead annotation files), including the PhysioNet/CinC
 * 2020-2021 variant whose signal file is a MATLAB v4 `.mat`. Conversion matches wfdb-python's rdrecord:
 * mV = (adc - baseline) / gain, with each format's invalid-sample value read as NaN.
 */
import { basename, dirname, join } from 'node:path';
import { EcgFormatError } from '../errors.ts';
import { pathExists, readChecked } from '../io.ts';
import { normaliseLeadName, toMillivoltFactor } from '../leadNames.ts';
import { finishRecord } from '../finish.ts';
import { readLudbMetadata, readPtbxlMetadata } from '../datasetMetadata.ts';
import type { ClinicalMetadata, EcgRecord, FormatId, IdentifyingMetadata, Lead, WaveAnnotation } from '../record.ts';
import type { FormatReader, ReadInput, SniffInput } from '../reader.ts';
import { looksLikeWfdbHeader, parseWfdbHeader, type WfdbHeader, type WfdbSignalSpec } from './header.ts';
import { checksumMatches, decodeSignals, INVALID_SAMPLE, samplesInBytes, SUPPORTED_FORMATS } from './signal.ts';
import { parseMatV4Header } from './matv4.ts';
import { parseMitAnnotations, toWaveAnnotations } from './annotation.ts';

/** Per-lead annotation extensions as LUDB names them. */
export const LEAD_ANNOTATION_EXTENSIONS = ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'];

const isMat = (fileName: string) => fileName.toLowerCase().endsWith('.mat');

async function readSignalFile(headerPath: string, path: string, maxBytes: number): Promise<Buffer> {
  try {
    return await readChecked(path, maxBytes);
  } catch (err) {
    if (err instanceof EcgFormatError && err.problem === 'not-found') {
      throw new EcgFormatError(path, 'missing-signal-file', `signal file named in ${headerPath} does not exist`);
    }
    throw err;
  }
}

function checkSpecs(path: string, header: WfdbHeader): void {
  if (header.signals.length === 0) throw new EcgFormatError(path, 'inconsistent', 'header declares no signals');
  for (const s of header.signals) {
    if (!(SUPPORTED_FORMATS as readonly number[]).includes(s.format)) {
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        `WFDB storage format ${s.format} (signal '${s.description}') is not supported; supported: ${SUPPORTED_FORMATS.join(', ')}`,
      );
    }
    if (s.samplesPerFrame !== 1)
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        `signal '${s.description}' has ${s.samplesPerFrame} samples per frame; only 1 is supported`,
      );
    if (s.skew !== 0)
      throw new EcgFormatError(
        path,
        'unsupported-encoding',
        `signal '${s.description}' has skew ${s.skew}; skewed signals are not supported`,
      );
    if (s.fileName === '~') throw new EcgFormatError(path, 'unsupported-encoding', 'null signal files (~) are not supported');
    // A signal file lies beside its header: names with folders could point anywhere on the disk.
    if (!/^[-\w.]+$/.test(s.fileName) || s.fileName.startsWith('.')) {
      throw new EcgFormatError(path, 'unsafe-content', `signal file name '${s.fileName}' is not a plain file name beside the header`);
    }
  }
}

/** Decodes every signal file once; returns the raw integers per header signal, in header order. */
async function readAdc(
  path: string,
  header: WfdbHeader,
  maxBytes: number,
  sourceFiles: string[],
): Promise<{ adc: Int32Array[]; frames: number }> {
  const dir = dirname(path);
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => groups.set(s.fileName, [...(groups.get(s.fileName) ?? []), i]));
  const adc: Int32Array[] = new Array(header.signals.length);
  let frames = header.samplesPerSignal;
  for (const [fileName, indices] of groups) {
    const specs = indices.map((i) => header.signals[i]);
    const first = specs[0];
    if (specs.some((s) => s.format !== first.format)) {
      throw new EcgFormatError(path, 'inconsistent', `signals in ${fileName} use different storage formats`);
    }
    const filePath = join(dir, fileName);
    const bytes = await readSignalFile(path, filePath, maxBytes);
    sourceFiles.push(filePath);
    let available = Math.floor(samplesInBytes(first.format, Math.max(0, bytes.length - first.byteOffset)) / specs.length);
    if (isMat(fileName)) {
      const mat = parseMatV4Header(filePath, bytes);
      if (first.format !== 16 || first.byteOffset !== mat.dataOffset || mat.rows !== specs.length) {
        throw new EcgFormatError(
          path,
          'inconsistent',
          `header reads ${fileName} as format ${first.format}+${first.byteOffset} with ${specs.length} signals, the MAT file holds a ${mat.rows} x ${mat.cols} int16 matrix at byte ${mat.dataOffset}`,
        );
      }
      available = mat.cols;
    }
    frames ??= available;
    if (frames > available) {
      throw new EcgFormatError(
        filePath,
        'truncated',
        `header ${basename(path)} declares ${frames} samples per signal, the file holds ${available}`,
      );
    }
    const decoded = decodeSignals(
      filePath,
      bytes,
      first.format,
      specs.length,
      frames,
      first.byteOffset,
      specs.map((s) => s.initialValue ?? 0),
    );
    indices.forEach((sig, k) => (adc[sig] = decoded[k]));
  }
  return { adc, frames: frames ?? 0 };
}

function toLead(spec: WfdbSignalSpec, adc: Int32Array, warnings: string[]): Lead | undefined {
  const factor = toMillivoltFactor(spec.units);
  const name = normaliseLeadName(spec.description);
  if (factor === undefined) {
    warnings.push(`signal '${spec.description}' is in ${spec.units}, not a voltage; skipped`);
    return undefined;
  }
  if (spec.gainDefaulted)
    warnings.push(`signal '${spec.description}' has ADC gain 0 or none; used the WFDB default of 200 per ${spec.units}`);
  const invalid = INVALID_SAMPLE[spec.format];
  const { baseline, adcGain } = spec;
  const mv = new Float32Array(adc.length);
  let missing = 0;
  let sum = 0;
  for (let i = 0; i < adc.length; i++) {
    const v = adc[i];
    sum = (sum + v) | 0;
    if (v === invalid) {
      mv[i] = Number.NaN;
      missing++;
    } else mv[i] = ((v - baseline) / adcGain) * factor;
  }
  if (spec.checksum !== undefined && !checksumMatches(sum, spec.checksum)) {
    warnings.push(`checksum mismatch on signal '${spec.description}': the signal file does not match its header`);
  }
  if (missing > 0) warnings.push(`signal '${spec.description}' has ${missing} samples marked invalid (read as NaN)`);
  return { name, unit: 'mV', storedUnit: spec.units, derived: false, mv, adc, gain: spec.adcGain, baseline: spec.baseline };
}

/** `#Age: 76`, `#<sex>: F`, `#Dx: 164889003,59118001` (CinC SNOMED CT codes); other lines are kept verbatim. */
function commentMetadata(comments: string[]): ClinicalMetadata {
  const clinical: ClinicalMetadata = {};
  const other: Record<string, string> = {};
  const loose: string[] = [];
  for (const c of comments) {
    const m = /^<?([A-Za-z][\w ]*?)>?:\s*(.*)$/.exec(c);
    if (!m) {
      if (c !== '') loose.push(c);
      continue;
    }
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'age' && value !== '' && Number.isFinite(Number(value))) clinical.age = Number(value);
    else if (key === 'sex') {
      const v = value.toLowerCase();
      clinical.sex = v === 'male' || v === 'm' ? 'male' : v === 'female' || v === 'f' ? 'female' : 'unknown';
    } else if (key === 'dx') {
      clinical.diagnoses = value
        .split(',')
        .map((code) => code.trim())
        .filter((code) => code !== '')
        .map((code) => ({ system: 'snomed-ct' as const, code }));
    } else if (value !== '') other[m[1]] = value;
    else loose.push(c);
  }
  if (loose.length > 0) other.comments = loose.join('\n');
  if (Object.keys(other).length > 0) clinical.other = other;
  return clinical;
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

function mergeClinical(a: ClinicalMetadata, b: ClinicalMetadata): ClinicalMetadata {
  const other = { ...a.other, ...b.other };
  return { ...a, ...b, ...(Object.keys(other).length > 0 ? { other } : {}) };
}

async function readWfdb(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes, options } = input;
  const header = parseWfdbHeader(path, bytes.toString('latin1'));
  checkSpecs(path, header);
  const sourceFiles = [path];
  const warnings: string[] = [];
  const { adc } = await readAdc(path, header, options.maxBytes, sourceFiles);
  const leads = header.signals.flatMap((s, i) => toLead(s, adc[i], warnings) ?? []);
  const annotations = await readAnnotations(path, header.samplingRateHz, options.maxBytes, sourceFiles, warnings);
  let clinical = commentMetadata(header.comments);
  const at = recordedAt(header);
  if (at) clinical.recordedAt = at;
  let identifying: IdentifyingMetadata = {};
  if (options.datasetMetadata) {
    const meta = (await readPtbxlMetadata(path)) ?? (await readLudbMetadata(path));
    if (meta) {
      clinical = mergeClinical(clinical, meta.clinical);
      identifying = meta.identifying;
      sourceFiles.push(...meta.sourceFiles);
    }
  }
  const format: FormatId = header.signals.some((s) => isMat(s.fileName)) ? 'cinc-mat' : 'wfdb';
  return finishRecord(
    {
      format,
      sourcePath: path,
      sourceFiles,
      recordName: basename(path).replace(/\.hea$/i, ''),
      samplingRateHz: header.samplingRateHz,
      leads,
      annotations,
      clinical,
      identifying,
      warnings,
    },
    options,
  );
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
