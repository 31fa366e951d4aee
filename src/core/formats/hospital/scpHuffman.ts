/**
 * SCP-ECG (EN 1064) Huffman coding. Codes are read MSB first; each table entry gives the prefix length, the total
 * length (total > prefix: the value follows the prefix as a two's complement integer of total - prefix bits),
 * a mode switch (0: switch to table `baseValue`), the base value and the base code, stored bit-reversed.
 */

export interface HuffmanEntry {
  prefixBits: number;
  totalBits: number;
  modeSwitch: number;
  baseValue: number;
  /** The prefix as the file stores it: its first bit in the least significant position. */
  baseCode: number;
}

/** The default table of the standard (section 2 holds 19999): 0, +-1..+-8, then 8- and 16-bit escapes. */
export const DEFAULT_TABLE: HuffmanEntry[] = (() => {
  const entries: HuffmanEntry[] = [{ prefixBits: 1, totalBits: 1, modeSwitch: 1, baseValue: 0, baseCode: 0 }];
  const reverse = (code: number, bits: number) => {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((code >> b) & 1) << (bits - 1 - b);
    return r;
  };
  for (let v = 1; v <= 8; v++) {
    const bits = v + 2;
    const ones = ((1 << v) - 1) << 2; // v ones, then 0, then the sign bit
    entries.push({ prefixBits: bits, totalBits: bits, modeSwitch: 1, baseValue: v, baseCode: reverse(ones, bits) });
    entries.push({ prefixBits: bits, totalBits: bits, modeSwitch: 1, baseValue: -v, baseCode: reverse(ones | 1, bits) });
  }
  entries.push({ prefixBits: 10, totalBits: 18, modeSwitch: 1, baseValue: 0, baseCode: reverse(0b1111111110, 10) });
  entries.push({ prefixBits: 10, totalBits: 26, modeSwitch: 1, baseValue: 0, baseCode: reverse(0b1111111111, 10) });
  return entries;
})();

export class HuffmanError extends Error {}

/** Longest prefix a table may use; lookup tables are indexed by this many upcoming bits. */
const MAX_PREFIX_BITS = 16;

/** For every value of the next `bits` bits (MSB first): the entry whose prefix they start with. */
interface Lookup {
  bits: number;
  entries: (HuffmanEntry | undefined)[];
}

function buildLookup(table: HuffmanEntry[]): Lookup {
  const bits = Math.max(...table.map((e) => e.prefixBits));
  if (table.length === 0 || bits > MAX_PREFIX_BITS) {
    throw new HuffmanError(`Huffman table with ${table.length} entries and ${bits}-bit prefixes is not supported`);
  }
  const entries: (HuffmanEntry | undefined)[] = new Array(1 << bits);
  for (const e of table) {
    if (e.prefixBits < 1 || e.totalBits < e.prefixBits || e.totalBits - e.prefixBits > 31) {
      throw new HuffmanError(`Huffman entry with ${e.prefixBits} prefix / ${e.totalBits} total bits`);
    }
    let code = 0;
    for (let b = 0; b < e.prefixBits; b++) code = (code << 1) | ((e.baseCode >>> b) & 1);
    const free = bits - e.prefixBits;
    for (let fill = 0; fill < 1 << free; fill++) {
      const index = (code << free) | fill;
      if (entries[index]) throw new HuffmanError('Huffman table is not a prefix code');
      entries[index] = e;
    }
  }
  return { bits, entries };
}

/** Decodes exactly `count` values (trailing pad bits are ignored), or throws when the data runs out or is invalid. */
export function huffmanDecode(data: Uint8Array, count: number, tables: HuffmanEntry[][]): Int32Array {
  const lookups = tables.map(buildLookup);
  const out = new Int32Array(count);
  const totalBits = data.length * 8;
  // MSB-first bit window: `acc` holds `accBits` unread bits (at most 23 + 8), zero bytes past the end
  let acc = 0;
  let accBits = 0;
  let pos = 0;
  const peek = (n: number): number => {
    while (accBits < n) {
      acc = ((acc & 0x7fffff) << 8) | (pos < data.length ? data[pos] : 0);
      pos++;
      accBits += 8;
    }
    return (acc >>> (accBits - n)) & ((1 << n) - 1);
  };
  const read = (n: number): number => {
    if (n > 16) return read(n - 16) * 65536 + read(16);
    const v = peek(n);
    accBits -= n;
    return v;
  };
  let lookup = lookups[0];
  let n = 0;
  while (n < count) {
    const bit = pos * 8 - accBits;
    if (bit >= totalBits) throw new HuffmanError(`Huffman data ends after ${n} of ${count} values`);
    const e = lookup.entries[peek(lookup.bits)];
    if (!e) throw new HuffmanError(`invalid Huffman code at bit ${bit}`);
    if (bit + e.totalBits > totalBits) throw new HuffmanError(`Huffman data ends inside a code after ${n} of ${count} values`);
    accBits -= e.prefixBits;
    if (e.modeSwitch === 0) {
      const next = lookups[e.baseValue - 1];
      if (!next) throw new HuffmanError(`switch to Huffman table ${e.baseValue}, of ${lookups.length}`);
      lookup = next;
      continue;
    }
    const extra = e.totalBits - e.prefixBits;
    if (extra === 0) out[n++] = e.baseValue;
    else {
      const v = read(extra);
      out[n++] = v >= 2 ** (extra - 1) ? v - 2 ** extra : v;
    }
  }
  return out;
}

/** Undoes first (x[n] = x[n-1] + d[n]) or second (x[n] = d[n] + 2x[n-1] - x[n-2]) differences in place. */
export function undoDifferences(d: Int32Array, order: number): Int32Array {
  if (order === 1) for (let n = 1; n < d.length; n++) d[n] = d[n] + d[n - 1];
  if (order === 2) for (let n = 2; n < d.length; n++) d[n] = d[n] + 2 * d[n - 1] - d[n - 2];
  return d;
}
