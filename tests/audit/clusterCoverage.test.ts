import { describe, expect, it } from 'vitest';
import { cohenKappa, ratingTable, type RatingTable } from '../../src/core/audit/agreement.ts';
import { bootstrapAll, clusteredWilson, wilson } from '../../src/core/audit/stats.ts';
import { seededRandom } from '../../src/shared/seededRandom.ts';

/**
 * Studies simulated with record-level effects: each record has a latent level (how often its regions are
 * valid) and a difficulty (how often two raters see the same thing), shared by its regions. The intervals that
 * resample or correct for records must cover the true value about 95 % of the time; those that treat regions as
 * independent cover far less (here 0.77 and 0.84; the issue measured 0.66 and 0.80 in its own simulation).
 */
const RECORDS = 30;
const REGIONS = 8;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Study {
  /** Per record and region: rater A's and rater B's verdict (1 = valid). */
  a: Uint8Array;
  b: Uint8Array;
  records: number;
}

function simulate(records: number, random: () => number): Study {
  const a = new Uint8Array(records * REGIONS);
  const b = new Uint8Array(records * REGIONS);
  for (let r = 0; r < records; r++) {
    const level = sigmoid(0.4 + 2.5 * normal(random));
    const see = sigmoid(1 + 2.2 * normal(random));
    for (let g = 0; g < REGIONS; g++) {
      const truth = random() < level ? 1 : 0;
      const i = r * REGIONS + g;
      a[i] = random() < see ? truth : random() < 0.5 ? 1 : 0;
      b[i] = random() < see ? truth : random() < 0.5 ? 1 : 0;
    }
  }
  return { a, b, records };
}

function table(s: Study): RatingTable {
  const ratings = Array.from(s.a, (v, i) => [
    { unit: String(i), rater: 'A', value: String(v) },
    { unit: String(i), rater: 'B', value: String(s.b[i]) },
  ]).flat();
  return ratingTable(ratings, { categories: ['1', '0'] });
}

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('coverage of the intervals under record-level effects (seeded simulation)', () => {
  const random = seededRandom(20261130);
  const population = simulate(50_000, random);
  const trueShare = population.a.reduce((s, v) => s + v, 0) / population.a.length;
  const trueKappa = cohenKappa(table(population), 0, 1, all(population.a.length));
  const studies = Array.from({ length: 200 }, () => simulate(RECORDS, random));

  it('Wilson at the effective sample size covers about 95 %; plain Wilson does not', () => {
    let clustered = 0;
    let plain = 0;
    for (const s of studies) {
      const per = Array.from({ length: s.records }, (_, r) => ({
        count: s.a.subarray(r * REGIONS, (r + 1) * REGIONS).reduce((x, v) => x + v, 0),
        total: REGIONS,
      }));
      const c = clusteredWilson(per).ci!;
      if (c.low <= trueShare && trueShare <= c.high) clustered++;
      const count = per.reduce((x, p) => x + p.count, 0);
      const w = wilson(count, s.records * REGIONS).ci!;
      if (w.low <= trueShare && trueShare <= w.high) plain++;
    }
    expect(clustered / studies.length).toBeGreaterThan(0.91);
    expect(clustered / studies.length).toBeLessThan(0.99);
    expect(plain / studies.length).toBeLessThan(0.85);
  });

  it("the cluster bootstrap of Cohen's kappa covers about 95 %; resampling regions does not", () => {
    let clustered = 0;
    let units = 0;
    const settings = { resamples: 200, seed: 7 };
    for (const s of studies) {
      const t = table(s);
      const kappa = { value: (idx: Uint32Array) => cohenKappa(t, 0, 1, idx), uses: () => true };
      const records = Int32Array.from(all(t.rows.length), (u) => Math.floor(u / REGIONS));
      const c = bootstrapAll(t.rows.length, { kappa }, settings, records).kappa.ci!;
      if (c.low <= trueKappa && trueKappa <= c.high) clustered++;
      const u = bootstrapAll(t.rows.length, { kappa }, settings).kappa.ci!;
      if (u.low <= trueKappa && trueKappa <= u.high) units++;
    }
    expect(clustered / studies.length).toBeGreaterThan(0.9);
    expect(clustered / studies.length).toBeLessThan(0.99);
    expect(units / studies.length).toBeLessThan(0.88);
  });
});
