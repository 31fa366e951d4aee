import { describe, expect, it } from 'vitest';
import { bootstrapIndices, classificationMetrics, type Label } from '../../src/core/audit/classification.ts';
import { seededRandom } from '../../src/shared/seededRandom.ts';
import { runPythonJson } from '../helpers/python.ts';

const PACKAGES = 'numpy scikit-learn';

interface Reference {
  rng: number[][][];
  classes: Record<string, unknown>[];
  macroAuroc: { value: number | null; ci95: [number, number] | null };
  training?: { perClass: Record<string, { auroc: number; ci95: [number, number] }>; macro: { auroc: number; ci95: [number, number] } };
}

/** Labels with a class-dependent signal, ties (scores on a coarse grid) and, optionally, undetermined labels. */
function randomTable(n: number, seed: number, undetermined: boolean) {
  const random = seededRandom(seed);
  const names = ['NORM', 'MI', 'STTC', 'CD', 'HYP'];
  const labels: Label[][] = [];
  const probabilities: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: Label[] = [];
    const p: number[] = [];
    names.forEach((_, c) => {
      const y = random() < 0.15 + 0.1 * c ? 1 : 0;
      row.push(undetermined && random() < 0.1 * c ? null : y);
      p.push(Math.round(Math.min(1, Math.max(0, 0.35 + 0.3 * y + (random() - 0.5) * 0.8)) * 20) / 20);
    });
    labels.push(row);
    probabilities.push(p);
  }
  return { names, labels, probabilities };
}

function expectClose(ours: unknown, theirs: unknown, path = ''): void {
  if (typeof theirs === 'number') {
    expect(typeof ours, path).toBe('number');
    expect(Math.abs((ours as number) - theirs), path).toBeLessThan(1e-12);
  } else if (theirs === null || typeof theirs !== 'object') expect(ours, path).toEqual(theirs);
  else if (Array.isArray(theirs)) theirs.forEach((t, i) => expectClose((ours as unknown[])[i], t, `${path}[${i}]`));
  else for (const [k, v] of Object.entries(theirs as object)) expectClose((ours as Record<string, unknown>)[k], v, `${path}.${k}`);
}

describe('classification metrics', () => {
  it("draw numpy default_rng(seed).integers(0, n, n) resamples bit for bit (training's bootstrap)", () => {
    const checks: [number, number, number][] = [
      [0, 64, 3],
      [0, 2159, 2],
      [1, 1, 2],
      [12345, 100_003, 1],
      [2 ** 40 + 7, 97, 4],
    ];
    const ref = runPythonJson<Reference>('classification_reference.py', { rngChecks: checks }, PACKAGES);
    checks.forEach(([seed, n, b], k) => {
      expect(bootstrapIndices(n, b, seed).map((a) => Array.from(a))).toEqual(ref.rng[k]);
    });
  });

  for (const [n, undetermined] of [
    [240, false],
    [180, true],
  ] as const) {
    it(`match scikit-learn and training/metrics.py on ${n} records${undetermined ? ' with undetermined labels' : ''}`, () => {
      const table = randomTable(n, n, undetermined);
      const options = { threshold: 0.5, replicates: 200, seed: 7 };
      const ours = classificationMetrics(table.names, table.labels, table.probabilities, options);
      const ref = runPythonJson<Reference>('classification_reference.py', { ...table, ...options }, PACKAGES);
      ref.classes.forEach((c, i) => expectClose({ ...ours.classes[i] }, c, c.name as string));
      expectClose(ours.macroAuroc.value, ref.macroAuroc.value, 'macro');
      expectClose(ours.macroAuroc.ci95, ref.macroAuroc.ci95, 'macro ci');
      if (!undetermined) {
        // the model card's own code: same points, same intervals
        const t = ref.training!;
        for (const c of ours.classes) {
          expectClose(c.auroc.value, t.perClass[c.name]!.auroc, `${c.name} training`);
          expectClose(c.auroc.ci95, t.perClass[c.name]!.ci95, `${c.name} training ci`);
        }
        expectClose(ours.macroAuroc.value, t.macro.auroc, 'training macro');
        expectClose(ours.macroAuroc.ci95, t.macro.ci95, 'training macro ci');
      }
    });
  }

  it('leave undefined figures null instead of inventing them', () => {
    const m = classificationMetrics(
      ['A', 'B'],
      [
        [1, null],
        [1, null],
        [1, 0],
      ],
      [
        [0.9, 0.1],
        [0.2, 0.4],
        [0.6, 0.7],
      ],
      { threshold: 0.5 },
    );
    expect(m.classes[0]).toMatchObject({ n: 3, positives: 3, auroc: { value: null, ci95: null }, specificity: null, sensitivity: 2 / 3 });
    expect(m.classes[1]).toMatchObject({
      n: 1,
      positives: 0,
      auroc: { value: null },
      auprc: { value: null },
      sensitivity: null,
      specificity: 0,
    });
    expect(m.macroAuroc).toMatchObject({ value: null, ci95: null, classes: 0 });
  });
});
