/**
 * Audit packages on 100 real LUDB records (tiny model): exporting a study package against an SQLite online
 * backup of the whole database, verifying its content hash against sha256 of the raw file bytes, and merging
 * three raters' label histories against appending the same number of labels in one database (appendLabel),
 * all measured in the same run; plus package bytes per record and the cost of a repeated (no-op) merge.
 */
import { copyFileSync, createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLabelsPackage, exportStudyPackage, mergeLabelPackages, verifyPackage, withReadonly } from '../src/core/package/index.ts';
import { backupStore, openStore } from '../src/core/store/index.ts';
import { buildResearcherDb, labelAsRater, STUDY, withDb } from '../tests/package/fixture.ts';
import { type BenchResult, withRatio } from './harness.ts';

const RECORDS = 100;
const RATERS = [
  { name: 'Dr. A', seed: 1 },
  { name: 'Dr. B', seed: 2 },
  { name: 'Dr. C', seed: 3 },
];

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export default async function packageBench(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ecg-package-bench-'));
  try {
    const researcher = join(dir, 'researcher.sqlite');
    await buildResearcherDb(researcher, RECORDS);

    let t0 = performance.now();
    const source = openStore(researcher);
    await backupStore(source, join(dir, 'backup.sqlite'));
    source.close();
    const backupMs = performance.now() - t0;
    const pkg = join(dir, 'study.ecgaudit');
    t0 = performance.now();
    withDb(researcher, (db) => exportStudyPackage(db, researcher, { studyName: STUDY, out: pkg, randomiseOrder: true, seed: 1 }));
    const exportMs = performance.now() - t0;

    t0 = performance.now();
    await fileSha256(pkg);
    const rawHashMs = performance.now() - t0;
    t0 = performance.now();
    withReadonly(pkg, (db) => verifyPackage(db, pkg));
    const verifyMs = performance.now() - t0;

    const labelFiles: string[] = [];
    let labels = 0;
    for (const [i, rater] of RATERS.entries()) {
      const copy = join(dir, `rater${i}.ecgaudit`);
      copyFileSync(pkg, copy);
      labels += withDb(copy, (db) => labelAsRater(db, rater)).labels;
      const out = join(dir, `labels${i}.ecgaudit`);
      withDb(copy, (db) => exportLabelsPackage(db, copy, { studyName: STUDY, out }));
      labelFiles.push(out);
    }
    const shared = join(dir, 'shared.sqlite');
    copyFileSync(researcher, shared);
    t0 = performance.now();
    withDb(shared, (db) => RATERS.forEach((r) => labelAsRater(db, r)));
    const appendMs = performance.now() - t0;
    t0 = performance.now();
    withDb(researcher, (db) => mergeLabelPackages(db, researcher, labelFiles));
    const mergeMs = performance.now() - t0;
    t0 = performance.now();
    withDb(researcher, (db) => mergeLabelPackages(db, researcher, labelFiles));
    const remergeMs = performance.now() - t0;

    const pkgKb = statSync(pkg).size / 1024 / RECORDS;
    const dbKb = statSync(join(dir, 'backup.sqlite')).size / 1024 / RECORDS;
    return {
      name: 'package',
      description: `Audit packages of ${RECORDS} LUDB records (tiny model), 3 raters, ${labels} labels`,
      figures: [
        withRatio({
          metric: 'export study package',
          value: exportMs,
          unit: 'ms',
          baseline: { name: 'online backup of the database', value: backupMs },
        }),
        withRatio({
          metric: 'verify content hash',
          value: verifyMs,
          unit: 'ms',
          baseline: { name: 'sha256 of the file bytes', value: rawHashMs },
        }),
        withRatio({ metric: 'package size per record', value: pkgKb, unit: 'KiB', baseline: { name: 'researcher database', value: dbKb } }),
        withRatio({
          metric: `merge 3 raters (${labels} labels)`,
          value: mergeMs,
          unit: 'ms',
          baseline: { name: 'appendLabel of the same labels', value: appendMs },
        }),
        withRatio({ metric: 'repeated merge (no-op)', value: remergeMs, unit: 'ms', baseline: { name: 'first merge', value: mergeMs } }),
      ],
      notes: ['Merging includes opening and verifying every labels package; appendLabel writes one transaction per label.'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
