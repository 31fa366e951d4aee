/** Writes a DICOM 12-lead ECG waveform file (Part 10, explicit VR little endian), the subset PS3.3 A.34 needs. */
import type { FixtureSignal } from './signal.ts';

type Value = Buffer | El[][];
interface El {
  tag: number;
  vr: string;
  value: Value;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);
const LEAD_CODES: Record<string, [string, string]> = {
  I: ['5.6.3-9-1', 'Lead I (Einthoven)'],
  II: ['5.6.3-9-2', 'Lead II'],
  V1: ['5.6.3-9-3', 'Lead V1'],
  V2: ['5.6.3-9-4', 'Lead V2'],
  V3: ['5.6.3-9-5', 'Lead V3'],
  V4: ['5.6.3-9-6', 'Lead V4'],
  V5: ['5.6.3-9-7', 'Lead V5'],
  V6: ['5.6.3-9-8', 'Lead V6'],
  III: ['5.6.3-9-61', 'Lead III'],
  aVR: ['5.6.3-9-62', 'Lead aVR'],
  aVL: ['5.6.3-9-63', 'Lead aVL'],
  aVF: ['5.6.3-9-64', 'Lead aVF'],
};
export const TWELVE_LEAD_SOP = '1.2.840.10008.5.1.4.1.1.9.1.1';

function str(vr: string, s: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  return b.length % 2 ? Buffer.concat([b, Buffer.from(vr === 'UI' ? [0] : [0x20])]) : b;
}
const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

export const el = {
  s: (tag: number, vr: string, s: string): El => ({ tag, vr, value: str(vr, s) }),
  us: (tag: number, v: number): El => ({ tag, vr: 'US', value: u16(v) }),
  ul: (tag: number, v: number): El => ({ tag, vr: 'UL', value: u32(v) }),
  raw: (tag: number, vr: string, value: Buffer): El => ({ tag, vr, value }),
  sq: (tag: number, items: El[][]): El => ({ tag, vr: 'SQ', value: items }),
};

/** Explicit VR little endian, or implicit VR (tag + 32-bit length, the VR left to the data dictionary). */
function encode(e: El, implicit = false): Buffer {
  const value = Array.isArray(e.value)
    ? Buffer.concat(
        e.value.map((item) => {
          const body = dataset(item, implicit);
          const h = Buffer.alloc(8);
          h.writeUInt16LE(0xfffe, 0);
          h.writeUInt16LE(0xe000, 2);
          h.writeUInt32LE(body.length, 4);
          return Buffer.concat([h, body]);
        }),
      )
    : e.value;
  const long = LONG_VRS.has(e.vr);
  const h = Buffer.alloc(long && !implicit ? 12 : 8);
  h.writeUInt16LE(e.tag >>> 16, 0);
  h.writeUInt16LE(e.tag & 0xffff, 2);
  if (implicit) h.writeUInt32LE(value.length, 4);
  else {
    h.write(e.vr, 4, 'latin1');
    if (long) h.writeUInt32LE(value.length, 8);
    else h.writeUInt16LE(value.length, 6);
  }
  return Buffer.concat([h, value]);
}

function dataset(els: El[], implicit = false): Buffer {
  return Buffer.concat([...els].sort((a, b) => a.tag - b.tag).map((e) => encode(e, implicit)));
}

export interface DicomGroup {
  label: string;
  samplingRateHz: number;
  sig: FixtureSignal;
  interpretation?: 'SS' | 'US' | 'SB' | 'UB';
  /** Raw value added to every sample and removed again by Channel Baseline. */
  rawOffset?: number;
}

