/**
 * Files written by other people's software (../shared/data/vendor, see its SOURCE.md), read as they are:
 * DICOM compared with pydicom (values of every multiplex group, channel calibration, waveform annotations),
 * HL7 aECG with a plain ElementTree reading of its digits, SCP-ECG by the Einthoven relation of its leads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEcgFile } from '../../src/core/formats/index.ts';
import type { Lead } from '../../src/core/formats/record.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { runPythonJson } from './python.ts';

const vendor = (name: string) => join(sharedDataDir(), 'vendor', name);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, scale = 1): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! * scale - b[k]!));
  return m;
}

interface PydicomDump {
  groups: {
    label: string;
    samplingRateHz: number;
    codes: string[];
    sensitivity: number[];
    correction: number[];
    baseline: number[];
    units: string[];
    values: number[][];
  }[];
  annotations: {
    text: string | null;
    concept: string | null;
    numeric: number | null;
    unit: string | null;
    multiplexGroup: number | null;
    position: number | null;
    annotationGroup: number | null;
  }[];
  manufacturer: string;
  model: string;
  software: string;
}

const SCP_LEADS: Record<string, string> = { '1': 'I', '2': 'II', '3': 'V1', '4': 'V2', '5': 'V3', '6': 'V4', '7': 'V5', '8': 'V6' };
const leadName = (code: string) =>
  SCP_LEADS[code.split('-').pop()!] ?? { '61': 'III', '62': 'aVR', '63': 'aVL', '64': 'aVF' }[code.split('-').pop()!];

describe('Mortara ELI 250 DICOM, against pydicom', () => {
  const file = vendor('dicom-12lead-mortara-eli250.dcm');

  it('reads every channel of both multiplex groups with pydicom values and calibration', async () => {
    const rec = await readEcgFile(file);
    const ref = runPythonJson<PydicomDump>('pydicom_vendor_dump.py', [file]);
    const [rhythm, median] = ref.groups;
    expect(rec.samplingRateHz).toBe(rhythm!.samplingRateHz);
    expect(rec.extra?.multiplexGroup).toBe(rhythm!.label);
    const others = rec.extra?.otherGroups as { label: string; samplingRateHz: number; leads: Lead[] }[];
    expect(others.map((g) => g.label)).toEqual([median!.label]);
    for (const [group, leads] of [
      [rhythm!, rec.leads],
      [median!, others[0]!.leads],
    ] as const) {
      group.codes.forEach((code, c) => {
        const lead = leads.find((l) => l.name === leadName(code))!;
        expect(lead, code).toBeDefined();
        expect(lead.derived).toBe(false);
        expect(group.units[c]).toBe('uV');
        // calibration: mV = (adc - baseline) / gain with gain in ADC units per uV
        expect(1 / lead.gain!).toBeCloseTo(group.sensitivity[c]! * group.correction[c]!, 12);
        expect((-lead.baseline! / lead.gain!) * 1).toBeCloseTo(group.baseline[c]!, 9);
        expect(maxDiff(group.values[c]!, lead.mv, 1e-3)).toBeLessThan(1e-6);
      });
    }
  });

  it('reads the waveform annotations: statements, measurements and wave boundaries', async () => {
    const rec = await readEcgFile(file);
    const ref = runPythonJson<PydicomDump>('pydicom_vendor_dump.py', [file]);
    expect(rec.clinical.machineStatements).toEqual(ref.annotations.filter((a) => a.text).map((a) => a.text));
    const measured = ref.annotations.filter((a) => a.numeric !== null);
    expect(measured.length).toBeGreaterThan(5);
    expect(rec.clinical.measurements).toEqual(Object.fromEntries(measured.map((a) => [`${a.concept} (${a.unit})`, a.numeric])));
    // P, QRS (and T where both ends are given) per annotation group, from 1-based sample positions
    const expected: { kind: string; onsetSample: number; offsetSample: number }[] = [];
    const byGroup = new Map<number, Map<string, number>>();
    for (const a of ref.annotations.filter((x) => x.position !== null && x.multiplexGroup === 1)) {
      const g = byGroup.get(a.annotationGroup!) ?? new Map<string, number>();
      g.set(a.concept!, a.position! - 1);
      byGroup.set(a.annotationGroup!, g);
    }
    for (const g of byGroup.values()) {
      for (const kind of ['P', 'QRS', 'T']) {
        const on = g.get(`${kind} Onset`);
        const off = g.get(`${kind} Offset`);
        if (on !== undefined && off !== undefined) expected.push({ kind, onsetSample: on, offsetSample: off });
      }
    }
    expect(expected.length).toBeGreaterThan(10);
    const got = rec.annotations.map(({ kind, onsetSample, offsetSample }) => ({ kind, onsetSample, offsetSample }));
    const order = (x: { kind: string; onsetSample: number }, y: { kind: string; onsetSample: number }) =>
      x.onsetSample - y.onsetSample || x.kind.localeCompare(y.kind);
    expect(got).toEqual(expected.sort(order));
    expect(rec.origin).toEqual({ vendor: ref.manufacturer, device: ref.model, software: ref.software });
  });
});

describe('HL7 aECG written by the LIRYC hl7v3-aecg library', () => {
  const file = vendor('hl7-aecg-liryc-example.xml');

  it('reads 12 leads with the digits x scale + origin that a plain XML reading gives, and who wrote it', async () => {
    const rec = await readEcgFile(file);
    const py = spawnSync(
      'python3',
      [
        '-c',
        `import json, sys, xml.etree.ElementTree as ET
ns = {'h': 'urn:hl7-org:v3'}
root = ET.parse(sys.argv[1]).getroot()
series = root.find('h:component/h:series', ns)
out = {}
for seq in series.findall('h:component/h:sequenceSet/h:component/h:sequence', ns):
    code = seq.find('h:code', ns).get('code')
    v = seq.find('h:value', ns)
    d = v.find('h:digits', ns)
    if d is None: continue
    scale = float(v.find('h:scale', ns).get('value')); origin = float(v.find('h:origin', ns).get('value'))
    out[code] = [(origin + scale * int(x)) / 1000 for x in d.text.split()]
print(json.dumps(out))`,
        file,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as Record<string, number[]>;
    expect(Object.keys(ref)).toHaveLength(12);
    expect(rec.leads.filter((l) => !l.derived)).toHaveLength(12);
    for (const [code, values] of Object.entries(ref)) {
      const lead = rec.leads.find((l) => `MDC_ECG_LEAD_${l.name.toUpperCase()}` === code)!;
      expect(lead, code).toBeDefined();
      expect(maxDiff(values, lead.mv)).toBeLessThan(1e-6);
    }
    expect(rec.samplingRateHz).toBe(100);
    expect(rec.origin).toEqual({
      vendor: '(C) Shenzhen Mindray Bio-Medical Electronics Co., Ltd. All rights reserved.',
      device: 'BeneHeart R12',
      software: '02.10.00',
    });
    expect(rec.clinical.measurements).toMatchObject({ 'MDC_ECG_HEART_RATE (bpm)': 57, 'MDC_ECG_TIME_PD_PR (ms)': 192 });
    expect(rec.extra?.representativeBeat).toBeDefined();
  });
});

describe('SCP-ECG example shipped with ECG Toolkit', () => {
  it('reads 12 stored leads whose limb leads obey Einthoven (II = I + III) within a few ADC steps', async () => {
    const rec = await readEcgFile(vendor('scp-ecg-ecgtoolkit-example.scp'));
    expect(rec.leads.map((l) => l.name)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    expect(rec.leads.every((l) => !l.derived)).toBe(true);
    expect(rec).toMatchObject({ samplingRateHz: 500, samplesPerLead: 5000 });
    const [i, ii, iii] = ['I', 'II', 'III'].map((n) => rec.leads.find((l) => l.name === n)!.mv);
    const sum = Float32Array.from(i!, (v, k) => v + iii![k]!);
    expect(maxDiff(sum, ii!)).toBeLessThan(0.05);
    const peak = Math.max(...rec.leads.map((l) => Math.max(...Array.from(l.mv, Math.abs))));
    expect(peak).toBeGreaterThan(0.3);
    expect(peak).toBeLessThan(10);
  });

  it('inspect prints who wrote each vendor file', () => {
    const r = spawnSync(process.execPath, [repoPath('bin', 'ecg-audit.mjs'), 'inspect', vendor('dicom-12lead-mortara-eli250.dcm')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ {2}written by {2}Mortara Instrument, Inc\. el250, software 0\.0\.0\n/);
  });
});
