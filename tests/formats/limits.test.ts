/**
 * The hard limits (src/core/formats/limits.ts), the same for every reader: one-line refusals before the samples
 * are allocated, `inspect` describing what import refuses, nothing but regular files opened, the resampler
 * bounded, and the worst legal input read within 1 GB of memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EcgFormatError, EcgLimitError, classifyFile, readEcgFile, type ReadOptions } from '../../src/core/formats/index.ts';
import { MAX_TOTAL_SAMPLES } from '../../src/core/formats/limits.ts';
import { MAX_RESAMPLE_FACTOR, rateFactors, ResampleError, resamplePlan, resamplePoly } from '../../src/core/signal/resample.ts';
import { encodeCsv, encodeEdf, encodeMatV4, writeWfdb } from '../helpers/ecgWriters.ts';
import { writeAecg } from '../helpers/hospitalWriters/aecg.ts';
import { writeCardiologyXml } from '../helpers/hospitalWriters/cardiologyXml.ts';
import { writeDicom } from '../helpers/hospitalWriters/dicom.ts';
import { writeMuse } from '../helpers/hospitalWriters/muse.ts';
import { writePhilips } from '../helpers/hospitalWriters/philips.ts';
import { writeScp } from '../helpers/hospitalWriters/scp.ts';
import { EIGHT_LEADS, syntheticSignal, TWELVE_LEADS, type FixtureSignal } from '../helpers/hospitalWriters/signal.ts';
import { repoPath } from '../helpers/sharedData.ts';

const dir = mkdtempSync(join(tmpdir(), 'ecg-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(path: string, options: ReadOptions = {}): Promise<EcgFormatError> {
  const err = await readEcgFile(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EcgFormatError);
  return err as EcgFormatError;
}

/** A file of each format at the given rate and length, written by our own writers. */
const WRITERS: Record<string, (sig: FixtureSignal, name: string) => string> = {
  wfdb: (sig, name) =>
    writeWfdb({
      dir,
      record: name,
      fs: sig.samplingRateHz,
      format: 16,
      signals: sig.leads.map((l) => ({ name: l.name, adc: [...l.adc] })),
    }),
  'cinc-mat': (sig, name) => {
    const n = sig.leads[0].adc.length;
    const columnMajor: number[] = [];
    for (let k = 0; k < n; k++) for (const l of sig.leads) columnMajor.push(l.adc[k]);
    writeFileSync(join(dir, `${name}.mat`), encodeMatV4('val', sig.leads.length, n, columnMajor));
    const lines = sig.leads.map((l) => `${name}.mat 16+24 1000/mV 16 0 0 0 0 ${l.name}`);
    writeFileSync(join(dir, `${name}.hea`), [`${name} ${sig.leads.length} ${sig.samplingRateHz} ${n}`, ...lines, ''].join('\n'));
    return join(dir, `${name}.hea`);
  },
  edf: (sig, name) => {
    const n = sig.leads[0].adc.length;
    const signals = sig.leads.map((l) => ({
      label: l.name,
      physDim: 'uV',
      physMin: -32768,
      physMax: 32767,
      digMin: -32768,
      digMax: 32767,
      digital: [...l.adc],
      samplesPerRecord: n,
    }));
    const path = join(dir, `${name}.edf`);
    writeFileSync(path, encodeEdf({ signals, recordDuration: n / sig.samplingRateHz, nRecords: 1 }));
    return path;
  },
  csv: (sig, name) => {
    const rows = Array.from(sig.leads[0].adc, (_, k) => sig.leads.map((l) => l.adc[k] / 1000));
    const path = join(dir, `${name}.csv`);
    writeFileSync(
      path,
      encodeCsv(
        sig.leads.map((l) => l.name),
        rows,
        [`sampling_rate=${sig.samplingRateHz}`],
      ),
    );
    return path;
  },
  'muse-xml': (sig, name) => file(`${name}.xml`, writeMuse({ ...sig, leads: sig.leads.filter((l) => EIGHT_LEADS.includes(l.name)) })),
  'philips-xml': (sig, name) => file(`${name}.xml`, writePhilips(sig)),
  'hl7-aecg': (sig, name) => file(`${name}.xml`, writeAecg(sig)),
  dicom: (sig, name) => file(`${name}.dcm`, writeDicom(sig)),
  'scp-ecg': (sig, name) => file(`${name}.scp`, writeScp(sig)),
  'cardiology-xml': (sig, name) => file(`${name}.xml`, writeCardiologyXml(sig)),
};

