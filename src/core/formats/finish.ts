/** The steps every reader ends with, so that all formats agree on lead order, derived leads and duration. */
import { deriveLimbLeads, orderLeads } from './leadNames.ts';
import type { EcgRecord } from './record.ts';
import { EcgFormatError } from './errors.ts';

export function finishRecord(record: Omit<EcgRecord, 'durationS' | 'samplesPerLead'>, options: { deriveLimbLeads: boolean }): EcgRecord {
  const { sourcePath, samplingRateHz } = record;
  if (record.leads.length === 0) throw new EcgFormatError(sourcePath, 'inconsistent', 'the file holds no ECG leads');
  const n = record.leads[0].mv.length;
  if (n === 0) throw new EcgFormatError(sourcePath, 'truncated', 'the file holds no samples');
  const odd = record.leads.find((l) => l.mv.length !== n);
  if (odd)
    throw new EcgFormatError(
      sourcePath,
      'inconsistent',
      `lead ${odd.name} has ${odd.mv.length} samples, lead ${record.leads[0].name} has ${n}`,
    );
  const seen = new Set<string>();
  for (const l of record.leads) {
    if (seen.has(l.name)) record.warnings.push(`lead ${l.name} appears more than once`);
    seen.add(l.name);
  }
  const leads = orderLeads(options.deriveLimbLeads ? deriveLimbLeads(record.leads, record.warnings) : record.leads);
  return { ...record, leads, samplesPerLead: n, durationS: n / samplingRateHz };
}
