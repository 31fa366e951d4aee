/**
 * WFDB features beyond one frame of one sample per signal, on records our writers make (tests/helpers):
 * samples per frame > 1, skew, multi-segment records (fixed and variable layout, null segments), the last
 * packed group cut short, FLAC. Each read back exactly, cross-checked with wfdb-python, and fuzzed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyFile, EcgFormatError, readEcgFile } from '../../src/core/formats/index.ts';
import { toMillivoltFactor } from '../../src/core/formats/leadNames.ts';
import type { EcgRecord } from '../../src/core/formats/record.ts';
import { decodeFlac } from '../../src/core/formats/wfdb/flac.ts';
import { parseWfdbHeader } from '../../src/core/formats/wfdb/header.ts';
import { BINARY_FORMATS } from '../../src/core/formats/wfdb/signal.ts';
import { FLAC_BITS, FORMAT_RANGE, writeMultiSegment, writeWfdb, type WfdbSignal } from '../helpers/ecgWriters.ts';
import { encodeFlac } from '../helpers/flacWriter.ts';
import { runPythonJson } from '../helpers/python.ts';
import { loadReference, runWfdbReference } from '../helpers/wfdbReference.ts';

const dir = mkdtempSync(join(tmpdir(), 'wfdb-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wave = (n: number, period: number, amp: number, phase = 0) =>
  Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * (i + phase)) / period)) | 0);

const lead = (rec: EcgRecord, name: string) => {
  const l = rec.leads.find((x) => x.name === name);
  if (!l) throw new Error(`no lead ${name} in ${rec.leads.map((x) => x.name).join(', ')}`);
  return l;
};

const mv = (adc: number, gain = 200, baseline = 0) => Math.fround((adc - baseline) / gain);

/** wfdb-python's expanded reading of each record, compared sample for sample at our (highest) rate. */
async function agreesWithWfdb(records: string[]): Promise<void> {
  const { dir: ref } = runWfdbReference(records.map((r, i) => ({ id: `r${i}`, record: r, expanded: true })));
  try {
    for (const [i, record] of records.entries()) {
      const r = loadReference(ref, `r${i}`);
      const rec = await readEcgFile(record, { deriveLimbLeads: false });
      const spf = r.spf!;
      const frames = r.shape[0];
      const maxSpf = Math.max(...spf);
      expect(rec.samplesPerLead).toBe(frames * maxSpf);
      let start = 0;
      r.sigName.forEach((name, s) => {
        if (toMillivoltFactor(r.units[s]) === undefined) {
          start += frames * spf[s];
          return;
        }
        const got = lead(rec, name).mv;
        for (let j = 0; j < rec.samplesPerLead; j++) {
          const want = r.pSignal[start + Math.floor((j * spf[s]) / maxSpf)];
          if (Number.isNaN(want)) expect(got[j], `${record} ${name}[${j}]`).toBeNaN();
          else expect(got[j], `${record} ${name}[${j}]`).toBe(Math.fround(want));
        }
        start += frames * spf[s];
      });
    }
  } finally {
    rmSync(ref, { recursive: true, force: true });
  }
}