function file(name: string, bytes: Buffer): string {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

describe('use limits, the same for every reader', () => {
  for (const [format, write] of Object.entries(WRITERS)) {
    it(`${format}: a rate below 50 Hz and a record over 10 minutes are refused in one line naming file, value and limit`, async () => {
      const slow = write(syntheticSignal(TWELVE_LEADS, 25, 4), `${format}-slow`);
      const e = await refusal(slow);
      expect(e).toBeInstanceOf(EcgLimitError);
      expect(e.problem).toBe('over-limit');
      expect(e.message).toContain(slow);
      expect(e.message).toMatch(/ 25 Hz is outside the 50-20000 Hz limit$/);
      expect(e.message).not.toContain('\n');
      expect((e as EcgLimitError).facts).toMatchObject({ format, samplingRateHz: 25 });

      const long = write(syntheticSignal(TWELVE_LEADS, 50, 601), `${format}-long`);
      const l = await refusal(long);
      expect(l.problem).toBe('over-limit');
      expect(l.message).toMatch(/duration 601 s \(30050 samples at 50 Hz\) is over the 600 s limit$/);
      // inspect describes what import refuses
      const described = await readEcgFile(long, { limits: 'describe' });
      expect(described.durationS).toBe(601);
      expect(described.warnings.join('\n')).toMatch(/beyond the limits of import, predict and the viewer: duration 601 s/);
    });
  }

  it('WFDB at 0.01 Hz declaring a billion samples: refused from the header alone, in every mode', async () => {
    const hea = writeWfdb({ dir, record: 'hostile', fs: 500, format: 16, signals: [{ name: 'II', adc: [1, 2, 3] }] });
    writeFileSync(hea, 'hostile 1 0.01 1000000000\nhostile.dat 16 200/mV 16 0 1 0 0 II\n');
    const e = await refusal(hea);
    expect(e.message).toBe(`${hea}: sampling rate 0.01 Hz is outside the 50-20000 Hz limit`);
    const d = await refusal(hea, { limits: 'describe' });
    expect(d).toBeInstanceOf(EcgLimitError);
    expect(d.message).toBe(`${hea}: 1000000000 samples is over the ${MAX_TOTAL_SAMPLES}-sample limit for one record`);
    expect((d as EcgLimitError).facts).toEqual({ format: 'wfdb', samplingRateHz: 0.01, samplesPerLead: 1e9, channels: 1 });
  });

  it('WFDB without a length: the count implied by a huge (sparse) signal file is refused before it is decoded', async () => {
    writeFileSync(join(dir, 'sparse.hea'), 'sparse 2 500\nsparse.dat 16 200/mV 16 0 0 0 0 I\nsparse.dat 16 200/mV 16 0 0 0 0 II\n');
    writeFileSync(join(dir, 'sparse.dat'), '');
    truncateSync(join(dir, 'sparse.dat'), 200 * 2 ** 20);
    const e = await refusal(join(dir, 'sparse.hea'));
    expect(e.message).toMatch(/duration 104858 s \(52428800 samples at 500 Hz\) is over the 600 s limit$/);
    const d = await refusal(join(dir, 'sparse.hea'), { limits: 'describe' });
    expect(d.message).toMatch(/2 signals x 52428800 samples is over the 24000000-sample limit/);
  });

  it('CSV rows beyond the budget are refused before any column is allocated', async () => {
    const rows = Math.floor(MAX_TOTAL_SAMPLES / 12) + 1;
    const path = join(dir, 'rows.csv');
    writeFileSync(path, `# sampling_rate=20000\n${TWELVE_LEADS.join(',')}\n` + '0,0,0,0,0,0,0,0,0,0,0,0\n'.repeat(rows));
    const e = await refusal(path, { limits: 'describe' });
    expect(e.message).toMatch(new RegExp(`12 signals x ${rows} samples is over the`));
  });

  it('inspect describes a record beyond the use limits, and prints the header facts of one beyond the memory budget', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [repoPath('bin', 'ecg-audit.mjs'), 'inspect', ...args], { encoding: 'utf8', timeout: 60_000 });
    const long = WRITERS.wfdb(syntheticSignal(['I', 'II'], 100, 700), 'inspect-long');
    const ok = cli(long);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/rate {8}100 Hz, 70000 samples per lead, 700\.00 s/);
    expect(ok.stdout).toMatch(/warning {5}beyond the limits of import, predict and the viewer: duration 700 s/);
    writeFileSync(join(dir, 'huge.hea'), 'huge 12 500 100000000\n' + 'huge.dat 16 200/mV 16 0 0 0 0 II\n'.repeat(12));
    const huge = cli(join(dir, 'huge.hea'));
    expect(huge.status).toBe(1);
    expect(huge.stdout).toMatch(/format {6}wfdb\n {2}rate {8}500 Hz, 100000000 samples per lead, 200000\.00 s\n {2}signals {5}12/);
    expect(huge.stderr.trim()).toBe(
      `ecg-audit: ${join(dir, 'huge.hea')}: 12 signals x 100000000 samples is over the 24000000-sample limit for one record`,
    );
  });
});

