/**
 * mulberry32: a small 32-bit seeded generator, uniform on [0, 1), that gives the same sequence in every
 * JavaScript engine. Reports draw their bootstrap resamples from it and the viewer its per-rater worklist order,
 * so both can be reproduced from a seed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a text: a 32-bit seed (the viewer's per-rater worklist order is seeded by rater id and study id). */
export function seedFromText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