describe('samples per frame > 1', () => {
  const frames = 250;
  const signals: WfdbSignal[] = [
    { name: 'I', adc: wave(frames * 4, 97, 900), samplesPerFrame: 4 },
    { name: 'II', adc: wave(frames * 4, 53, 700, 5), samplesPerFrame: 4 },
    { name: 'V1', adc: wave(frames, 31, 500), samplesPerFrame: 1 },
    { name: 'V2', adc: wave(frames * 2, 41, 300), samplesPerFrame: 2 },
  ];
  const hea = writeWfdb({ dir, record: 'spf', fs: 125, format: 16, signals });

  it('reads every lead at the highest rate; slower leads repeat each sample, and inspect says so', async () => {
    const rec = await readEcgFile(hea, { deriveLimbLeads: false });
    expect(rec.samplingRateHz).toBe(500);
    expect(rec.samplesPerLead).toBe(frames * 4);
    expect(Array.from(lead(rec, 'I').adc!)).toEqual(signals[0].adc);
    expect(Array.from(lead(rec, 'V1').adc!)).toEqual(signals[2].adc.flatMap((v) => [v, v, v, v]));
    expect(Array.from(lead(rec, 'V2').adc!)).toEqual(signals[3].adc.flatMap((v) => [v, v]));
    expect(lead(rec, 'V1').mv[5]).toBe(mv(signals[2].adc[1]));
    expect(rec.warnings.join('\n')).toMatch(
      /multi-frequency record: 125 frames\/s, up to 4 samples per frame, read at 500 Hz; V1 \(125 Hz\), V2 \(250 Hz\) repeated/,
    );
  });

  it('format 8 keeps each signal’s first differences apart, and 212 packs frames across signals', async () => {
    for (const format of [8, 212, 311]) {
      const small: WfdbSignal[] = signals.map((s) => ({ ...s, adc: s.adc.map((v) => Math.round(v / 4)) }));
      const h = writeWfdb({ dir, record: `spf${format}`, fs: 125, format, signals: small });
      const rec = await readEcgFile(h, { deriveLimbLeads: false });
      expect(Array.from(lead(rec, 'II').adc!), `format ${format}`).toEqual(small[1].adc);
      expect(rec.warnings.filter((w) => /checksum/.test(w))).toEqual([]);
    }
  });

  it('wfdb-python agrees', async () => {
    await agreesWithWfdb([hea.slice(0, -4), join(dir, 'spf8'), join(dir, 'spf212')]);
  });
});

describe('skew', () => {
  const n = 300;
  const signals: WfdbSignal[] = [
    { name: 'I', adc: wave(n, 50, 800) },
    { name: 'II', adc: wave(n, 50, 800, 7), skew: 3 },
    { name: 'V1', adc: wave(n * 2, 70, 600), samplesPerFrame: 2, skew: 1 },
  ];
  const hea = writeWfdb({ dir, record: 'skew', fs: 250, format: 16, signals });

  it('aligns skewed signals; samples pushed past the end read as NaN', async () => {
    const rec = await readEcgFile(hea, { deriveLimbLeads: false });
    const ii = lead(rec, 'II');
    for (let j = 0; j < (n - 3) * 2; j++) expect(ii.mv[j]).toBe(mv(signals[1].adc[j >> 1]));
    for (let j = (n - 3) * 2; j < n * 2; j++) expect(ii.mv[j]).toBeNaN();
    const v1 = lead(rec, 'V1');
    for (let j = 0; j < (n - 1) * 2; j++) expect(v1.mv[j]).toBe(mv(signals[2].adc[j]));
    expect(v1.mv[n * 2 - 1]).toBeNaN();
    expect(rec.warnings.join('\n')).toMatch(/skewed signals \(II by 3, V1 by 1\) aligned/);
  });

  it('wfdb-python agrees (skew on signals of 1 sample per frame: wfdb-python 4.3.1 fails on skewed faster signals)', async () => {
    writeWfdb({
      dir,
      record: 'skew1',
      fs: 250,
      format: 212,
      signals: [signals[0], { ...signals[1], skew: 5 }, { ...signals[2], skew: 0 }],
    });
    await agreesWithWfdb([join(dir, 'skew1')]);
  });
});