describe('only regular files are opened', () => {
  it('a FIFO named as a signal file, or as the record, is refused without being opened; classifying it does not block', async () => {
    const hea = WRITERS.wfdb(syntheticSignal(['I', 'II'], 500, 1), 'piped');
    rmSync(join(dir, 'piped.dat'));
    expect(spawnSync('mkfifo', [join(dir, 'piped.dat')]).status).toBe(0);
    // in a child process with a timeout: if the reader opened the FIFO it would block forever
    const r = spawnSync(process.execPath, [repoPath('bin', 'ecg-audit.mjs'), 'inspect', hea], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`ecg-audit: ${join(dir, 'piped.dat')}: is a named pipe (FIFO), not a regular file; it is not opened`);
    expect(await classifyFile(join(dir, 'piped.dat'))).toBe('companion');
    expect(spawnSync('mkfifo', [join(dir, 'lone.hea')]).status).toBe(0);
    expect((await refusal(join(dir, 'lone.hea'))).problem).toBe('not-a-file');
    expect(await classifyFile(join(dir, 'lone.hea'))).toBe('other');
  });

  it('a device is refused; a symbolic link to a record is resolved once and read', async () => {
    const e = await refusal('/dev/zero');
    expect(e.message).toBe('/dev/zero: is a device, not a regular file; it is not opened');
    const hea = WRITERS.wfdb(syntheticSignal(['I', 'II'], 500, 1), 'target');
    symlinkSync(hea, join(dir, 'alias.hea'));
    symlinkSync(join(dir, 'alias.hea'), join(dir, 'alias2.hea'));
    expect((await readEcgFile(join(dir, 'alias2.hea'))).samplesPerLead).toBe(500);
  });
});

describe('the resampler is bounded', () => {
  it('refuses a filter beyond what 20 kHz to 1 Hz needs, and an output beyond 10 minutes at 20 kHz', () => {
    expect(resamplePlan(1, MAX_RESAMPLE_FACTOR, 5).h.length).toBeGreaterThan(20 * MAX_RESAMPLE_FACTOR);
    const { up, down } = rateFactors(257.143, 100);
    expect(() => resamplePlan(up, down, 5)).toThrow(ResampleError);
    expect(() => resamplePlan(up, down, 5)).toThrow(/5142861-tap filter; factors above 20000 are refused/);
    expect(() => resamplePoly(new Float32Array(1000), 20_000, 1, 5)).toThrow(/gives 20000000, over the 12000000-sample limit/);
  });
});

describe('peak memory', () => {
  /** The worst legal inputs: 2 stored leads (4 more derived) of 10 minutes at 20 kHz, binary and XML. */
  function peak(path: string): { leads: number; samplesPerLead: number; maxRssBytes: number } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', repoPath('tests', 'helpers', 'readPeak.ts'), path], {
      encoding: 'utf8',
      timeout: 300_000,
      cwd: repoPath(),
    });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { leads: number; samplesPerLead: number; maxRssBytes: number };
  }

  it('a WFDB record of 2 leads x 10 minutes at 20 kHz reads within 1 GB', () => {
    const n = 12_000_000;
    const body = Buffer.alloc(4 * n);
    for (let i = 0; i < n; i++) {
      body.writeInt16LE((i % 1000) - 500, 4 * i);
      body.writeInt16LE(((i * 7) % 1000) - 500, 4 * i + 2);
    }
    writeFileSync(join(dir, 'worst.dat'), body);
    writeFileSync(
      join(dir, 'worst.hea'),
      `worst 2 20000 ${n}\nworst.dat 16 200/mV 16 0 -500 0 0 I\nworst.dat 16 200/mV 16 0 -500 0 0 II\n`,
    );
    const r = peak(join(dir, 'worst.hea'));
    expect(r).toMatchObject({ leads: 6, samplesPerLead: n });
    expect(r.maxRssBytes).toBeLessThan(2 ** 30);
  }, 300_000);

  it('an HL7 aECG near the 64 MB XML limit reads within 1 GB', () => {
    const n = 6_000_000;
    const digits = (k: number) => Array.from({ length: n }, (_, i) => ((i * k) % 2000) - 1000).join(' ');
    const seq = (code: string, k: number) =>
      `<component><sequence><code code="${code}"/><value xsi:type="SLIST_PQ"><origin value="0" unit="uV"/><scale value="1" unit="uV"/><digits>${digits(k)}</digits></value></sequence></component>`;
    const xml =
      '<?xml version="1.0"?><AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><component><series><code code="RHYTHM"/><component><sequenceSet>' +
      '<component><sequence><code code="TIME_RELATIVE"/><value xsi:type="GLIST_PQ"><head value="0" unit="s"/><increment value="0.0001" unit="s"/></value></sequence></component>' +
      `${seq('MDC_ECG_LEAD_I', 7)}${seq('MDC_ECG_LEAD_II', 13)}</sequenceSet></component></series></component></AnnotatedECG>`;
    writeFileSync(join(dir, 'worst.xml'), xml);
    const r = peak(join(dir, 'worst.xml'));
    expect(r).toMatchObject({ leads: 6, samplesPerLead: n });
    expect(r.maxRssBytes).toBeLessThan(2 ** 30);
  }, 300_000);
});
