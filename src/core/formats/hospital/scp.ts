/**
 * SCP-ECG (EN 1064 / ISO 11073-91064). A record is a CRC + length, then sections with a 16-byte header
 * (CRC, id, length, versions, reserved = "SCPECG" in section 0). Section 0 points to the others; 1 holds patient
 * tags; 2 the Huffman tables (19999 = the default table); 3 the lead definitions; 4 the QRS locations and 5 the
 * reference beat when reference-beat subtraction is used; 6 the rhythm data (AVM in nV, sample interval in us,
 * first/second differences). CRCs are CRC-CCITT (0x1021, initial 0xFFFF).
 */
import { EcgFormatError } from '../errors.ts';
import type { FormatReader, ReadInput } from '../reader.ts';
import type { ClinicalMetadata, EcgRecord, IdentifyingMetadata } from '../record.ts';
import { checkHeaderLimits } from '../limits.ts';
import { assembleRecord, checkSampleCount, checkSamplingRate, leadFromAdc } from './assemble.ts';
import { DEFAULT_TABLE, HuffmanError, huffmanDecode, undoDifferences, type HuffmanEntry } from './scpHuffman.ts';

/** SCP-ECG lead ids (EN 1064 table 25) for the standard leads. */
export const SCP_LEAD_IDS: Record<number, string> = {
  1: 'I',
  2: 'II',
  3: 'V1',
  4: 'V2',
  5: 'V3',
  6: 'V4',
  7: 'V5',
  8: 'V6',
  61: 'III',
  62: 'aVR',
  63: 'aVL',
  64: 'aVF',
};
/** Protocol versions 1.0-1.3, 2.0-2.2 and 3.0, as written in byte 9 of a section header. */
export const KNOWN_PROTOCOLS = [10, 11, 12, 13, 20, 21, 22, 30];

