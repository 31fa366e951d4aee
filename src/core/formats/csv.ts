/**
 * Delimited text (CSV, semicolon or tab separated): one column per lead, a header row of lead names, and
 * optionally a time column. Sampling rate: the samplingRateHz option, else a `# sampling_rate=500` comment,
 * else the time column (seconds, or ms when the column is named time_ms / "time (ms)").
 * Units: mV unless a `# unit=uV` comment or a column suffix like "V1 (uV)" / "V1 [uV]" says otherwise.
 * Decision: an empty, NaN or infinite cell is an error ('bad-value', naming line and column) rather than NaN,
 * because a gap the user did not mark as missing more likely means a damaged export than a real dropout.
 */
import { basename } from 'node:path';
import { EcgFormatError } from './errors.ts';
import { finishRecord } from './finish.ts';
import { checkHeaderLimits } from './limits.ts';
import { isStandardLead, normaliseLeadName, toMillivoltFactor } from './leadNames.ts';
import type { EcgRecord, Lead } from './record.ts';
import type { FormatReader, ReadInput, SniffInput } from './reader.ts';

const TIME_COLUMNS = new Map([
  ['time', 1],
  ['t', 1],
  ['time_s', 1],
  ['seconds', 1],
  ['time_ms', 1e-3],
  ['ms', 1e-3],
]);
const RATE_KEYS = new Set(['sampling_rate', 'sampling_rate_hz', 'samplingrate', 'fs', 'sample_rate']);
const UNIT_KEYS = new Set(['unit', 'units']);

interface Column {
  name: string;
  unit?: string;
  /** Seconds per unit for a time column. */
  timeScale?: number;
}

function parseColumn(raw: string): Column {
  const m = /^(.*?)\s*[([]\s*([^)\]]*)\s*[)\]]\s*$/.exec(raw.trim());
  const base = (m ? m[1] : raw).trim().replace(/^"(.*)"$/, '$1');
  const unit = m ? m[2] : undefined;
  const lower = base.toLowerCase();
  if (TIME_COLUMNS.has(lower)) {
    return { name: base, timeScale: unit?.toLowerCase() === 'ms' ? 1e-3 : TIME_COLUMNS.get(lower) };
  }
  return { name: normaliseLeadName(base), unit };
}

interface Line {
  lineNo: number;
  text: string;
}

/**
 * Non-blank lines one at a time, decoded from the bytes line by line: neither an array of every line (a 256 MB
 * file may have 100 M of them) nor a copy of the whole file as one string is ever made.
 */
function* lines(bytes: Buffer): Generator<Line> {
  let lineNo = 0;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let from = bom; from <= bytes.length;) {
    let to = bytes.indexOf(10, from);
    if (to < 0) to = bytes.length;
    lineNo++;
    const line = bytes.toString('utf8', from, to > from && bytes[to - 1] === 13 ? to - 1 : to);
    if (line.trim() !== '') yield { lineNo, text: line };
    from = to + 1;
  }
}

const isComment = (l: Line) => l.text.trimStart().startsWith('#');

function delimiterOf(line: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, line.split(d).length] as const);
  return counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Header comments `# key=value` / `# key: value`, lower-cased keys. */
function comments(bytes: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines(bytes)) {
    if (!isComment(l)) continue;
    const m = /^\s*#\s*([\w ]+?)\s*[=:]\s*(.*?)\s*$/.exec(l.text);
    if (m) out.set(m[1].toLowerCase().replace(/ /g, '_'), m[2]);
  }
  return out;
}

/** Data rows (neither blank nor comments, header excluded), counted before anything is allocated for them. */
function countRows(bytes: Buffer): number {
  let n = -1;
  for (const l of lines(bytes)) if (!isComment(l)) n++;
  return Math.max(0, n);
}

