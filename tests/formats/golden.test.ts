/**
 * Golden tests: every PTB-XL (100 and 500 Hz), LUDB and CinC 2020 record in the shared data, read by our
 * readers and by wfdb-python 4.3.1 in the same run. mV must agree within 1e-6 (plus float32 storage
 * rounding for |x| > 16 mV, since Lead.mv is a Float32Array); annotation sample indices must be identical.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { normaliseLeadName } from '../../src/core/formats/leadNames.ts';
import { parseMitAnnotations } from '../../src/core/formats/wfdb/annotation.ts';
import { LEAD_ANNOTATION_EXTENSIONS } from '../../src/core/formats/wfdb/reader.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { loadReference, runWfdbReference, type ReferenceJob } from '../helpers/wfdbReference.ts';

const data = sharedDataDir();

function headers(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .sort()
    .map((f) => join(dir, f.slice(0, -4)));
}

const ptbxl = [...headers(join(data, 'ptbxl', 'records100', '00000')), ...headers(join(data, 'ptbxl', 'records500', '00000'))];
const ludb = headers(join(data, 'ludb', 'data'));
const cinc = headers(join(data, 'cinc2020'));

const jobs: ReferenceJob[] = [
  ...ptbxl.map((record, i) => ({ id: `ptbxl${i}`, record })),
  ...ludb.map((record, i) => ({ id: `ludb${i}`, record, annotations: LEAD_ANNOTATION_EXTENSIONS })),
  ...cinc.map((record, i) => ({ id: `cinc${i}`, record })),
];

let refDir = '';

beforeAll(() => {
  refDir = runWfdbReference(jobs).dir;
}, 300_000);

afterAll(() => {
  if (refDir) rmSync(refDir, { recursive: true, force: true });
});

/** Largest |ours - reference| beyond the allowed tolerance, over all leads; 0 when everything agrees. */
async function compareSignals(job: ReferenceJob): Promise<{ excess: number; compared: number }> {
  const ref = loadReference(refDir, job.id);
  const rec = await readEcgFile(job.record, { deriveLimbLeads: false });
  const [n, nSig] = ref.shape;
  expect(rec.samplesPerLead).toBe(n);
  expect(rec.leads.length).toBe(nSig);
  let excess = 0;
  let compared = 0;
  ref.sigName.forEach((name, s) => {
    const lead = rec.leads.find((l) => l.name === normaliseLeadName(name));
    expect(lead, `${job.record}: lead ${name}`).toBeDefined();
    const scale = ref.units[s] === 'uV' ? 1e-3 : 1;
    for (let i = 0; i < n; i++) {
      const want = ref.pSignal[i * nSig + s] * scale;
      const got = lead!.mv[i];
      if (Number.isNaN(want) || Number.isNaN(got)) {
        if (Number.isNaN(want) !== Number.isNaN(got)) excess = Number.POSITIVE_INFINITY;
        continue;
      }
      const tol = Math.max(1e-6, Math.abs(want) * 2 ** -24);
      excess = Math.max(excess, Math.abs(got - want) - tol);
      compared++;
    }
  });
  return { excess, compared };
}

describe('golden: wfdb-python agrees with our readers', () => {
  it(`all ${ptbxl.length} PTB-XL records (100 and 500 Hz)`, async () => {
    expect(ptbxl.length).toBe(1000);
    for (const job of jobs.filter((j) => j.id.startsWith('ptbxl'))) {
      const { excess, compared } = await compareSignals(job);
      expect(compared).toBeGreaterThan(0);
      expect(excess, job.record).toBeLessThanOrEqual(0);
    }
  }, 300_000);

  it(`all ${cinc.length} CinC 2020 records (MAT v4 signal files)`, async () => {
    expect(cinc.length).toBe(14);
    for (const job of jobs.filter((j) => j.id.startsWith('cinc'))) {
      const { excess } = await compareSignals(job);
      expect(excess, job.record).toBeLessThanOrEqual(0);
    }
  }, 120_000);

  it(`all ${ludb.length} LUDB records and their per-lead annotations`, async () => {
    expect(ludb.length).toBe(200);
    let waves = 0;
    for (const job of jobs.filter((j) => j.id.startsWith('ludb'))) {
      const { excess } = await compareSignals(job);
      expect(excess, job.record).toBeLessThanOrEqual(0);
      const ref = loadReference(refDir, job.id);
      const rec = await readEcgFile(job.record);
      for (const ext of LEAD_ANNOTATION_EXTENSIONS) {
        const want = ref.annotations[ext];
        const raw = parseMitAnnotations(`${job.record}.${ext}`, readFileSync(`${job.record}.${ext}`));
        expect(raw.sample, `${job.record}.${ext}`).toEqual(want.sample);
        expect(raw.symbol, `${job.record}.${ext}`).toEqual(want.symbol);
        // Every "(" peak ")" triple in the reference is one wave on this lead, with identical sample indices.
        const expected: [number, number, number][] = [];
        for (let i = 1; i + 1 < want.symbol.length; i++) {
          if ('pNt'.includes(want.symbol[i]) && want.symbol[i - 1] === '(' && want.symbol[i + 1] === ')') {
            expected.push([want.sample[i - 1], want.sample[i], want.sample[i + 1]]);
          }
        }
        const lead = normaliseLeadName(ext);
        const got = rec.annotations.filter((a) => a.lead === lead).map((a) => [a.onsetSample, a.peakSample, a.offsetSample]);
        expect(got, `${job.record}.${ext}`).toEqual(expected);
        waves += got.length;
      }
    }
    expect(waves).toBeGreaterThan(50_000);
  }, 300_000);
});
