/** Child-process probe: reads one ECG file and prints its shape and the process's peak resident memory. */
import { readEcgFile } from '../../src/core/formats/index.ts';

const record = await readEcgFile(process.argv[2]!, { datasetMetadata: false });
process.stdout.write(
  JSON.stringify({
    format: record.format,
    leads: record.leads.length,
    samplesPerLead: record.samplesPerLead,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }) + '\n',
);
