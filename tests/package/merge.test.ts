import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportLabelsPackage,
  exportStudyPackage,
  importStudyPackage,
  mergeLabelPackages,
  PackageError,
  portableLabels,
  readPackageLabels,
} from '../../src/core/package/index.ts';
import type { PortableLabel } from '../../src/core/package/portable.ts';
import { agreementSection } from '../../src/core/report/agreement.ts';
import { loadStudyData } from '../../src/core/report/data.ts';
import { type Db, findStudy, listRaters } from '../../src/core/store/index.ts';
import { buildResearcherDb, labelAsRater, type SimulatedRater, STUDY, withDb } from './fixture.ts';

const RATERS: SimulatedRater[] = [
  { name: 'Dr. Ada Byron', seed: 11 },
  { name: 'Dr. Ben Okafor', seed: 22 },
  { name: 'Dr. Chen Li', seed: 33 },
];
const RECORDS = 12;

let dir: string;
let researcherDb: string;
let studyPackage: string;
const labelPackages: string[] = [];

/** A researcher database copy to merge into. */
function freshTarget(name: string): string {
  const path = join(dir, name);
  copyFileSync(researcherDb, path);
  return path;
}

function studyLabels(db: Db): PortableLabel[] {
  return portableLabels(db, findStudy(db, STUDY)!.id);
}

/** Everything a merge could change, to prove a refused merge changed nothing. */
function snapshot(path: string): unknown {
  return withDb(path, (db) => ({
    labels: db.prepare('SELECT * FROM labels ORDER BY id').all(),
    raters: db.prepare('SELECT * FROM raters ORDER BY id').all(),
    records: db.prepare('SELECT COUNT(*) AS n FROM records').get(),
    settings: db.prepare('SELECT * FROM settings ORDER BY key').all(),
  }));
}

/**
 * The figures without their bootstrap intervals, which depend on the order units are listed in; that order
 * also changes floating-point sums in the last bits, hence 12 significant digits.
 */
function roundedFigures(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(roundedFigures);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundedFigures(v)]));
  }
  return value;
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

