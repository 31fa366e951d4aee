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

function splitLines(text: string): { lineNo: number; text: string }[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((t, i) => ({ lineNo: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '');
}

function delimiterOf(line: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, line.split(d).length] as const);
  return counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

/** Header comments `# key=value` / `# key: value`, lower-cased keys. */
function comments(lines: { text: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /^\s*#\s*([\w ]+?)\s*[=:]\s*(.*?)\s*$/.exec(l.text);
    if (m) out.set(m[1].toLowerCase().replace(/ /g, '_'), m[2]);
  }
  return out;
}

function readCsv(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes, options } = input;
  const all = splitLines(bytes.toString('utf8'));
  const meta = comments(all.filter((l) => l.text.trimStart().startsWith('#')));
  const lines = all.filter((l) => !l.text.trimStart().startsWith('#'));
  if (lines.length < 2) throw new EcgFormatError(path, 'truncated', 'CSV file has a header row but no samples');
  const delim = delimiterOf(lines[0].text);
  const columns = lines[0].text.split(delim).map(parseColumn);
  const timeIndex = columns.findIndex((c) => c.timeScale !== undefined);
  const defaultUnit = [...meta].find(([k]) => UNIT_KEYS.has(k))?.[1] ?? 'mV';
  const n = lines.length - 1;
  const values = columns.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const { lineNo, text } = lines[r + 1];
    const cells = text.split(delim);
    if (cells.length !== columns.length) {
      throw new EcgFormatError(path, 'inconsistent', `line ${lineNo} has ${cells.length} cells, the header has ${columns.length}`);
    }
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c].trim();
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new EcgFormatError(path, 'bad-value', `line ${lineNo}, column '${columns[c].name}': '${cell}' is not a finite number`);
      }
      values[c][r] = v;
    }
  }

  const warnings: string[] = [];
  const stated = [...meta].find(([k]) => RATE_KEYS.has(k))?.[1];
  let rate: number | undefined;
  if (options.samplingRateHz !== undefined) {
    rate = options.samplingRateHz;
    if (stated !== undefined && Number(stated) !== rate) warnings.push(`the file states ${stated} Hz; used the ${rate} Hz given`);
  } else if (stated !== undefined) {
    rate = Number(stated);
  } else if (timeIndex >= 0) {
    const t = values[timeIndex];
    const scale = columns[timeIndex].timeScale!;
    const step = (t[n - 1] - t[0]) / (n - 1);
    for (let r = 1; r < n; r++) {
      if (Math.abs(t[r] - t[r - 1] - step) > 1e-3 * Math.abs(step)) {
        throw new EcgFormatError(path, 'inconsistent', `time column is not evenly spaced at line ${lines[r + 1].lineNo}`);
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

  const leads: Lead[] = [];
  columns.forEach((col, c) => {
    if (c === timeIndex) return;
    const storedUnit = col.unit ?? defaultUnit;
    const factor = toMillivoltFactor(storedUnit);
    if (factor === undefined) throw new EcgFormatError(path, 'bad-header', `column '${col.name}' has unit '${storedUnit}', not a voltage`);
    const mv = new Float32Array(n);
    for (let r = 0; r < n; r++) mv[r] = values[c][r] * factor;
    leads.push({ name: col.name, unit: 'mV', storedUnit, derived: false, mv });
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
  const first = splitLines(input.head.toString('utf8')).find((l) => !l.text.trimStart().startsWith('#'));
  if (!first) return false;
  const columns = first.text.split(delimiterOf(first.text)).map(parseColumn);
  return columns.length >= 1 && columns.some((c) => isStandardLead(c.name));
}

export const csvReader: FormatReader = { id: 'csv', sniff: sniffCsv, read: readCsv };