describe('multi-segment records', () => {
  const seg = (n: number, phase: number, names: string[], gain = 200, amp = 900): WfdbSignal[] =>
    names.map((name, k) => ({ name, adc: wave(n, 60 + 10 * k, amp, phase), gain }));
  const fixedSegments = [
    { name: 'fx_1', frames: 400, fixture: { format: 212, signals: seg(400, 0, ['I', 'II']) } },
    { name: '~', frames: 100 },
    { name: 'fx_2', frames: 300, fixture: { format: 16, signals: seg(300, 11, ['I', 'II'], 400) } },
  ];
  const fixed = writeMultiSegment({ dir, record: 'fx', fs: 250, segments: fixedSegments });
  const layout: WfdbSignal[] = [
    { name: 'I', adc: [], units: 'mV' },
    { name: 'II', adc: [], units: 'mV' },
    { name: 'ABP', adc: [], units: 'mmHg' },
    { name: 'V1', adc: [], units: 'mV' },
  ];
  const variableSegments = [
    { name: '~', frames: 50 },
    { name: 'vr_1', frames: 200, fixture: { format: 80, signals: seg(200, 3, ['II', 'I'], 50, 120) } },
    {
      name: 'vr_2',
      frames: 150,
      fixture: { format: 16, signals: [...seg(150, 9, ['V1', 'II'], 1000), { name: 'ABP', adc: wave(150, 80, 90), units: 'mmHg' }] },
    },
  ];
  const variable = writeMultiSegment({ dir, record: 'vr', fs: 250, segments: variableSegments, layout });

  it('fixed layout: segments in turn, a null segment read as a NaN gap', async () => {
    const rec = await readEcgFile(fixed, { deriveLimbLeads: false });
    expect(rec.samplesPerLead).toBe(800);
    const ii = lead(rec, 'II');
    expect(ii.adc).toBeUndefined();
    expect(ii.mv[399]).toBe(mv(fixedSegments[0].fixture!.signals[1].adc[399]));
    for (let j = 400; j < 500; j++) expect(ii.mv[j]).toBeNaN();
    expect(ii.mv[500]).toBe(mv(fixedSegments[2].fixture!.signals[1].adc[0], 400));
    expect(rec.warnings.join('\n')).toMatch(
      /multi-segment record \(fixed layout, 3 segments\); gaps read as NaN: null segments cover 0\.4 s/,
    );
  });

  it('variable layout: signals matched by name, absent ones and null segments read as NaN', async () => {
    const rec = await readEcgFile(variable, { deriveLimbLeads: false });
    expect(rec.leads.map((l) => l.name)).toEqual(['I', 'II', 'V1']);
    expect(rec.samplesPerLead).toBe(400);
    const [i, ii, v1] = ['I', 'II', 'V1'].map((n) => lead(rec, n).mv);
    for (let j = 0; j < 50; j++) expect([i[j], ii[j], v1[j]].every(Number.isNaN)).toBe(true);
    expect(ii[50]).toBe(mv(variableSegments[1].fixture!.signals[0].adc[0], 50));
    expect(i[50]).toBe(mv(variableSegments[1].fixture!.signals[1].adc[0], 50));
    expect(v1[100]).toBeNaN();
    expect(i[300]).toBeNaN();
    expect(v1[250]).toBe(mv(variableSegments[2].fixture!.signals[0].adc[0], 1000));
    expect(rec.warnings.join('\n')).toMatch(
      /variable layout, 3 segments\); gaps read as NaN: null segments cover 0\.2 s; segments lack I for 0\.6 s, V1 for 0\.8 s/,
    );
    expect(rec.warnings.join('\n')).toMatch(/ABP' is in mmHg, not a voltage; skipped/);
  });

  it('counts segment and layout headers as parts of their record for folder import', async () => {
    expect(await classifyFile(variable)).toBe('record');
    for (const part of ['vr_layout.hea', 'vr_1.hea', 'vr_2.hea', 'vr_2.dat', 'fx_1.hea']) {
      expect(await classifyFile(join(dir, part)), part).toBe('companion');
    }
  });

  it('refuses a layout header read on its own, and a segment shorter than the master says', async () => {
    await expect(readEcgFile(join(dir, 'vr_layout.hea'))).rejects.toThrow(/layout header of a multi-segment record holds no samples/);
    writeFileSync(join(dir, 'short.hea'), 'short/2 2 250 900\nfx_1 500\nfx_2 300\n');
    await expect(readEcgFile(join(dir, 'short.hea'))).rejects.toMatchObject({
      problem: 'truncated',
      message: /fx_1\.hea: segment holds 400 frames, short\.hea gives it 500/,
    });
  });

  it('wfdb-python agrees (fixed layout without null segments: wfdb-python 4.3.1 fails on those)', async () => {
    const plain = writeMultiSegment({ dir, record: 'fx2', fs: 250, segments: [fixedSegments[0], fixedSegments[2]] });
    await agreesWithWfdb([plain.slice(0, -4), variable.slice(0, -4)]);
  });
});

