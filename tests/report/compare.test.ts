/**
 * Comparing two audits: the tiny model and the hand-built linear model run over the same LUDB records in two
 * studies of one database, each labelled by seeded raters. Paired differences are checked against figures
 * computed here from the store, each record's AUCs against the whole-study faithfulness pass, and the CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImport } from '../../src/core/import/index.ts';
import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import { InferencePool } from '../../src/core/inference/pool.ts';
import type { Comparison } from '../../src/core/report/compare.ts';
import { generateComparison } from '../../src/core/report/generateCompare.ts';
import { generateReport } from '../../src/core/report/generate.ts';
import { type Db, findStudy, inForce, labelHistory, openStore } from '../../src/core/store/index.ts';
import { writeLinearModel } from '../helpers/linearModel.ts';
import { repoPath, sharedDataDir } from '../helpers/sharedData.ts';
import { synthesizeLabels } from '../helpers/syntheticLabels.ts';
import { TINY_MODEL_DIR } from '../import/helpers.ts';

// above the statistics' minimum number of units (MIN_UNITS), so every difference is reported
const RECORDS = 12;
let work: string;
let dbPath: string;
let db: Db;
let linearDir: string;
let comparison: Comparison;
let files: string[];

async function importWith(modelDir: string, study: string, seed: number): Promise<void> {
  const pool = await InferencePool.open(modelDir, { providers: ['cpu'] });
  try {
    const ludb = join(sharedDataDir(), 'ludb', 'data');
    const inputs = Array.from({ length: RECORDS }, (_, i) => join(ludb, `${i + 1}.hea`));
    const model = { manifest: loadModelFolder(modelDir).manifest, predictBatch: pool.predictBatch.bind(pool) };
    const summary = await startImport(db, { inputs, study, model }).done;
    expect(summary.imported).toBe(RECORDS);
    synthesizeLabels(db, { studyId: summary.studyId, raterNames: ['R one', 'R two'], seed });
  } finally {
    await pool.close();
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ecg-compare-'));
  dbPath = join(work, 'audit.sqlite');
  db = openStore(dbPath);
  linearDir = writeLinearModel();
  await importWith(TINY_MODEL_DIR, 'tiny', 1);
  await importWith(linearDir, 'linear', 2);
  ({ files, comparison } = await generateComparison(
    { db, label: 'A', study: 'tiny', modelDir: TINY_MODEL_DIR },
    { db, label: 'B', study: 'linear', modelDir: linearDir },
    {
      outDir: join(work, 'out'),
      faithfulness: true,
      settings: { bootstrapResamples: 200, deletionSteps: 10, faithfulnessMaxRecords: 0 },
      pdf: null,
    },
  ));
}, 300_000);
afterAll(() => db?.close());

/** Per record (by pseudonym order, which pairs the two imports of the same files): valid share of its region labels. */
function validSharesByRecord(study: string): number[] {
  const studyId = findStudy(db, study)!.id;
  const records = db.prepare('SELECT id FROM records WHERE study_id = ? ORDER BY content_sha256').all(studyId) as { id: number }[];
  const labels = labelHistory(db).filter((l) => inForce(l) && l.targetKind === 'region');
  return records.map(({ id }) => {
    const mine = labels.filter((l) => l.recordId === id);
    return mine.length ? mine.filter((l) => l.value === 'valid').length / mine.length : Number.NaN;
  });
}

describe('comparison of two models over the same records', () => {
  it('pairs every record by its signal and writes the files', () => {
    expect(comparison.sharedRecords).toBe(RECORDS);
    expect(files.map((f) => f.slice(join(work, 'out').length + 1))).toEqual(['compare.json', 'compare.html']);
    expect(comparison.a.model!.id).not.toBe(comparison.b.model!.id);
    const html = readFileSync(files[1]!, 'utf8');
    expect(html).toContain(`Paired differences over the ${RECORDS} records both audits hold`);
    expect(html).toContain('How to read this');
  });

  it('the valid-share difference is the mean of per-record differences computed from the store', () => {
    const a = validSharesByRecord('tiny');
    const b = validSharesByRecord('linear');
    const diffs = a.map((x, i) => x - b[i]!).filter(Number.isFinite);
    const d = comparison.differences.find((x) => x.metric === 'validShare')!;
    expect(d.records).toBe(diffs.length);
    expect(d.difference.estimate!).toBeCloseTo(diffs.reduce((s, v) => s + v, 0) / diffs.length, 12);
    expect(d.difference.ci!.low).toBeLessThanOrEqual(d.difference.estimate!);
    expect(d.difference.ci!.high).toBeGreaterThanOrEqual(d.difference.estimate!);
  });

  it("each record's AUCs, computed alone, average to the whole-study faithfulness pass", async () => {
    expect(comparison.faithfulnessRecords).toBe(RECORDS);
    for (const [side, study, modelDir] of [
      ['a', 'tiny', TINY_MODEL_DIR],
      ['b', 'linear', linearDir],
    ] as const) {
      const { report } = await generateReport(db, {
        outDir: join(work, `report-${study}`),
        study,
        modelDir,
        settings: { bootstrapResamples: 0, deletionSteps: 10, faithfulnessMaxRecords: 0 },
        pdf: null,
      });
      const main = report.faithfulness!.curves.find((c) => c.order === comparison.faithfulnessOrder)!;
      expect(comparison[side].perRecord.deletionAuc.mean!).toBeCloseTo(main.deletionAuc.mean!, 12);
      expect(comparison[side].perRecord.insertionAuc.mean!).toBeCloseTo(main.insertionAuc.mean!, 12);
    }
    const d = comparison.differences.find((x) => x.metric === 'deletionAuc')!;
    expect(d.records).toBe(RECORDS);
    expect(d.difference.estimate!).toBeCloseTo(d.meanA! - d.meanB!, 12);
  }, 300_000);

  it('the CLI compares the other way round, with the differences negated', () => {
    const out = join(work, 'cli');
    const args = [
      'compare',
      '--db',
      dbPath,
      '--study',
      'linear',
      '--model-dir',
      linearDir,
      '--with-study',
      'tiny',
      '--with-model-dir',
      TINY_MODEL_DIR,
    ];
    const res = spawnSync(
      process.execPath,
      [
        repoPath('bin/ecg-audit.mjs'),
        ...args,
        '--out',
        out,
        '--no-pdf',
        '--json',
        '--bootstrap',
        '50',
        '--steps',
        '10',
        '--no-faithfulness',
      ],
      { encoding: 'utf8' },
    );
    expect(res.status, res.stderr).toBe(0);
    const printed = JSON.parse(res.stdout) as { sharedRecords: number; differences: Comparison['differences'] };
    expect(printed.sharedRecords).toBe(RECORDS);
    const mine = comparison.differences.find((x) => x.metric === 'validShare')!;
    const theirs = printed.differences.find((x) => x.metric === 'validShare')!;
    expect(theirs.difference.estimate!).toBeCloseTo(-mine.difference.estimate!, 12);
    expect(printed.differences.find((x) => x.metric === 'deletionAuc')!.records).toBe(0);
  }, 120_000);
});
