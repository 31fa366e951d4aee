/** Writes SCP-ECG records (sections 0-6), Huffman-coded with the default table or raw, optional reference beat. */
import { crcCcitt, SCP_LEAD_IDS } from '../../../src/core/formats/hospital/scp.ts';
import { commonUvPerLsb, type FixtureSignal } from './signal.ts';

const LEAD_IDS = Object.fromEntries(Object.entries(SCP_LEAD_IDS).map(([id, name]) => [name, Number(id)]));

/** Default-table Huffman encoding (EN 1064 annex): 0, +-1..+-8, then 8- and 16-bit escapes. */
export function huffmanEncodeDefault(values: Int32Array): Buffer {
  const bits: number[] = [];
  const push = (v: number, n: number) => {
    for (let b = n - 1; b >= 0; b--) bits.push((v >> b) & 1);
  };
  for (const v of values) {
    const a = Math.abs(v);
    if (v === 0) bits.push(0);
    else if (a <= 8) {
      push((1 << a) - 1, a); // a ones
      bits.push(0, v < 0 ? 1 : 0);
    } else if (v >= -128 && v <= 127) {
      push(0b1111111110, 10);
      push(v & 0xff, 8);
    } else if (v >= -32768 && v <= 32767) {
      push(0b1111111111, 10);
      push(v & 0xffff, 16);
    } else throw new Error(`SCP value ${v} does not fit 16 bits`);
  }
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => (out[i >> 3] |= b << (7 - (i & 7))));
  return out;
}

/** EN 1064 differences: the first `order` values stay as stored, then x[n] - x[n-1] or x[n] - 2x[n-1] + x[n-2]. */
export function differences(x: Int32Array, order: number): Int32Array {
  const d = Int32Array.from(x);
  for (let n = order; n < x.length; n++) d[n] = order === 1 ? x[n] - x[n - 1] : order === 2 ? x[n] - 2 * x[n - 1] + x[n - 2] : x[n];
  return d;
}

function section(id: number, body: Buffer, protocol: number, reserved = Buffer.alloc(6)): Buffer {
  const padded = body.length % 2 ? Buffer.concat([body, Buffer.alloc(1)]) : body;
  const h = Buffer.alloc(16);
  h.writeUInt16LE(id, 2);
  h.writeUInt32LE(16 + padded.length, 4);
  h[8] = protocol;
  h[9] = protocol;
  reserved.copy(h, 10);
  const s = Buffer.concat([h, padded]);
  s.writeUInt16LE(crcCcitt(s.subarray(2)), 0);
  return s;
}

function tag(t: number, value: Buffer): Buffer {
  const h = Buffer.alloc(3);
  h[0] = t;
  h.writeUInt16LE(value.length, 1);
  return Buffer.concat([h, value]);
}
const str = (s: string) => Buffer.from(`${s}\0`, 'latin1');

export interface ScpOptions {
  huffman?: boolean;
  difference?: 0 | 1 | 2;
  protocol?: number;
  /** Reference-beat subtraction: QRS fiducials (0-based samples) and the zone around each, in samples. */
  referenceBeat?: { fiducials: number[]; before: number; after: number };
}

function dataSection(id: number, leads: Int32Array[], avmNv: number, intervalUs: number, o: ScpOptions, protocol: number): Buffer {
  const encoded = leads.map((l) => {
    const d = differences(l, o.difference ?? 0);
    if (o.huffman ?? true) return huffmanEncodeDefault(d);
    const b = Buffer.alloc(d.length * 2);
    d.forEach((v, k) => b.writeInt16LE(v, 2 * k));
    return b;
  });
  const head = Buffer.alloc(6 + 2 * leads.length);
  head.writeUInt16LE(avmNv, 0);
  head.writeUInt16LE(intervalUs, 2);
  head[4] = o.difference ?? 0;
  encoded.forEach((e, k) => head.writeUInt16LE(e.length, 6 + 2 * k));
  return section(id, Buffer.concat([head, ...encoded]), protocol);
}

