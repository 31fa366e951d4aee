/**
 * Reading the hospital formats: 50 real PTB-XL 500 Hz records written by our fixture writers into each format,
 * read back through readEcgFile; the baseline is reading the same 50 records as WFDB in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcgFile } from '../src/core/formats/index.ts';
import { writeAecg } from '../tests/helpers/hospitalWriters/aecg.ts';
import { writeDicom } from '../tests/helpers/hospitalWriters/dicom.ts';
import { writeMuse } from '../tests/helpers/hospitalWriters/muse.ts';
import { writePhilips } from '../tests/helpers/hospitalWriters/philips.ts';
import { writeScp } from '../tests/helpers/hospitalWriters/scp.ts';
import { fixtureFromRecord, type FixtureSignal } from '../tests/helpers/hospitalWriters/signal.ts';
import { sharedDataDir } from '../tests/helpers/sharedData.ts';
import { type BenchResult, withRatio } from './harness.ts';

const WRITERS: [string, (s: FixtureSignal) => Buffer][] = [
  ['muse-xml', (s) => writeMuse(s)],
  ['philips-xml (XLI)', (s) => writePhilips(s, { xli: true })],
  ['hl7-aecg', (s) => writeAecg(s)],
  ['dicom', (s) => writeDicom(s)],
  ['scp-ecg (Huffman, 2nd diff)', (s) => writeScp(s, { difference: 2 })],
];

async function msPerFile(paths: string[]): Promise<number> {
  for (const p of paths.slice(0, 5)) await readEcgFile(p, { datasetMetadata: false });
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (const p of paths) await readEcgFile(p, { datasetMetadata: false });
    best = Math.min(best, performance.now() - t0);
  }
  return best / paths.length;
}

export default async function (): Promise<BenchResult> {
  const dir = join(sharedDataDir(), 'ptbxl', 'records500', '00000');
  const headers = Array.from({ length: 50 }, (_, i) => join(dir, `${String(i + 1).padStart(5, '0')}_hr.hea`));
  const signals = await Promise.all(headers.map(async (h) => fixtureFromRecord(await readEcgFile(h, { datasetMetadata: false }))));
  const tmp = mkdtempSync(join(tmpdir(), 'bench-hospital-'));
  try {
    const wfdb = await msPerFile(headers);
    const figures = [];
    for (const [name, write] of WRITERS) {
      const paths = signals.map((s, i) => {
        const p = join(tmp, `${name.split(' ')[0]}-${i}`);
        writeFileSync(p, write(s));
        return p;
      });
      figures.push(
        withRatio({
          metric: `${name} read time per 10 s 12-lead record`,
          value: await msPerFile(paths),
          unit: 'ms',
          baseline: { name: 'our WFDB reader, same records', value: wfdb },
        }),
      );
    }
    return {
      name: 'hospital-formats',
      description: 'Read 50 PTB-XL records (12 x 5000 samples) written as MUSE, Philips XLI, HL7 aECG, DICOM and SCP-ECG',
      figures,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
