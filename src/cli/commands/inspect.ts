import type { Command } from 'commander';
import { EcgFormatError, EcgLimitError, readEcgFile } from '../../core/formats/index.ts';
import type { EcgRecord } from '../../core/formats/record.ts';
import { CliError, printJson } from '../output.ts';

interface InspectOptions {
  json?: boolean;
  showIdentifiers?: boolean;
  rate?: string;
}

/** The shortest decimal that reads back as the same float32, so JSON shows 0.029, not 0.028999999165534973. */
function shortest(v: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const d = Number(v.toPrecision(digits));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

/** NaN (a sample the file marks missing) has no JSON spelling; it becomes null. */
function samples(mv: Float32Array): (number | null)[] {
  return Array.from(mv, (v) => (Number.isNaN(v) ? null : shortest(v)));
}

export function inspectJson(record: EcgRecord, showIdentifiers: boolean): Record<string, unknown> {
  return {
    format: record.format,
    samplingRateHz: record.samplingRateHz,
    durationS: record.durationS,
    leads: record.leads.map((l) => ({ name: l.name, unit: l.unit, derived: l.derived, samples: l.mv.length, mv: samples(l.mv) })),
    annotations: record.annotations.map((a) => ({ lead: a.lead, kind: a.kind, onsetS: a.onsetS, peakS: a.peakS, offsetS: a.offsetS })),
    warnings: record.warnings,
    ...(record.origin ? { origin: record.origin } : {}),
    clinical: record.clinical,
    ...(showIdentifiers ? { identifying: record.identifying } : {}),
  };
}

function summary(record: EcgRecord, showIdentifiers: boolean): string {
  const leads = record.leads.map((l) => (l.derived ? `${l.name}*` : l.name)).join(' ');
  const dx = record.clinical.diagnoses?.map((d) => d.code).join(', ');
  const lines = [
    `${record.sourcePath}`,
    `  format      ${record.format}`,
    `  rate        ${record.samplingRateHz} Hz, ${record.samplesPerLead} samples per lead, ${record.durationS.toFixed(2)} s`,
    `  leads       ${leads}${record.leads.some((l) => l.derived) ? '   (* derived)' : ''}`,
  ];
  const o = record.origin;
  if (o) {
    const who = [o.vendor, o.device].filter(Boolean).join(' ');
    lines.push(`  written by  ${[who, o.software ? `software ${o.software}` : ''].filter(Boolean).join(', ')}`);
  }
  if (record.annotations.length > 0) lines.push(`  annotations ${record.annotations.length} waves`);
  if (record.clinical.age !== undefined || record.clinical.sex)
    lines.push(`  patient     age ${record.clinical.age ?? '?'}, sex ${record.clinical.sex ?? '?'}`);
  if (dx) lines.push(`  diagnoses   ${dx}`);
  if (showIdentifiers && Object.keys(record.identifying).length > 0) lines.push(`  identifying ${JSON.stringify(record.identifying)}`);
  for (const w of record.warnings) lines.push(`  warning     ${w}`);
  return lines.join('\n');
}

/** What the header said about a record too large to read, so that even a refused file is described. */
function headerFacts(err: EcgLimitError): string {
  const { format, samplingRateHz: hz, samplesPerLead: n, channels } = err.facts;
  const lines = [err.file, `  format      ${format}`];
  if (hz !== undefined) lines.push(`  rate        ${hz} Hz${n !== undefined ? `, ${n} samples per lead, ${(n / hz).toFixed(2)} s` : ''}`);
  else if (n !== undefined) lines.push(`  samples     ${n} per lead`);
  if (channels !== undefined) lines.push(`  signals     ${channels}`);
  lines.push('  signal      not read (over the memory limit for one record)');
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Read one ECG file (any supported format) and show what the readers see')
    .argument('<file>', 'ECG file, or a WFDB record path without extension')
    .option('--json', 'print one JSON object with every lead in mV')
    .option('--show-identifiers', 'include fields that identify the patient')
    .option('--rate <hz>', 'sampling rate for CSV files that state none')
    .action(async (file: string, opts: InspectOptions) => {
      const samplingRateHz = opts.rate === undefined ? undefined : Number(opts.rate);
      if (samplingRateHz !== undefined && !(samplingRateHz > 0)) throw new CliError(`--rate '${opts.rate}' is not a positive number`, 2);
      let record: EcgRecord;
      try {
        record = await readEcgFile(file, { samplingRateHz, limits: 'describe' });
      } catch (err) {
        if (err instanceof EcgLimitError) {
          if (opts.json) printJson({ ...err.facts, refused: err.message });
          else process.stdout.write(headerFacts(err) + '\n');
        }
        if (err instanceof EcgFormatError) throw new CliError(err.message);
        throw err;
      }
      if (opts.json) printJson(inspectJson(record, opts.showIdentifiers ?? false));
      else process.stdout.write(summary(record, opts.showIdentifiers ?? false) + '\n');
    });
}