describe('FLAC written by libFLAC (through wfdb-python)', () => {
  it('reads LPC, fixed, constant and stereo-decorrelated frames exactly', async () => {
    const frames = 5000;
    const jobs = [508, 516, 524].flatMap((fmt) =>
      [1, 2, 3].map((nSig) => {
        const bits = FLAC_BITS[fmt];
        const amp = 2 ** (bits - 1) * 0.6;
        let x = fmt * 31 + nSig;
        const noise = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % 64) - 32;
        const sig = Array.from({ length: nSig }, (_, s) =>
          Array.from({ length: frames }, (_, i) => {
            if (s === 2 && i > 4000) return 17; // a constant stretch
            const v = Math.round(amp * Math.sin((2 * Math.PI * i) / (90 + 7 * s)) * (s === 1 ? 0.9 : 1)) + (bits > 8 ? noise() : 0);
            return Math.max(-(2 ** (bits - 1)) + 1, Math.min(2 ** (bits - 1) - 1, v));
          }),
        );
        return {
          dir,
          record: `lf${fmt}_${nSig}`,
          fs: 500,
          fmt,
          sig_name: ['I', 'II', 'V1'].slice(0, nSig),
          units: Array(nSig).fill('mV'),
          adc_gain: Array(nSig).fill(200),
          baseline: Array(nSig).fill(0),
          d_signal: Array.from({ length: frames }, (_, i) => sig.map((c) => c[i])),
          sig,
        };
      }),
    );
    runPythonJson(
      'wfdb_write.py',
      jobs.map(({ sig: _, ...job }) => job),
      'wfdb==4.3.1',
    );
    for (const job of jobs) {
      const rec = await readEcgFile(join(dir, job.record), { deriveLimbLeads: false });
      job.sig.forEach((want, s) => expect(Array.from(lead(rec, job.sig_name[s]).adc!), `${job.record} ${job.sig_name[s]}`).toEqual(want));
    }
    await agreesWithWfdb(jobs.map((j) => join(dir, j.record)));
  });
});

describe('a header declaring more samples than the file holds', () => {
  it('reads the samples of a cut-short last group, with a warning, as wfdb-python does', async () => {
    const adc = wave(100, 20, 300);
    const hea = writeWfdb({ dir, record: 'cut311', fs: 360, format: 311, signals: [{ name: 'II', adc }] });
    // 100 samples fill 33 groups of 4 bytes and the first 2 bytes of the 34th; declare one more than that.
    const dat = join(dir, 'cut311.dat');
    writeFileSync(dat, readFileSync(dat).subarray(0, 33 * 4 + 2));
    writeFileSync(hea, readFileSync(hea, 'latin1').replace('cut311 1 360 100', 'cut311 1 360 101'), 'latin1');
    const rec = await readEcgFile(hea);
    expect(rec.samplesPerLead).toBe(100);
    expect(Array.from(lead(rec, 'II').adc!)).toEqual(adc);
    expect(rec.warnings.join('\n')).toMatch(/cut311\.dat holds 100 of the 101 samples per signal its header declares; read 100/);
  });

  it('still refuses a file missing whole groups', async () => {
    const hea = writeWfdb({ dir, record: 'cut16', fs: 360, format: 16, signals: [{ name: 'II', adc: wave(100, 20, 300) }] });
    writeFileSync(hea, readFileSync(hea, 'latin1').replace('cut16 1 360 100', 'cut16 1 360 101'), 'latin1');
    await expect(readEcgFile(hea)).rejects.toMatchObject({ problem: 'truncated' });
  });
});

