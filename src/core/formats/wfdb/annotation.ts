/**
 * WFDB annotation files in MIT format, and LUDB-style wave delineation: "(" onset, a peak symbol
 * (p = P wave, N = QRS, t = T wave), ")" offset, one file per lead.
 */
import { EcgFormatError } from '../errors.ts';
import type { WaveAnnotation, WaveKind } from '../record.ts';

/** Annotation codes -> symbols, as in WFDB's ecgcodes.h (and wfdb-python's ann_label_table). */
const SYMBOLS: Record<number, string> = {
  0: ' ',
  1: 'N',
  2: 'L',
  3: 'R',
  4: 'a',
  5: 'V',
  6: 'F',
  7: 'J',
  8: 'A',
  9: 'S',
  10: 'E',
  11: 'j',
  12: '/',
  13: 'Q',
  14: '~',
  16: '|',
  18: 's',
  19: 'T',
  20: '*',
  21: 'D',
  22: '"',
  23: '=',
  24: 'p',
  25: 'B',
  26: '^',
  27: 't',
  28: '+',
  29: 'u',
  30: '?',
  31: '!',
  32: '[',
  33: ']',
  34: 'e',
  35: 'n',
  36: '@',
  37: 'x',
  38: 'f',
  39: '(',
  40: ')',
  41: 'r',
};

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;

export interface RawAnnotations {
  sample: number[];
  symbol: string[];
}

export function parseMitAnnotations(path: string, bytes: Buffer): RawAnnotations {
  const sample: number[] = [];
  const symbol: string[] = [];
  let t = 0;
  let p = 0;
  const word = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  while (p + 1 < bytes.length) {
    const w = word(p);
    p += 2;
    const code = w >> 10;
    const interval = w & 0x3ff;
    if (code === 0 && interval === 0) return { sample, symbol };
    if (code === SKIP) {
      if (p + 4 > bytes.length) break;
      // A 32-bit interval stored as two 16-bit words, high word first (PDP-11 order).
      const skip = (word(p) << 16) | word(p + 2) | 0;
      t += skip;
      p += 4;
    } else if (code === AUX) {
      p += interval + (interval & 1);
    } else if (code === NUM || code === SUB || code === CHN) {
      // Modifiers of the previous annotation: irrelevant to wave delineation.
    } else {
      t += interval;
      const sym = SYMBOLS[code];
      if (sym === undefined) throw new EcgFormatError(path, 'bad-value', `annotation code ${code} at byte ${p - 2} is not defined`);
      sample.push(t);
      symbol.push(sym);
    }
  }
  // A file may end without the 0 0 end marker; ending inside an entry is damage.
  if (p === bytes.length) return { sample, symbol };
  throw new EcgFormatError(path, 'truncated', 'annotation file ends inside an entry');
}

const WAVE_OF: Record<string, WaveKind> = { p: 'P', N: 'QRS', t: 'T' };

/**
 * Pairs each peak symbol with the "(" just before it and the ")" just after it.
 * Returns the intervals and how many peaks lacked an onset or offset (skipped).
 */
export function toWaveAnnotations(raw: RawAnnotations, lead: string, fs: number): { waves: WaveAnnotation[]; incomplete: number } {
  const waves: WaveAnnotation[] = [];
  let incomplete = 0;
  const { sample, symbol } = raw;
  for (let i = 0; i < symbol.length; i++) {
    const kind = WAVE_OF[symbol[i]];
    if (!kind) continue;
    const onset = i > 0 && symbol[i - 1] === '(' ? sample[i - 1] : undefined;
    const offset = i + 1 < symbol.length && symbol[i + 1] === ')' ? sample[i + 1] : undefined;
    if (onset === undefined || offset === undefined) {
      incomplete++;
      continue;
    }
    waves.push({
      lead,
      kind,
      onsetS: onset / fs,
      peakS: sample[i] / fs,
      offsetS: offset / fs,
      onsetSample: onset,
      peakSample: sample[i],
      offsetSample: offset,
    });
  }
  return { waves, incomplete };
}