export function writeScp(sig: FixtureSignal, opts: ScpOptions = {}): Buffer {
  const protocol = opts.protocol ?? 20;
  const avmNv = Math.round(commonUvPerLsb(sig, 'SCP-ECG') * 1000);
  const intervalUs = Math.round(1e6 / sig.samplingRateHz);
  const p = sig.patient;
  const [last, first] = (p?.name ?? 'Unknown^Unknown').split('^');
  const [y, m, d] = (p?.birthDate ?? '1970-01-01').split('-').map(Number);
  const u16 = (v: number) => Buffer.from([v & 0xff, v >> 8]);
  const s1 = section(
    1,
    Buffer.concat([
      tag(0, str(last)),
      tag(1, str(first)),
      tag(2, str(p?.id ?? '')),
      tag(4, Buffer.concat([u16(p?.age ?? 0), Buffer.from([1])])),
      tag(5, Buffer.concat([u16(y), Buffer.from([m, d])])),
      tag(8, Buffer.from([p?.sex === 'male' ? 1 : 2])),
      tag(14, Buffer.concat([Buffer.alloc(8), Buffer.from('CART1\0', 'latin1'), Buffer.alloc(26)])),
      tag(16, str('General Hospital')),
      tag(22, str('Tech Smith')),
      tag(25, Buffer.concat([u16(2012), Buffer.from([3, 14])])),
      tag(26, Buffer.from([9, 52, 23])),
      tag(255, Buffer.alloc(0)),
    ]),
    protocol,
  );
  const s2 = (opts.huffman ?? true) ? section(2, u16(19999), protocol) : undefined;
  const leadTable = Buffer.alloc(2 + 9 * sig.leads.length);
  leadTable[0] = sig.leads.length;
  leadTable[1] = (opts.referenceBeat ? 1 : 0) | 0b100 | (Math.min(sig.leads.length, 31) << 3);
  sig.leads.forEach((l, k) => {
    leadTable.writeUInt32LE(1, 2 + 9 * k);
    leadTable.writeUInt32LE(l.adc.length, 2 + 9 * k + 4);
    leadTable[2 + 9 * k + 8] = LEAD_IDS[l.name] ?? 0;
  });
  const s3 = section(3, leadTable, protocol);
  let rhythm = sig.leads.map((l) => l.adc);
  let s4: Buffer | undefined;
  let s5: Buffer | undefined;
  const rb = opts.referenceBeat;
  if (rb) {
    const len = rb.before + rb.after + 1;
    const f0 = rb.fiducials[0];
    const ref = rhythm.map((l) => l.slice(f0 - rb.before, f0 + rb.after + 1));
    rhythm = rhythm.map((l, k) => {
      const res = Int32Array.from(l);
      for (const f of rb.fiducials) for (let s = f - rb.before; s <= f + rb.after; s++) res[s] -= ref[k][s - f + rb.before];
      return res;
    });
    const q = Buffer.alloc(6 + rb.fiducials.length * 22);
    q.writeUInt16LE(Math.round((len * 1000) / sig.samplingRateHz), 0);
    q.writeUInt16LE(rb.before + 1, 2);
    q.writeUInt16LE(rb.fiducials.length, 4);
    rb.fiducials.forEach((f, i) => {
      const at = 6 + i * 14;
      q.writeUInt16LE(0, at);
      q.writeUInt32LE(f - rb.before + 1, at + 2);
      q.writeUInt32LE(f + 1, at + 6);
      q.writeUInt32LE(f + rb.after + 1, at + 10);
      const pa = 6 + rb.fiducials.length * 14 + i * 8;
      q.writeUInt32LE(f - rb.before + 1, pa);
      q.writeUInt32LE(f + rb.after + 1, pa + 4);
    });
    s4 = section(4, q, protocol);
    s5 = dataSection(5, ref, avmNv, intervalUs, opts, protocol);
  }
  const s6 = dataSection(6, rhythm, avmNv, intervalUs, opts, protocol);
  const body: [number, Buffer | undefined][] = [
    [1, s1],
    [2, s2],
    [3, s3],
    [4, s4],
    [5, s5],
    [6, s6],
  ];
  for (let id = 7; id <= 11; id++) body.push([id, undefined]);
  const pointerCount = 12;
  const s0Length = 16 + pointerCount * 10;
  let offset = 6 + s0Length;
  const pointers = Buffer.alloc(pointerCount * 10);
  pointers.writeUInt16LE(0, 0);
  pointers.writeUInt32LE(s0Length, 2);
  pointers.writeUInt32LE(7, 6);
  body.forEach(([id, sec], i) => {
    const at = (i + 1) * 10;
    pointers.writeUInt16LE(id, at);
    if (sec) {
      pointers.writeUInt32LE(sec.length, at + 2);
      pointers.writeUInt32LE(offset + 1, at + 6);
      offset += sec.length;
    }
  });
  const s0 = section(0, pointers, protocol, Buffer.from('SCPECG', 'latin1'));
  const all = Buffer.concat([Buffer.alloc(6), s0, ...body.map(([, s]) => s).filter((s): s is Buffer => !!s)]);
  all.writeUInt32LE(all.length, 2);
  all.writeUInt16LE(crcCcitt(all.subarray(2)), 0);
  return all;
}
