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

interface Node {
  zero?: Node;
  one?: Node;
  entry?: HuffmanEntry;
}

function buildTree(table: HuffmanEntry[]): Node {
  const root: Node = {};
  for (const e of table) {
    if (e.prefixBits < 1 || e.prefixBits > 32 || e.totalBits < e.prefixBits || e.totalBits - e.prefixBits > 32) {
      throw new HuffmanError(`Huffman entry with ${e.prefixBits} prefix / ${e.totalBits} total bits`);
    }
    let node = root;
    for (let b = 0; b < e.prefixBits; b++) {
      if (node.entry) throw new HuffmanError('Huffman table is not a prefix code');
      const bit = (e.baseCode >>> b) & 1;
      node = bit ? (node.one ??= {}) : (node.zero ??= {});
    }
    if (node.entry || node.zero || node.one) throw new HuffmanError('Huffman table is not a prefix code');
    node.entry = e;
  }
  return root;
}

/** Decodes exactly `count` values (trailing pad bits are ignored), or throws when the data runs out or is invalid. */
export function huffmanDecode(data: Uint8Array, count: number, tables: HuffmanEntry[][]): Int32Array {
  const trees = tables.map(buildTree);
  const out = new Int32Array(count);
  const totalBits = data.length * 8;
  let bit = 0;
  const readBit = () => (data[bit >> 3] >> (7 - (bit++ & 7))) & 1;
  let tree = trees[0];
  let n = 0;
  while (n < count) {
    let node = tree;
    while (!node.entry) {
      if (bit >= totalBits) throw new HuffmanError(`Huffman data ends after ${n} of ${count} values`);
      const next = readBit() ? node.one : node.zero;
      if (!next) throw new HuffmanError(`invalid Huffman code at bit ${bit}`);
      node = next;
    }
    const e = node.entry;
    if (e.modeSwitch === 0) {
      const t = trees[e.baseValue - 1];
      if (!t) throw new HuffmanError(`switch to Huffman table ${e.baseValue}, of ${trees.length}`);
      tree = t;
      continue;
    }
    const extra = e.totalBits - e.prefixBits;
    if (extra === 0) {
      out[n++] = e.baseValue;
      continue;
    }
    if (bit + extra > totalBits) throw new HuffmanError(`Huffman data ends inside a ${extra}-bit value`);
    let v = 0;
    for (let b = 0; b < extra; b++) v = v * 2 + readBit();
    out[n++] = v >= 2 ** (extra - 1) ? v - 2 ** extra : v;
  }
  return out;
}

/** Undoes first (x[n] = x[n-1] + d[n]) or second (x[n] = d[n] + 2x[n-1] - x[n-2]) differences in place. */
export function undoDifferences(d: Int32Array, order: number): Int32Array {
  if (order === 1) for (let n = 1; n < d.length; n++) d[n] = d[n] + d[n - 1];
  if (order === 2) for (let n = 2; n < d.length; n++) d[n] = d[n] + 2 * d[n - 1] - d[n - 2];
  return d;
}