const CRC_TABLE = Uint16Array.from({ length: 256 }, (_, n) => {
  let crc = n << 8;
  for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

export function crcCcitt(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[(crc >> 8) ^ bytes[i]];
  return crc;
}

interface Section {
  id: number;
  protocol: number;
  /** The section's data after its 16-byte header. */
  body: Buffer;
}

function readSections(path: string, bytes: Buffer, warnings: string[]): Map<number, Section> {
  if (bytes.length < 6 + 16) throw new EcgFormatError(path, 'truncated', 'shorter than an SCP-ECG record header');
  const recordSize = bytes.readUInt32LE(2);
  if (recordSize > bytes.length) {
    throw new EcgFormatError(path, 'truncated', `record size says ${recordSize} bytes, the file has ${bytes.length}`);
  }
  const crc = bytes.readUInt16LE(0);
  if (crc !== crcCcitt(bytes.subarray(2, recordSize))) warnings.push(`${path}: SCP-ECG record CRC does not match`);
  const section0Length = bytes.readUInt32LE(6 + 4);
  if (bytes.readUInt16LE(6 + 2) !== 0 || section0Length < 16 || 6 + section0Length > recordSize) {
    throw new EcgFormatError(path, 'bad-header', 'section 0 (pointers) is missing or its length is invalid');
  }
  const sections = new Map<number, Section>();
  const pointers = Math.floor((section0Length - 16) / 10);
  for (let p = 0; p < pointers; p++) {
    const at = 6 + 16 + p * 10;
    const id = bytes.readUInt16LE(at);
    const length = bytes.readUInt32LE(at + 2);
    const index = bytes.readUInt32LE(at + 6);
    if (length === 0) continue;
    const start = index - 1;
    if (index < 1 || length < 16 || start + length > recordSize) {
      throw new EcgFormatError(
        path,
        'truncated',
        `section ${id} points to bytes ${index}..${index + length - 1}, past the ${recordSize}-byte record`,
      );
    }
    const sec = bytes.subarray(start, start + length);
    if (sec.readUInt16LE(2) !== id || sec.readUInt32LE(4) !== length) {
      throw new EcgFormatError(path, 'inconsistent', `section ${id}: its header disagrees with the pointer in section 0`);
    }
    if (sections.has(id)) throw new EcgFormatError(path, 'inconsistent', `section ${id} appears twice`);
    const stored = sec.readUInt16LE(0);
    if (stored !== crcCcitt(sec.subarray(2))) {
      throw new EcgFormatError(
        path,
        'inconsistent',
        `section ${id} CRC mismatch (stored ${stored.toString(16)}, computed ${crcCcitt(sec.subarray(2)).toString(16)})`,
      );
    }
    sections.set(id, { id, protocol: sec[9], body: sec.subarray(16) });
  }
  return sections;
}

function need(path: string, s: Section, bytes: number, what: string): void {
  if (s.body.length < bytes) throw new EcgFormatError(path, 'truncated', `section ${s.id} ends inside ${what}`);
}

function huffmanTables(path: string, s2: Section | undefined): HuffmanEntry[][] | undefined {
  if (!s2) return undefined;
  need(path, s2, 2, 'the table count');
  const count = s2.body.readUInt16LE(0);
  if (count === 19999) return [DEFAULT_TABLE];
  if (count === 0 || count > 256) throw new EcgFormatError(path, 'bad-value', `section 2 declares ${count} Huffman tables`);
  const tables: HuffmanEntry[][] = [];
  let at = 2;
  for (let t = 0; t < count; t++) {
    need(path, s2, at + 2, `Huffman table ${t + 1}`);
    const structures = s2.body.readUInt16LE(at);
    at += 2;
    need(path, s2, at + structures * 9, `Huffman table ${t + 1}`);
    const table: HuffmanEntry[] = [];
    for (let k = 0; k < structures; k++, at += 9) {
      table.push({
        prefixBits: s2.body[at],
        totalBits: s2.body[at + 1],
        modeSwitch: s2.body[at + 2],
        baseValue: s2.body.readInt16LE(at + 3),
        baseCode: s2.body.readUInt32LE(at + 5),
      });
    }
    tables.push(table);
  }
  return tables;
}

interface LeadDef {
  name: string;
  start: number;
  end: number;
}

function leadDefinitions(path: string, s3: Section | undefined): { leads: LeadDef[]; refBeatSubtraction: boolean } {
  if (!s3) throw new EcgFormatError(path, 'bad-header', 'no section 3 (lead definitions)');
  need(path, s3, 2, 'the lead count');
  const count = s3.body[0];
  const flags = s3.body[1];
  need(path, s3, 2 + count * 9, 'the lead table');
  const leads: LeadDef[] = [];
  for (let k = 0; k < count; k++) {
    const at = 2 + k * 9;
    const id = s3.body[at + 8];
    leads.push({ name: SCP_LEAD_IDS[id] ?? `lead id ${id}`, start: s3.body.readUInt32LE(at), end: s3.body.readUInt32LE(at + 4) });
  }
  return { leads, refBeatSubtraction: (flags & 1) === 1 };
}

interface Encoded {
  avmNv: number;
  intervalUs: number;
  difference: number;
  values: Int32Array[];
}

/** Sections 5 and 6 share a layout: AVM, sample interval, difference order, one flag byte, byte counts, data. */
function decodeData(
  path: string,
  s: Section,
  counts: number[],
  tables: HuffmanEntry[][] | undefined,
  label: string,
): Encoded & { flag: number } {
  need(path, s, 6 + counts.length * 2, `the ${label} header`);
  const avmNv = s.body.readUInt16LE(0);
  const intervalUs = s.body.readUInt16LE(2);
  const difference = s.body[4];
  const flag = s.body[5];
  if (difference > 2) throw new EcgFormatError(path, 'bad-value', `${label}: difference order ${difference} (0, 1 or 2 defined)`);
  if (avmNv === 0) throw new EcgFormatError(path, 'bad-value', `${label}: amplitude value multiplier is 0`);
  let at = 6 + counts.length * 2;
  const values = counts.map((count, k) => {
    const bytes = s.body.readUInt16LE(6 + 2 * k);
    if (at + bytes > s.body.length)
      throw new EcgFormatError(path, 'truncated', `${label} lead ${k + 1}: ${bytes} bytes declared past the section end`);
    const chunk = s.body.subarray(at, at + bytes);
    at += bytes;
    let v: Int32Array;
    if (tables) {
      try {
        v = huffmanDecode(chunk, count, tables);
      } catch (err) {
        if (err instanceof HuffmanError) throw new EcgFormatError(path, 'bad-value', `${label} lead ${k + 1}: ${err.message}`);
        throw err;
      }
    } else {
      if (bytes !== 2 * count) {
        throw new EcgFormatError(
          path,
          bytes > 2 * count ? 'inconsistent' : 'truncated',
          `${label} lead ${k + 1}: ${bytes / 2} samples stored, ${count} declared`,
        );
      }
      v = new Int32Array(count);
      for (let n = 0; n < count; n++) v[n] = chunk.readInt16LE(2 * n);
    }
    return undoDifferences(v, difference);
  });
  return { avmNv, intervalUs, difference, flag, values };
}

/** Adds the reference beat back into each type-0 QRS subtraction zone listed in section 4. */
function addReferenceBeat(path: string, s4: Section | undefined, ref: Int32Array[], rhythm: Int32Array[]): void {
  if (!s4) throw new EcgFormatError(path, 'bad-header', 'reference beat subtraction is flagged but section 4 is missing');
  need(path, s4, 6, 'the QRS header');
  const refFiducial = s4.body.readUInt16LE(2);
  const qrsCount = s4.body.readUInt16LE(4);
  need(path, s4, 6 + qrsCount * 14, 'the QRS table');
  for (let q = 0; q < qrsCount; q++) {
    const at = 6 + q * 14;
    if (s4.body.readUInt16LE(at) !== 0) continue;
    const sb = s4.body.readUInt32LE(at + 2);
    const fc = s4.body.readUInt32LE(at + 6);
    const se = s4.body.readUInt32LE(at + 10);
    rhythm.forEach((lead, k) => {
      for (let s = sb; s <= se; s++) {
        const r = s - fc + refFiducial - 1;
        if (s < 1 || s > lead.length || r < 0 || r >= ref[k].length) {
          throw new EcgFormatError(
            path,
            'inconsistent',
            `QRS ${q + 1}: subtraction zone ${sb}..${se} leaves the signal or the reference beat`,
          );
        }
        lead[s - 1] += ref[k][r];
      }
    });
  }
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b
    .subarray(0, end < 0 ? b.length : end)
    .toString('latin1')
    .trim();
}

const IDENTIFYING_TAGS: Record<number, string> = {
  3: 'secondLastName',
  13: 'referralIndication',
  16: 'acquiringInstitution',
  17: 'analysingInstitution',
  18: 'acquiringDepartment',
  19: 'analysingDepartment',
  20: 'referringPhysician',
  21: 'confirmingPhysician',
  22: 'technician',
  23: 'room',
  30: 'freeText',
};

function metadataOf(path: string, s1: Section | undefined): { clinical: ClinicalMetadata; identifying: IdentifyingMetadata } {
  const clinical: ClinicalMetadata = {};
  const identifying: IdentifyingMetadata = {};
  if (!s1) return { clinical, identifying };
  const other: Record<string, string> = {};
  const names: string[] = [];
  let date: string | undefined;
  let time: string | undefined;
  for (let at = 0; at + 3 <= s1.body.length;) {
    const tag = s1.body[at];
    const len = s1.body.readUInt16LE(at + 1);
    if (tag === 255) break;
    const v = s1.body.subarray(at + 3, at + 3 + len);
    if (v.length < len) throw new EcgFormatError(path, 'truncated', `section 1 tag ${tag} runs past the section end`);
    at += 3 + len;
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    if (tag === 0 || tag === 1) names[tag] = cString(v);
    else if (tag === 2) identifying.patientId = cString(v);
    else if (tag === 4 && len >= 3 && v[2] === 1) clinical.age = v.readUInt16LE(0);
    else if (tag === 5 && len >= 4 && v.readUInt16LE(0) > 0)
      identifying.birthDate = `${pad(v.readUInt16LE(0), 4)}-${pad(v[2])}-${pad(v[3])}`;
    else if (tag === 8 && len >= 1) clinical.sex = ({ 1: 'male', 2: 'female' } as const)[v[0] as 1 | 2] ?? 'unknown';
    else if (tag === 14 && len >= 14 && cString(v.subarray(8, 14))) clinical.device = cString(v.subarray(8, 14));
    else if (tag === 25 && len >= 4) date = `${pad(v.readUInt16LE(0), 4)}-${pad(v[2])}-${pad(v[3])}`;
    else if (tag === 26 && len >= 3) time = `${pad(v[0])}:${pad(v[1])}:${pad(v[2])}`;
    else if (IDENTIFYING_TAGS[tag] && cString(v)) other[IDENTIFYING_TAGS[tag]] = cString(v);
  }
  if (names[0] || names[1]) identifying.name = [names[0], names[1]].filter(Boolean).join(', ');
  if (date) clinical.recordedAt = time ? `${date}T${time}` : date;
  if (Object.keys(other).length) identifying.other = other;
  return { clinical, identifying };
}

async function read(input: ReadInput): Promise<EcgRecord> {
  const { path, bytes } = input;
  const warnings: string[] = [];
  const sections = readSections(path, bytes, warnings);
  const protocol = sections.get(6)?.protocol ?? sections.get(3)?.protocol ?? 0;
  if (!KNOWN_PROTOCOLS.includes(protocol)) {
    warnings.push(
      `${path}: SCP-ECG protocol version ${protocol / 10} is not one this reader knows (${KNOWN_PROTOCOLS.map((p) => p / 10).join(', ')})`,
    );
  }
  const tables = huffmanTables(path, sections.get(2));
  const { leads: defs, refBeatSubtraction } = leadDefinitions(path, sections.get(3));
  const s6 = sections.get(6);
  if (!s6) throw new EcgFormatError(path, 'bad-header', 'no section 6 (rhythm data)');
  const counts = defs.map((d) => checkSampleCount(path, d.end - d.start + 1, `lead ${d.name} (samples ${d.start}..${d.end})`));
  need(path, s6, 4, 'the rhythm data header');
  const intervalUs = s6.body.readUInt16LE(2);
  const samplingRateHz = checkSamplingRate(path, intervalUs > 0 ? 1e6 / intervalUs : Number.NaN, 'sampling rate (section 6 interval)');
  checkHeaderLimits(
    input,
    { format: 'scp-ecg', samplingRateHz, samplesPerLead: counts.length > 0 ? Math.max(...counts) : undefined, channels: counts.length },
    'sampling rate (section 6 interval)',
  );
  const rhythm = decodeData(path, s6, counts, tables, 'rhythm data');
  if (rhythm.flag !== 0) throw new EcgFormatError(path, 'unsupported-encoding', 'bimodal compression is not supported');
  let extra: Record<string, unknown> | undefined;
  const s5 = sections.get(5);
  if (s5) {
    const s4 = sections.get(4);
    const refLength = s4 && s4.body.length >= 2 ? s4.body.readUInt16LE(0) : 0;
    need(path, s5, 4, 'the reference beat header');
    const refRate = checkSamplingRate(path, 1e6 / s5.body.readUInt16LE(2), 'reference beat sampling rate');
    const refCount = checkSampleCount(path, Math.round((refLength * refRate) / 1000), 'reference beat (section 4 length)');
    const ref = decodeData(
      path,
      s5,
      defs.map(() => refCount),
      tables,
      'reference beat',
    );
    if (refBeatSubtraction) {
      if (ref.avmNv !== rhythm.avmNv || ref.intervalUs !== rhythm.intervalUs) {
        throw new EcgFormatError(path, 'unsupported-encoding', 'reference beat and rhythm differ in amplitude or sample interval');
      }
      addReferenceBeat(path, s4, ref.values, rhythm.values);
    }
    extra = {
      referenceBeat: {
        samplingRateHz: refRate,
        leads: defs.map((d, k) => leadFromAdc(path, d.name, ref.values[k], 1e6 / ref.avmNv, 0, 'mV')),
      },
    };
  } else if (refBeatSubtraction) {
    throw new EcgFormatError(path, 'bad-header', 'reference beat subtraction is flagged but section 5 is missing');
  }
  const leads = defs.map((d, k) => leadFromAdc(path, d.name, rhythm.values[k], 1e6 / rhythm.avmNv, 0, 'mV'));
  return assembleRecord({
    format: 'scp-ecg',
    input,
    samplingRateHz,
    leads,
    warnings,
    ...metadataOf(path, sections.get(1)),
    extra: { protocolVersion: protocol / 10, huffman: tables ? (tables[0] === DEFAULT_TABLE ? 'default' : 'custom') : 'none', ...extra },
  });
}

/** Section 0 starts at byte 6 with section id 0 and "SCPECG" in its reserved bytes. */
function sniff({ head, size }: { head: Buffer; size: number }): boolean {
  return (
    head.length >= 22 &&
    head.readUInt16LE(8) === 0 &&
    head.toString('latin1', 16, 22) === 'SCPECG' &&
    head.readUInt32LE(2) <= size &&
    head.readUInt32LE(2) >= 22
  );
}

export const scpEcgReader: FormatReader = { id: 'scp-ecg', sniff, read };
