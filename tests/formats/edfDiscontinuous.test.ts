/** EDF+D (discontinuous EDF+), written by our writer: data records placed at their onsets, gaps kept as NaN. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { encodeEdf, type EdfSignal } from '../helpers/ecgWriters.ts';

const dir = mkdtempSync(join(tmpdir(), 'edf-d-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPR = 250; // 1-s data records at 250 Hz

function leads(nRecords: number): EdfSignal[] {
  return ['I', 'II'].map((label, l) => ({
    label,
    physDim: 'mV',
    physMin: -5,
    physMax: 5,
    digMin: -32768,
    digMax: 32767,
    samplesPerRecord: SPR,
    digital: Array.from({ length: nRecords * SPR }, (_, i) => Math.round(20000 * Math.sin((i + 40 * l) / 17))),
  }));
}

function write(name: string, onsets: number[]): { path: string; signals: EdfSignal[] } {
  const signals = leads(onsets.length);
  const path = join(dir, `${name}.edf`);
  writeFileSync(path, encodeEdf({ signals, recordDuration: 1, nRecords: onsets.length, onsets }));
  return { path, signals };
}

const physical = (s: EdfSignal, d: number) => Math.fround(s.physMin + ((d - s.digMin) * (s.physMax - s.physMin)) / (s.digMax - s.digMin));

describe('EDF+D', () => {
  it('places each data record at its onset and reads the time between records as NaN', async () => {
    const { path, signals } = write('gappy', [0, 1, 3.5, 4.5]);
    const rec = await readEcgFile(path, { deriveLimbLeads: false });
    expect(rec.samplingRateHz).toBe(250);
    expect(rec.samplesPerLead).toBe(5.5 * SPR);
    const ii = rec.leads.find((l) => l.name === 'II')!;
    expect(ii.adc).toBeUndefined();
    for (let i = 0; i < 2 * SPR; i++) expect(ii.mv[i]).toBe(physical(signals[1], signals[1].digital[i]));
    for (let i = 2 * SPR; i < 3.5 * SPR; i++) expect(ii.mv[i]).toBeNaN();
    for (let i = 0; i < 2 * SPR; i++) expect(ii.mv[3.5 * SPR + i]).toBe(physical(signals[1], signals[1].digital[2 * SPR + i]));
    expect(rec.warnings).toContain('EDF+D: 4 data records with 1.500 s of gaps between them, read as NaN');
  });

  it('reads an EDF+D file without gaps like a continuous one, integers kept', async () => {
    const { path, signals } = write('nogap', [0, 1, 2]);
    const rec = await readEcgFile(path, { deriveLimbLeads: false });
    expect(rec.samplesPerLead).toBe(3 * SPR);
    expect(Array.from(rec.leads[0].adc!)).toEqual(signals[0].digital);
    expect(rec.warnings.filter((w) => w.startsWith('EDF+D'))).toEqual([]);
  });

  it('refuses overlapping data records and records without a time-keeping annotation', async () => {
    await expect(readEcgFile(write('overlap', [0, 0.5]).path)).rejects.toMatchObject({
      problem: 'inconsistent',
      message: /data record 2 starts at \+0\.5 s, before the previous one ends/,
    });
    const path = join(dir, 'notal.edf');
    writeFileSync(
      path,
      encodeEdf({ signals: leads(2), recordDuration: 1, nRecords: 2 })
        .toString('latin1')
        .replace('EDF+C', 'EDF+D'),
      'latin1',
    );
    await expect(readEcgFile(path)).rejects.toMatchObject({ problem: 'bad-header', message: /no EDF Annotations signal/ });
  });

  it('fuzz: any increasing onsets read back with data where the records are and NaN between them', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 * SPR }), { minLength: 1, maxLength: 6 }), async (gaps) => {
        const starts: number[] = [];
        gaps.forEach((g, r) => starts.push((r === 0 ? 0 : starts[r - 1] + SPR) + g));
        const { path, signals } = write(
          `fz${k++}`,
          starts.map((s) => s / SPR),
        );
        const rec = await readEcgFile(path, { deriveLimbLeads: false });
        const i = rec.leads.find((l) => l.name === 'I')!.mv;
        expect(i.length).toBe(starts[starts.length - 1] + SPR);
        const expected = new Float32Array(i.length).fill(Number.NaN);
        starts.forEach((s, r) => {
          for (let j = 0; j < SPR; j++) expected[s + j] = physical(signals[0], signals[0].digital[r * SPR + j]);
        });
        expect(i).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
