/**
 * A researcher's database built from real LUDB records with the real import pipeline and the tiny model, and
 * simulated raters whose seeded label decisions do not depend on row ids, so the same rater makes the same
 * judgements in a package copy and in a shared database.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startImport } from '../../src/core/import/index.ts';
import { seededRandom } from '../../src/shared/seededRandom.ts';
import {
  appendLabel,
  createRater,
  type Db,
  findStudy,
  type LabelInput,
  type LabelTarget,
  type LabelValue,
  openStore,
  REASON_CODES,
  type ReasonCode,
} from '../../src/core/store/index.ts';
import { tinyModel } from '../import/helpers.ts';
import { sharedDataDir } from '../helpers/sharedData.ts';

export const STUDY = 'ludb-audit';

/** Opens the database at `path`, runs the work, closes it. */
export function withDb<T>(path: string, work: (db: Db) => T): T {
  const db = openStore(path);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Every file of LUDB records 1..n (header, signal, per-lead annotations). */
export function ludbFiles(n: number): string[] {
  const dir = join(sharedDataDir(), 'ludb', 'data');
  return readdirSync(dir)
    .filter((f) => {
      const m = /^(\d+)\./.exec(f);
      return m !== null && Number(m[1]) <= n;
    })
    .map((f) => join(dir, f));
}

/** Imports LUDB records 1..n into a new database at `path` through the batch import. */
export async function buildResearcherDb(path: string, n: number): Promise<void> {
  const tiny = await tinyModel();
  const db = openStore(path);
  try {
    const summary = await startImport(db, { inputs: ludbFiles(n), study: STUDY, model: tiny.model }).done;
    if (summary.imported !== n)
      throw new Error(`expected ${n} imported records, got ${summary.imported}: ${JSON.stringify(summary.failed)}`);
  } finally {
    db.close();
    await tiny.close();
  }
}

interface Target {
  recordId: number;
  contentSha256: string;
  topClass: string;
  regions: { id: number; className: string; lead: string }[];
}

/** The study's records by signal hash, each with its regions by (class, lead, span): an order all copies share. */
function targets(db: Db): Target[] {
  const study = findStudy(db, STUDY)!;
  const records = db
    .prepare(
      `SELECT r.id, r.content_sha256, run.top_class FROM records r JOIN runs run ON run.record_id = r.id
       WHERE r.study_id = ? ORDER BY r.content_sha256`,
    )
    .all(study.id) as { id: number; content_sha256: string; top_class: string }[];
  const regions = db.prepare(
    `SELECT g.id, g.class_name, g.lead FROM evidence_regions g JOIN runs run ON run.id = g.run_id
     WHERE run.record_id = ? ORDER BY g.class_name, g.lead, g.start_sample, g.rank`,
  );
  return records.map((r) => ({
    recordId: r.id,
    contentSha256: r.content_sha256,
    topClass: r.top_class,
    regions: (regions.all(r.id) as { id: number; class_name: string; lead: string }[]).map((g) => ({
      id: g.id,
      className: g.class_name,
      lead: g.lead,
    })),
  }));
}

export interface SimulatedRater {
  name: string;
  seed: number;
}

const VALUES: Record<LabelTarget['kind'], readonly LabelValue[]> = {
  region: ['valid', 'not_valid', 'unsure'],
  'drawn-region': ['valid', 'not_valid', 'unsure'],
  plausible: ['yes', 'partly', 'no'],
  'agree-class': ['yes', 'no'],
};

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

/**
 * One rater's session: a plausibility verdict and a class verdict per record, verdicts on a few evidence
 * regions, a drawn region now and then, second thoughts that supersede about one label in five, and about one
 * target in ten withdrawn again.
 * Returns the rater id and the number of labels written.
 */
export function labelAsRater(db: Db, rater: SimulatedRater): { raterId: string; labels: number } {
  const random = seededRandom(rater.seed);
  const { id: raterId } = createRater(db, rater.name);
  let labels = 0;
  const label = (input: Omit<LabelInput, 'raterId'>): void => {
    appendLabel(db, { ...input, raterId });
    labels++;
    if (random() < 0.2) {
      const others = VALUES[input.target.kind].filter((v) => v !== input.value);
      appendLabel(db, { ...input, raterId, value: pick(random, others), note: 'second thoughts' });
      labels++;
    }
    if (random() < 0.1) {
      // the viewer's undo of a first label: the target is unlabelled again
      appendLabel(db, { target: input.target, raterId, value: 'withdrawn' });
      labels++;
    }
  };
  for (const t of targets(db)) {
    label({ target: { kind: 'plausible', recordId: t.recordId }, value: pick(random, VALUES.plausible) });
    label({ target: { kind: 'agree-class', recordId: t.recordId, className: t.topClass }, value: pick(random, VALUES['agree-class']) });
    for (const g of t.regions.slice(0, 4)) {
      const value = pick(random, VALUES.region);
      const reasons: ReasonCode[] = value === 'not_valid' ? [pick(random, REASON_CODES)] : [];
      label({ target: { kind: 'region', regionId: g.id }, value, reasons });
    }
    if (random() < 0.3) {
      const start = Math.floor(random() * 500);
      label({
        target: {
          kind: 'drawn-region',
          recordId: t.recordId,
          className: t.topClass,
          lead: 'II',
          startSample: start,
          endSample: start + 40,
        },
        value: 'valid',
        note: 'the model missed this',
      });
    }
  }
  return { raterId, labels };
}