function expectRefused(work: () => unknown, problem: PackageError['problem'], message: RegExp): void {
  let error: unknown;
  try {
    work();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(PackageError);
  expect((error as PackageError).problem).toBe(problem);
  expect((error as PackageError).message).toMatch(message);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecg-audit-package-'));
  researcherDb = join(dir, 'researcher.sqlite');
  await buildResearcherDb(researcherDb, RECORDS);
  studyPackage = join(dir, 'study.ecgaudit');
  withDb(researcherDb, (db) =>
    exportStudyPackage(db, researcherDb, { studyName: STUDY, out: studyPackage, hideProbabilities: true, randomiseOrder: true, seed: 7 }),
  );
  // Each rater labels in their own copy of the package (it is their database), then exports the history.
  for (const [i, rater] of RATERS.entries()) {
    const copy = join(dir, `rater${i}.ecgaudit`);
    copyFileSync(studyPackage, copy);
    withDb(copy, (db) => labelAsRater(db, rater));
    const out = join(dir, `rater${i}-labels.ecgaudit`);
    withDb(copy, (db) => exportLabelsPackage(db, copy, { studyName: STUDY, out }));
    labelPackages.push(out);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('merging three raters', () => {
  it('gives identical label tables in every order and when repeated, holding every rater full history', () => {
    const tables: string[] = [];
    for (const [i, order] of permutations(labelPackages).entries()) {
      const target = freshTarget(`merge-${i}.sqlite`);
      const first = withDb(target, (db) => mergeLabelPackages(db, target, order));
      const second = withDb(target, (db) => mergeLabelPackages(db, target, order));
      expect(first.labelsAdded).toBeGreaterThan(0);
      expect(second.labelsAdded).toBe(0);
      expect(second.labelsAlreadyPresent).toBe(first.labelsAdded);
      // Merging files one by one, in this order, lands in the same place.
      const oneByOne = freshTarget(`merge-${i}-single.sqlite`);
      for (const p of order) withDb(oneByOne, (db) => mergeLabelPackages(db, oneByOne, [p]));
      const merged = withDb(target, studyLabels);
      expect(withDb(oneByOne, studyLabels)).toEqual(merged);
      tables.push(JSON.stringify(merged));
    }
    expect(tables).toHaveLength(6);
    expect(new Set(tables).size).toBe(1);

    const merged = JSON.parse(tables[0]!) as PortableLabel[];
    const sent = labelPackages.flatMap((p) => readPackageLabels(p).labels).sort((a, b) => a.id.localeCompare(b.id));
    expect(merged).toEqual(sent);
    // Histories: some labels were superseded, every chain is intact, one current label per rater and target.
    const ids = new Set(merged.map((l) => l.id));
    const superseded = merged.filter((l) => l.supersedes !== null);
    expect(superseded.length).toBeGreaterThan(5);
    for (const l of superseded) expect(ids.has(l.supersedes!)).toBe(true);
    const supersededIds = new Set(superseded.map((l) => l.supersedes));
    const current = merged.filter((l) => !supersededIds.has(l.id));
    const keys = current.map((l) => `${l.raterId}|${l.recordSha256}|${l.targetKey}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Withdrawals travel like any label: each still withdraws its rater's label on the same target.
    const byId = new Map(merged.map((l) => [l.id, l]));
    const withdrawals = merged.filter((l) => l.value === 'withdrawn');
    expect(withdrawals.length).toBeGreaterThan(3);
    for (const w of withdrawals) {
      const withdrawn = byId.get(w.supersedes!)!;
      expect([withdrawn.raterId, withdrawn.recordSha256, withdrawn.targetKey]).toEqual([w.raterId, w.recordSha256, w.targetKey]);
      expect(withdrawn.value).not.toBe('withdrawn');
    }
    expect(current.some((l) => l.value === 'withdrawn')).toBe(true);
    expect(new Set(merged.map((l) => l.raterId)).size).toBe(3);
  });

  it('gives the same agreement figures as one database where all three labelled', async () => {
    const target = freshTarget('merged-for-agreement.sqlite');
    withDb(target, (db) => mergeLabelPackages(db, target, [...labelPackages].reverse()));
    const otherOrder = freshTarget('merged-other-order.sqlite');
    withDb(otherOrder, (db) => mergeLabelPackages(db, otherOrder, labelPackages));
    const shared = freshTarget('shared.sqlite');
    withDb(shared, (db) => RATERS.forEach((r) => labelAsRater(db, r)));

    const settings = { resamples: 200, seed: 5 };
    const figures = (path: string) =>
      agreementSection(
        withDb(path, (db) => loadStudyData(db, { study: STUDY })),
        settings,
      );
    const merged = await figures(target);
    expect(merged.interRater.regions.units).toBeGreaterThan(20);
    expect(merged.interRater.regions.fleissKappa.estimate).not.toBeNull();
    // Merged databases are identical row for row, so even the bootstrap intervals agree.
    expect(await figures(otherOrder)).toEqual(merged);
    // The shared database has other ids and times, but reports name units by what they are: the figures,
    // bootstrap intervals included, are the same (to 12 digits: sums may run in another order).
    expect(roundedFigures(await figures(shared))).toEqual(roundedFigures(merged));

    // The label tables agree too, up to the ids and times that differ between the two sessions.
    const canonical = (path: string) =>
      withDb(path, (db) => {
        const names = new Map(listRaters(db).map((r) => [r.id, r.displayName]));
        return studyLabels(db)
          .map((l) => [names.get(l.raterId), l.recordSha256, l.targetKey, l.value, l.reasons, l.note, l.supersedes === null].join('|'))
          .sort();
      });
    expect(canonical(target)).toEqual(canonical(shared));
  });

  it('keeps two raters with the same display name apart', () => {
    const a = join(dir, 'smith-a.ecgaudit');
    const b = join(dir, 'smith-b.ecgaudit');
    for (const [copy, seed] of [
      [a, 1],
      [b, 2],
    ] as const) {
      copyFileSync(studyPackage, copy);
      withDb(copy, (db) => labelAsRater(db, { name: 'Dr. Smith', seed }));
    }
    const target = freshTarget('smiths.sqlite');
    const summary = withDb(target, (db) => mergeLabelPackages(db, target, [a, b]));
    expect(summary.ratersAdded).toBe(2);
    const smiths = withDb(target, (db) => listRaters(db).filter((r) => r.displayName === 'Dr. Smith'));
    expect(smiths).toHaveLength(2);
    expect(smiths[0]!.id).not.toBe(smiths[1]!.id);
  });
});

describe('refusals change nothing', () => {
  it('refuses a truncated package', () => {
    const bad = join(dir, 'truncated.ecgaudit');
    copyFileSync(labelPackages[0]!, bad);
    truncateSync(bad, Math.floor(statSync(bad).size / 2));
    const target = freshTarget('t-truncated.sqlite');
    const before = snapshot(target);
    expectRefused(() => withDb(target, (db) => mergeLabelPackages(db, target, [labelPackages[1]!, bad])), 'corrupt', /truncated\.ecgaudit/);
    expect(snapshot(target)).toEqual(before);
  });

  it('refuses files that are not packages', () => {
    const text = join(dir, 'notes.ecgaudit');
    writeFileSync(text, 'these are not the labels you are looking for');
    const empty = join(dir, 'empty.ecgaudit');
    writeFileSync(empty, '');
    const target = freshTarget('t-not-packages.sqlite');
    const before = snapshot(target);
    const merge = (p: string) => () => withDb(target, (db) => mergeLabelPackages(db, target, [labelPackages[0]!, p]));
    expectRefused(merge(text), 'not-a-package', /notes\.ecgaudit: not an SQLite database/);
    expectRefused(merge(empty), 'corrupt', /empty\.ecgaudit: file is empty/);
    expectRefused(merge(researcherDb), 'not-a-package', /researcher\.sqlite: not an audit package/);
    expectRefused(merge(join(dir, 'missing.ecgaudit')), 'not-found', /missing\.ecgaudit: file does not exist/);
    expectRefused(
      () => withDb(target, (db) => importStudyPackage(db, target, labelPackages[0]!)),
      'not-a-package',
      /is a labels package; merge it/,
    );
    expect(snapshot(target)).toEqual(before);
  });

  it('refuses an edited package', () => {
    const bad = join(dir, 'edited.ecgaudit');
    copyFileSync(labelPackages[0]!, bad);
    const raw = new Database(bad);
    // Labels refuse UPDATE (append-only), so a forger would add a row or edit what labels point at.
    raw.prepare(`UPDATE raters SET display_name = 'Someone Else'`).run();
    raw.close();
    const target = freshTarget('t-edited.sqlite');
    const before = snapshot(target);
    expectRefused(
      () => withDb(target, (db) => mergeLabelPackages(db, target, [labelPackages[1]!, bad])),
      'tampered',
      /edited\.ecgaudit: package content does not match its hash/,
    );
    expect(snapshot(target)).toEqual(before);
  });

  it('refuses labels made against a different model', () => {
    const target = freshTarget('t-model.sqlite');
    const raw = new Database(target);
    raw.prepare(`UPDATE models SET manifest_sha256 = 'f00d' || substr(manifest_sha256, 5)`).run();
    raw.close();
    const before = snapshot(target);
    expectRefused(
      () => withDb(target, (db) => mergeLabelPackages(db, target, labelPackages)),
      'mismatch',
      /labels were made against model tiny-imn with manifest sha256 .*\(a different model under the same id\)/,
    );
    expect(snapshot(target)).toEqual(before);
  });

  it('refuses labels made against different records', async () => {
    const other = join(dir, 'other-records.sqlite');
    await buildResearcherDb(other, 3);
    const before = snapshot(other);
    expectRefused(
      () => withDb(other, (db) => mergeLabelPackages(db, other, labelPackages)),
      'mismatch',
      /the labels were made against different records/,
    );
    expect(snapshot(other)).toEqual(before);
  });

  it('refuses a label whose id was reused with other content', () => {
    const target = freshTarget('t-conflict.sqlite');
    withDb(target, (db) => mergeLabelPackages(db, target, [labelPackages[0]!]));
    const raw = new Database(target);
    // A forged history: the same label id with another value, appended after dropping the guard.
    raw.exec('DROP TRIGGER labels_no_update');
    raw.prepare(`UPDATE labels SET note = 'changed' WHERE id = (SELECT MIN(id) FROM labels)`).run();
    raw.close();
    const before = snapshot(target);
    expectRefused(
      () => withDb(target, (db) => mergeLabelPackages(db, target, [labelPackages[0]!])),
      'conflict',
      /differs from the label with the same id/,
    );
    expect(snapshot(target)).toEqual(before);
  });
});

describe('importing a package into a rater database', () => {
  it('imports the study, labels there, and returns labels that merge like the others', () => {
    const own = join(dir, 'rater-own.sqlite');
    const first = withDb(own, (db) => importStudyPackage(db, own, studyPackage));
    expect(first.recordsAdded).toBe(RECORDS);
    const again = withDb(own, (db) => importStudyPackage(db, own, studyPackage));
    expect(again.recordsAdded).toBe(0);
    expect(again.runsAdded).toBe(0);
    withDb(own, (db) => labelAsRater(db, { name: 'Dr. Dee', seed: 44 }));
    const out = join(dir, 'dee-labels.ecgaudit');
    withDb(own, (db) => exportLabelsPackage(db, own, { studyName: STUDY, out }));
    const read = readPackageLabels(out);
    expect(read.manifest.madeAgainstPackage).toBe(readPackageLabels(studyPackage).sha256);
    const target = freshTarget('t-dee.sqlite');
    const summary = withDb(target, (db) => mergeLabelPackages(db, target, [out, ...labelPackages]));
    expect(summary.labelsAdded).toBe(read.labels.length + labelPackages.reduce((n, p) => n + readPackageLabels(p).labels.length, 0));
  });
});
