import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import { hl7AecgReader } from '../../src/core/formats/hospital/aecg.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS } from '../helpers/hospitalWriters/signal.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';
import { expectFormatError, expectSameSignal, inputFor, readBytes, sniffs } from './harness.ts';
import { ludb, ptbxl } from './realData.ts';

describe('HL7 aECG reader', () => {
  it('round-trips a real LUDB record with its per-lead wave annotations (absolute and relative times)', async () => {
    const sig = await ludb(1);
    for (const annotationTimes of ['absolute', 'relative'] as const) {
      const bytes = writeAecg(sig, { annotationTimes });
      expect(sniffs(hl7AecgReader, bytes)).toBe(true);
      const rec = await readBytes(hl7AecgReader, bytes, '.xml');
      expect(rec.format).toBe('hl7-aecg');
      expect(rec.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
      expectSameSignal(rec, sig);
      const strip = (a: (typeof rec.annotations)[number]) => [a.lead, a.kind, a.onsetSample, a.offsetSample];
      const want = sig.annotations!.map(strip).sort();
      expect(rec.annotations.map(strip).sort()).toEqual(want);
      expect(rec.annotations.length).toBeGreaterThan(100);
    }
  });

  it('round-trips a real PTB-XL record at 100 Hz with an origin offset', async () => {
    const sig = await ptbxl(7, 100);
    const rec = await readBytes(hl7AecgReader, writeAecg(sig, { originUv: 250 }), '.xml');
    expect(rec.samplingRateHz).toBe(100);
    expectSameSignal(rec, sig, 1e-5);
  });

  it('keeps identifying fields apart and derives missing limb leads', async () => {
    const rec = await readBytes(hl7AecgReader, writeAecg(syntheticSignal(EIGHT_LEADS)), '.xml');
    expect(rec.leads.filter((l) => l.derived).map((l) => l.name)).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    expect(rec.identifying).toEqual({
      patientId: 'PAT-123456',
      name: 'Doe^Jane',
      birthDate: '1961-04-02',
      other: { trialSite: 'SITE-42' },
    });
    expect(rec.clinical.sex).toBe('female');
    expect(rec.clinical.device).toBe('Acme Medical CardioWriter 9');
    expect(rec.clinical.recordedAt).toBe('2002-11-22T09:10:00');
    expect(JSON.stringify(rec.clinical)).not.toMatch(/PAT-123456|Doe|1961|SITE-42/);
  });

  it('keeps the representative beat of a derived series in extra', async () => {
    const xml = writeAecg(syntheticSignal(TWELVE_LEADS)).toString('utf8');
    const sequenceSet = /<sequenceSet>[\s\S]*?<\/sequenceSet>/.exec(xml)![0].replace(/<digits>(\S+ ){900}/g, '<digits>');
    const derived = `<derivation><derivedSeries><code code="REPRESENTATIVE_BEAT" codeSystem="2.16.840.1.113883.5.4"/><component>${sequenceSet}</component></derivedSeries></derivation>`;
    const rec = await readBytes(hl7AecgReader, Buffer.from(xml.replace('</series>', `${derived}</series>`)), '.xml');
    const beat = rec.extra?.representativeBeat as { axis: { samplingRateHz: number }; leads: { name: string; mv: Float32Array }[] };
    expect(beat.axis.samplingRateHz).toBe(500);
    expect(beat.leads.map((l) => l.name)).toEqual(TWELVE_LEADS);
    expect(beat.leads[0].mv.length).toBe(100);
    expect(rec.samplesPerLead).toBe(1000);
  });
});

describe('HL7 aECG time axes', () => {
  it('reads a TIME_RELATIVE axis in ms and skips absolute-time annotations with a warning', async () => {
    const sig = await ludb(5);
    const xml = writeAecg(sig)
      .toString('utf8')
      .replace(
        /<code code="TIME_ABSOLUTE" codeSystem="2.16.840.1.113883.5.4"\/>\s*<value xsi:type="GLIST_TS">.*?<\/value>/,
        '<code code="TIME_RELATIVE" codeSystem="2.16.840.1.113883.5.4"/><value xsi:type="GLIST_PQ"><head value="0" unit="ms"/><increment value="2" unit="ms"/></value>',
      );
    const rec = await readBytes(hl7AecgReader, Buffer.from(xml), '.xml');
    expect(rec.samplingRateHz).toBe(500);
    expectSameSignal(rec, sig);
    expect(rec.annotations).toEqual([]);
    expect(rec.warnings.filter((w) => /\d+ wave annotation\(s\) without a usable time boundary/.test(w))).toHaveLength(1);
  });
});

describe('HL7 aECG bad input', () => {
  const good = () => writeAecg(syntheticSignal(TWELVE_LEADS)).toString('utf8');
  const read = (xml: string) => readBytes(hl7AecgReader, Buffer.from(xml), '.xml');

  it('refuses zero, negative and absurd increments', async () => {
    for (const inc of ['0', '-0.002']) {
      await expectFormatError(read(good().replace(/increment value="[^"]+"/, `increment value="${inc}"`)), 'bad-value', /sampling rate/);
    }
    for (const inc of ['1e-9', '100']) {
      await expectFormatError(
        read(good().replace(/increment value="[^"]+"/, `increment value="${inc}"`)),
        'over-limit',
        /50-20000 Hz limit/,
      );
    }
  });

  it('refuses duplicated leads and mismatched lengths', async () => {
    await expectFormatError(read(good().replace('MDC_ECG_LEAD_V2', 'MDC_ECG_LEAD_V1')), 'inconsistent', /V1 is stored twice/);
    await expectFormatError(read(good().replace(/<digits>(\S+) /, '<digits>')), 'inconsistent', /samples/);
  });

  it('refuses non-integer digits and missing time axis', async () => {
    await expectFormatError(read(good().replace('<digits>', '<digits>1.5 ')), 'bad-value', /not an integer/);
    await expectFormatError(
      read(good().replace(/<component>\s*<sequence>\s*<code code="TIME_ABSOLUTE"[\s\S]*?<\/component>/, '')),
      'bad-header',
      /TIME_ABSOLUTE/,
    );
  });
});

describe('HL7 aECG optional elements', () => {
  /** Each variant lacks one optional element (every occurrence), written by Python's ElementTree from a valid file. */
  async function variants(source: string): Promise<{ name: string; path: string }[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ecg-aecg-optional-'));
    const r = spawnSync('python3', [join(import.meta.dirname, 'aecg_variants.py'), source, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { name: string; path: string }[];
  }

  const sources = {
    'the LIRYC example (real file)': async () => join(sharedDataDir(), 'vendor', 'hl7-aecg-liryc-example.xml'),
    'a LUDB record with wave annotations (our writer)': async () => inputFor(writeAecg(await ludb(1)), '.xml').path,
  };

  for (const [label, source] of Object.entries(sources)) {
    it(`reads ${label} with each optional element dropped in turn`, async () => {
      const path = await source();
      const full = await readEcgFile(path);
      const list = await variants(path);
      expect(list.length).toBeGreaterThan(20);
      for (const { name, path: variant } of list) {
        const rec = await readEcgFile(variant).catch((err: Error) => {
          throw new Error(`without ${name}: ${err.message}`);
        });
        expect(
          rec.leads.map((l) => l.name),
          name,
        ).toEqual(full.leads.map((l) => l.name));
        expect(rec.samplingRateHz, name).toBe(full.samplingRateHz);
        if (name !== 'origin' && name !== 'value/unit') {
          rec.leads.forEach((l, i) => expect(Array.from(l.mv), `${name} ${l.name}`).toEqual(Array.from(full.leads[i]!.mv)));
        }
      }
    }, 300_000);
  }
});