function readCsv(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes, options } = input;
  const meta = comments(bytes);
  const data = lines(bytes);
  let header = data.next();
  while (!header.done && isComment(header.value)) header = data.next();
  if (header.done) throw new EcgFormatError(path, 'truncated', 'CSV file has a header row but no samples');
  const delim = delimiterOf(header.value.text);
  const columns = header.value.text.split(delim).map(parseColumn);
  const timeIndex = columns.findIndex((c) => c.timeScale !== undefined);
  const defaultUnit = [...meta].find(([k]) => UNIT_KEYS.has(k))?.[1] ?? 'mV';
  const factors = columns.map((col, c) => {
    if (c === timeIndex) return 1;
    const factor = toMillivoltFactor(col.unit ?? defaultUnit);
    if (factor === undefined) {
      throw new EcgFormatError(path, 'bad-header', `column '${col.name}' has unit '${col.unit ?? defaultUnit}', not a voltage`);
    }
    return factor;
  });
  const capacity = countRows(bytes);
  checkHeaderLimits(input, { format: 'csv', samplesPerLead: capacity, channels: columns.length });
  const mv = columns.map((_, c) => (c === timeIndex ? null : new Float32Array(capacity)));
  const time = timeIndex >= 0 ? new Float64Array(capacity) : null;
  const timeLines: number[] = [];
  let n = 0;
  for (const { lineNo, text: line } of data) {
    if (isComment({ lineNo, text: line })) continue;
    const cells = line.split(delim);
    if (cells.length !== columns.length) {
      throw new EcgFormatError(path, 'inconsistent', `line ${lineNo} has ${cells.length} cells, the header has ${columns.length}`);
    }
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c].trim();
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new EcgFormatError(path, 'bad-value', `line ${lineNo}, column '${columns[c].name}': '${cell}' is not a finite number`);
      }
      if (c === timeIndex) time![n] = v;
      else mv[c]![n] = v * factors[c];
    }
    if (time) timeLines.push(lineNo);
    n++;
  }
  if (n === 0) throw new EcgFormatError(path, 'truncated', 'CSV file has a header row but no samples');

  const warnings: string[] = [];
  const stated = [...meta].find(([k]) => RATE_KEYS.has(k))?.[1];
  let rate: number | undefined;
  if (options.samplingRateHz !== undefined) {
    rate = options.samplingRateHz;
    if (stated !== undefined && Number(stated) !== rate) warnings.push(`the file states ${stated} Hz; used the ${rate} Hz given`);
  } else if (stated !== undefined) {
    rate = Number(stated);
  } else if (time) {
    const scale = columns[timeIndex].timeScale!;
    const step = (time[n - 1] - time[0]) / (n - 1);
    for (let r = 1; r < n; r++) {
      if (Math.abs(time[r] - time[r - 1] - step) > 1e-3 * Math.abs(step)) {
        throw new EcgFormatError(path, 'inconsistent', `time column is not evenly spaced at line ${timeLines[r]}`);
      }
    }
    rate = 1 / (step * scale);
  }
  if (rate === undefined) {
    throw new EcgFormatError(
      path,
      'bad-header',
      "CSV states no sampling rate: add a '# sampling_rate=500' line or a time column, or give the rate",
    );
  }
  if (!(rate > 0) || !Number.isFinite(rate)) throw new EcgFormatError(path, 'bad-value', `sampling rate ${rate} is not a positive number`);
  checkHeaderLimits(input, { format: 'csv', samplingRateHz: rate, samplesPerLead: n, channels: columns.length });

  const leads: Lead[] = [];
  columns.forEach((col, c) => {
    if (c === timeIndex) return;
    leads.push({
      name: col.name,
      unit: 'mV',
      storedUnit: col.unit ?? defaultUnit,
      derived: false,
      mv: n === capacity ? mv[c]! : mv[c]!.slice(0, n),
    });
  });
  return Promise.resolve(
    finishRecord(
      {
        format: 'csv',
        sourcePath: path,
        sourceFiles: [path],
        recordName: basename(path).replace(/\.(csv|tsv|txt)$/i, ''),
        samplingRateHz: rate,
        leads,
        annotations: [],
        clinical: {},
        identifying: {},
        warnings,
      },
      options,
    ),
  );
}

/** Text whose first non-comment line names at least one standard lead as a column. */
function sniffCsv(input: SniffInput): boolean {
  if (input.head.includes(0)) return false;
  let first: Line | undefined;
  for (const l of lines(input.head)) {
    if (!isComment(l)) {
      first = l;
      break;
    }
  }
  if (!first) return false;
  const columns = first.text.split(delimiterOf(first.text)).map(parseColumn);
  return columns.length >= 1 && columns.some((c) => isStandardLead(c.name));
}

export const csvReader: FormatReader = { id: 'csv', sniff: sniffCsv, read: readCsv };
