/**
 * Entry point of the formats layer: detection by content and the registry of readers.
 * Readers are tried in list order; the first whose sniff accepts the file reads it.
 */
import { basename, extname } from 'node:path';
import { EcgFormatError } from './errors.ts';
import { pathExists, readChecked, readHead } from './io.ts';
import { describeLimitBreach } from './limits.ts';
import type { EcgRecord, FormatId } from './record.ts';
import { DEFAULT_MAX_BYTES, SNIFF_BYTES, type FormatReader, type ReadInput, type ReadOptions, type SniffInput } from './reader.ts';
import { cincMatReader, isSegmentHeader, LEAD_ANNOTATION_EXTENSIONS, wfdbReader } from './wfdb/reader.ts';
import { looksLikeMatV4 } from './wfdb/matv4.ts';
import { edfReader } from './edf.ts';
import { csvReader } from './csv.ts';
import { HOSPITAL_READERS } from './hospital/index.ts';
import { unsafeXmlProblem } from './hospital/xml.ts';

export type { ReadOptions, FormatReader } from './reader.ts';
export { EcgFormatError } from './errors.ts';
export { EcgLimitError, type HeaderFacts } from './limits.ts';

/** Binary formats with magic numbers first, text formats after, CSV last (its sniff is the loosest). */
export const READERS: readonly FormatReader[] = [wfdbReader, cincMatReader, edfReader, ...HOSPITAL_READERS, csvReader];

/**
 * A WFDB record may be named by its header, by the record path without extension, or by its signal file
 * (`.dat`/`.mat` beside a same-named `.hea`); all three read the header.
 */
export async function resolveRecordPath(path: string): Promise<string> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.hea' && !pathExists(path) && pathExists(`${path}.hea`)) return `${path}.hea`;
  if (ext === '.dat' || ext === '.mat') {
    const header = path.slice(0, -ext.length) + '.hea';
    if (pathExists(header)) return header;
  }
  return path;
}

function sniffInput(path: string, head: Buffer, size: number): SniffInput {
  return { path, ext: extname(path).toLowerCase(), size, head };
}

/** The format of a file by its content, or undefined when no reader recognises it. */
export async function detectFormat(path: string): Promise<FormatId | undefined> {
  const resolved = await resolveRecordPath(path);
  const { head, size } = await readHead(resolved);
  return READERS.find((r) => r.sniff(sniffInput(resolved, head, size)))?.id;
}

export type FileRole =
  /** Read it with readEcgFile. */
  | 'record'
  /** Belongs to a record read through another file (signal file or annotation file of a WFDB header). */
  | 'companion'
  /** Not an ECG file this tool reads. */
  | 'other';

/** Classifies one file for folder import without loading it; never throws for unreadable files ('other'). */
export async function classifyFile(path: string): Promise<FileRole> {
  const ext = extname(path).toLowerCase();
  const header = path.slice(0, path.length - ext.length) + '.hea';
  try {
    if (ext === '.hea' && (await isSegmentHeader(path))) return 'companion';
    if (ext !== '.hea' && pathExists(header)) {
      if (['.dat', '.mat'].includes(ext) || LEAD_ANNOTATION_EXTENSIONS.includes(ext.slice(1))) return 'companion';
      const { head } = await readHead(header);
      if (head.toString('latin1').includes(basename(path))) return 'companion';
    }
    const { head, size } = await readHead(path);
    if (looksLikeMatV4(head)) return 'companion';
    // unsafe XML is a record to refuse by name (readEcgFile says why), not a file to skip as "not an ECG"
    if (unsafeXmlProblem(head)) return 'record';
    return READERS.some((r) => r.sniff(sniffInput(path, head, size))) ? 'record' : 'other';
  } catch {
    return 'other';
  }
}

export async function isCandidateFile(path: string): Promise<boolean> {
  return (await classifyFile(path)) === 'record';
}

/** Reads one ECG file (any supported format) into an EcgRecord; throws only EcgFormatError. */
export async function readEcgFile(path: string, options: ReadOptions = {}): Promise<EcgRecord> {
  const resolved = await resolveRecordPath(path);
  const opts: ReadInput['options'] = {
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    deriveLimbLeads: options.deriveLimbLeads ?? true,
    datasetMetadata: options.datasetMetadata ?? true,
    samplingRateHz: options.samplingRateHz,
    limits: options.limits ?? 'enforce',
  };
  const bytes = await readChecked(resolved, opts.maxBytes);
  const input = sniffInput(resolved, bytes.subarray(0, SNIFF_BYTES), bytes.length);
  const unsafe = unsafeXmlProblem(input.head);
  if (unsafe) throw new EcgFormatError(resolved, 'unsafe-content', `refused for safety: ${unsafe}; the file was not read`);
  const reader = READERS.find((r) => r.sniff(input));
  if (!reader) {
    throw new EcgFormatError(resolved, 'unknown-format', 'not an ECG format this tool reads');
  }
  try {
    const record = await reader.read({ path: resolved, bytes, options: opts });
    const breach = opts.limits === 'describe' ? describeLimitBreach(record) : undefined;
    if (breach) record.warnings.push(breach);
    return record;
  } catch (err) {
    if (err instanceof EcgFormatError) throw err;
    throw new EcgFormatError(resolved, 'io', `${reader.id} reader failed: ${(err as Error).message ?? String(err)}`);
  }
}
