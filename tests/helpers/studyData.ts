import { loadModelFolder } from '../../src/core/inference/modelFolder.ts';
import type { RecordInfo, StudyData } from '../../src/core/report/data.ts';
import type { LabelHistoryRow, LabelValue } from '../../src/core/store/labels.ts';
import type { StoredRegion } from '../../src/core/store/runs.ts';
import { tinyModelDir } from '../signal/preprocessingFixtures.ts';

/** A region label (or a record-level one) as the report reads it from the store's history. */
export interface SimpleLabel {
  rater: string;
  recordId: number;
  kind: 'region' | 'plausible' | 'agree-class';
  regionId?: number;
  className?: string;
  value: LabelValue;
}

/**
 * An in-memory StudyData (what loadStudyData returns) for tests of the report's statistics: records with the
 * reported model's run and its labelled regions, and current labels. Model: tiny-imn's manifest.
 */
export function studyData(records: { id: number; regions: StoredRegion[]; topClass?: string }[], labels: SimpleLabel[]): StudyData {
  const manifest = loadModelFolder(tinyModelDir).manifest;
  const raters = [...new Set(labels.map((l) => l.rater))];
  const recordInfos: RecordInfo[] = records.map((r) => ({
    id: r.id,
    pseudonym: `S1-${String(r.id).padStart(4, '0')}`,
    recordName: `rec${r.id}`,
    sourcePath: `/data/rec${r.id}`,
    identifying: null,
    run: {
      runId: 1000 + r.id,
      probabilities: Object.fromEntries(manifest.classes.map((c, i) => [c.code, 0.1 + 0.15 * i])),
      topClass: r.topClass ?? manifest.classes[0]!.code,
      topProbability: 0.7,
      completenessError: 0,
      attributionSha256: null,
      regionCount: r.regions.length,
      labelledRegions: r.regions,
      topClassRegions: r.regions.filter((g) => g.classCode === (r.topClass ?? manifest.classes[0]!.code)),
    },
  }));
  const allRegions = new Map(records.flatMap((r) => r.regions).map((g) => [g.id, g]));
  const rows: LabelHistoryRow[] = labels.map((l, i) => {
    const g = l.regionId === undefined ? undefined : allRegions.get(l.regionId);
    return {
      id: `label-${i}`,
      raterId: l.rater,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      recordId: l.recordId,
      targetKind: l.kind,
      targetKey: `${l.kind}:${l.regionId ?? l.recordId}:${l.className ?? ''}`,
      regionId: l.regionId ?? null,
      className: l.className ?? g?.classCode ?? null,
      lead: g?.lead ?? (l.kind === 'region' ? 'I' : null),
      startSample: g?.startSample ?? null,
      endSample: g?.endSample ?? null,
      value: l.value,
      reasons: [],
      note: '',
      scale: null,
      supersedes: null,
      raterName: `Dr ${l.rater}`,
      studyName: 'test',
      recordPseudonym: `S1-${String(l.recordId).padStart(4, '0')}`,
      current: true,
    };
  });
  return {
    study: { id: 1, name: 'test', pseudonymPrefix: 'S1', createdAt: '2026-01-01T00:00:00.000Z' },
    model: { id: manifest.id, manifest, manifestSha256: '0'.repeat(64) },
    records: recordInfos,
    raters: raters.map((id) => ({ id, displayName: `Dr ${id}`, createdAt: '2026-01-01T00:00:00.000Z', publicKey: null })),
    labels: rows,
  };
}

/** A region of the reported model's run: id, class, lead, rank and signed contribution. */
export function region(id: number, classCode: string, rank: number, contribution: number, lead = 'II'): StoredRegion {
  return { id, classCode, lead, startSample: 10 * rank, endSample: 10 * rank + 8, contribution, rank };
}