describe('fuzzing the new decoders', () => {
  const signalArb = () =>
    fc.record({
      spf: fc.integer({ min: 1, max: 4 }),
      skew: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    });

  it('binary formats with random samples per frame and skew read back what was written', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BINARY_FORMATS),
        fc.integer({ min: 1, max: 40 }),
        fc.array(signalArb(), { minLength: 1, maxLength: 4 }),
        async (format, frames, sigs) => {
          const record = `fz${k++}`;
          const [lo, hi] = format === 8 ? [-100, 100] : FORMAT_RANGE[format];
          const signals: WfdbSignal[] = sigs.map((s, i) => {
            let x = s.seed;
            let walk = 0;
            const adc = Array.from({ length: frames * s.spf }, () => {
              x = (x * 1103515245 + 12345) % 2 ** 31;
              const v = lo + (x % (hi - lo + 1));
              // format 8 stores steps of at most +-127: a random walk
              return format === 8 ? (walk += v) : v;
            });
            return { name: `s${i}`, adc, samplesPerFrame: s.spf, skew: Math.min(s.skew, frames - 1) };
          });
          writeWfdb({ dir, record, fs: 100, format, signals });
          const rec = await readEcgFile(join(dir, record), { deriveLimbLeads: false });
          const maxSpf = Math.max(...signals.map((s) => s.samplesPerFrame!));
          expect(rec.samplesPerLead).toBe(frames * maxSpf);
          for (const s of signals) {
            const got = lead(rec, s.name).mv;
            const spf = s.samplesPerFrame!;
            const valid = (frames - s.skew!) * spf;
            for (let j = 0; j < frames * maxSpf; j++) {
              const i = Math.floor((j * spf) / maxSpf);
              if (i >= valid) expect(got[j]).toBeNaN();
              else expect(got[j]).toBe(mv(s.adc[i]));
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('FLAC: any 8-, 16- or 24-bit samples in 1 to 8 channels decode exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(508, 516, 524),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 16, max: 256 }),
        fc.integer(),
        async (format, nCh, n, blockSize, seed) => {
          const bits = FLAC_BITS[format];
          // the full range, both extremes included
          const lo = -(2 ** (bits - 1));
          const hi = 2 ** (bits - 1) - 1;
          let x = seed >>> 0;
          const channels = Array.from({ length: nCh }, () =>
            Array.from({ length: n }, (_, i) => {
              if (i === 0) return lo;
              if (i === 1) return hi;
              x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
              return lo + (x % (hi - lo + 1));
            }),
          );
          const { channels: got, bitsPerSample } = await decodeFlac('fuzz.flac', encodeFlac(channels, bits, blockSize));
          expect(bitsPerSample).toBe(bits);
          expect(got.map((c) => Array.from(c))).toEqual(channels.map((c) => c.slice(0, n)));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('FLAC: mutated streams decode or end in an EcgFormatError', async () => {
    const good = encodeFlac([wave(500, 37, 20000), wave(500, 23, 15000)], 16, 128);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), async (at, byte, cut) => {
        const bad = Buffer.from(good);
        bad[at % bad.length] = byte;
        for (const b of [bad, bad.subarray(0, cut % bad.length)]) {
          try {
            await decodeFlac('mutated.flac', b);
          } catch (err) {
            expect(err).toBeInstanceOf(EcgFormatError);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('multi-segment headers: random segment lines parse or end in an EcgFormatError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2, max: 5 }),
        fc.array(
          fc.tuple(fc.constantFrom('~', 'a', 'b_1', '../x', ''), fc.oneof(fc.integer({ min: -5, max: 10 }), fc.constant(Number.NaN))),
          { maxLength: 6 },
        ),
        (nSeg, lines) => {
          const text = [`rec/${nSeg} 2 250 100`, ...lines.map(([n, f]) => `${n} ${f}`)].join('\n');
          try {
            const h = parseWfdbHeader('fuzz.hea', text);
            expect(h.segments!.length).toBe(nSeg);
          } catch (err) {
            expect(err).toBeInstanceOf(EcgFormatError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