export function waveformGroup(g: DicomGroup): El[] {
  const { sig } = g;
  const interp = g.interpretation ?? 'SS';
  const bytes = interp === 'SS' || interp === 'US' ? 2 : 1;
  const n = sig.leads[0].adc.length;
  const off = g.rawOffset ?? 0;
  const data = Buffer.alloc(n * sig.leads.length * bytes + ((n * sig.leads.length * bytes) % 2));
  sig.leads.forEach((l, c) => {
    for (let k = 0; k < n; k++) {
      const pos = (k * sig.leads.length + c) * bytes;
      const v = l.adc[k] + off;
      if (interp === 'SS') data.writeInt16LE(v, pos);
      else if (interp === 'US') data.writeUInt16LE(v, pos);
      else if (interp === 'SB') data.writeInt8(v, pos);
      else data.writeUInt8(v, pos);
    }
  });
  const channels = sig.leads.map((l) => {
    const uv = l.uvPerLsb ?? sig.uvPerLsb;
    const [code, meaning] = LEAD_CODES[l.name] ?? ['', l.name];
    return [
      el.s(0x003a0203, 'SH', l.name),
      el.sq(0x003a0208, [
        [el.s(0x00080100, 'SH', code), el.s(0x00080102, 'SH', 'SCPECG'), el.s(0x00080103, 'SH', '1.3'), el.s(0x00080104, 'LO', meaning)],
      ]),
      el.s(0x003a0210, 'DS', String(uv)),
      el.sq(0x003a0211, [
        [el.s(0x00080100, 'SH', 'uV'), el.s(0x00080102, 'SH', 'UCUM'), el.s(0x00080103, 'SH', '1.4'), el.s(0x00080104, 'LO', 'microvolt')],
      ]),
      el.s(0x003a0212, 'DS', '1'),
      el.s(0x003a0213, 'DS', String(-off * uv)),
      el.us(0x003a021a, bytes * 8),
    ];
  });
  return [
    el.us(0x003a0005, sig.leads.length),
    el.ul(0x003a0010, n),
    el.s(0x003a001a, 'DS', String(g.samplingRateHz)),
    el.s(0x003a0020, 'SH', g.label),
    el.sq(0x003a0200, channels),
    el.us(0x54001004, bytes * 8),
    el.s(0x54001006, 'CS', interp),
    el.raw(0x54001010, bytes === 2 ? 'OW' : 'OB', data),
  ];
}

export interface DicomOptions {
  groups?: El[][];
  sopClass?: string;
  extra?: El[];
  /** Implicit VR little endian (1.2.840.10008.1.2) instead of explicit VR. */
  implicitVr?: boolean;
}

export function writeDicom(sig: FixtureSignal, opts: DicomOptions = {}): Buffer {
  const sop = opts.sopClass ?? TWELVE_LEAD_SOP;
  const instance = '1.2.826.0.1.3680043.8.498.1';
  const syntax = opts.implicitVr ? '1.2.840.10008.1.2' : '1.2.840.10008.1.2.1';
  const metaBody = dataset([
    el.raw(0x00020001, 'OB', Buffer.from([0, 1])),
    el.s(0x00020002, 'UI', sop),
    el.s(0x00020003, 'UI', instance),
    el.s(0x00020010, 'UI', syntax),
    el.s(0x00020012, 'UI', '1.2.826.0.1.3680043.8.498.2'),
  ]);
  const meta = Buffer.concat([encode(el.ul(0x00020000, metaBody.length)), metaBody]);
  const p = sig.patient;
  const groups = opts.groups ?? [waveformGroup({ label: 'RHYTHM', samplingRateHz: sig.samplingRateHz, sig })];
  const body = dataset(
    [
      el.s(0x00080016, 'UI', sop),
      el.s(0x00080018, 'UI', instance),
      el.s(0x0008002a, 'DT', '20120314095223'),
      el.s(0x00080060, 'CS', 'ECG'),
      el.s(0x00080070, 'LO', 'Acme Medical'),
      el.s(0x00080080, 'LO', 'General Hospital'),
      el.s(0x00081090, 'LO', 'CardioWriter 9'),
      el.s(0x00100010, 'PN', p?.name ?? 'Anonymous'),
      el.s(0x00100020, 'LO', p?.id ?? 'X'),
      el.s(0x00100030, 'DA', (p?.birthDate ?? '1970-01-01').replaceAll('-', '')),
      el.s(0x00100040, 'CS', p?.sex === 'male' ? 'M' : 'F'),
      el.s(0x00101010, 'AS', `${String(p?.age ?? 50).padStart(3, '0')}Y`),
      el.sq(0x54000100, groups),
      ...(opts.extra ?? []),
    ],
    opts.implicitVr,
  );
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), meta, body]);
}
