import { beforeAll, describe, expect, it } from 'vitest';
import { type AgreementSection, agreementSection } from '../../src/core/report/agreement.ts';
import { region, type SimpleLabel, studyData } from '../helpers/studyData.ts';

// 12 records, 3 regions of MI each (ranks 1-3; rank 2 pushes MI down), rated by A and B; C gives only record
// verdicts. Each record also has a region of another run (another model) that A and B labelled.
function study() {
  const records = Array.from({ length: 12 }, (_, i) => ({
    id: i + 1,
    regions: [region(i * 10 + 1, 'MI', 1, 2.5), region(i * 10 + 2, 'MI', 2, -1.5), region(i * 10 + 3, 'MI', 3, 0.7)],
  }));
  const labels: SimpleLabel[] = [];
  for (const r of records) {
    for (const g of r.regions) {
      labels.push({ rater: 'A', recordId: r.id, kind: 'region', regionId: g.id, value: r.id % 3 === 0 ? 'not_valid' : 'valid' });
      labels.push({ rater: 'B', recordId: r.id, kind: 'region', regionId: g.id, value: r.id % 4 === 0 ? 'not_valid' : 'valid' });
    }
    for (const rater of ['A', 'B']) labels.push({ rater, recordId: r.id, kind: 'region', regionId: 9000 + r.id, value: 'not_valid' });
    labels.push({ rater: 'C', recordId: r.id, kind: 'plausible', value: 'yes' });
  }
  return studyData(records, labels);
}

describe('region statistics', () => {
  let section: AgreementSection;
  beforeAll(async () => {
    section = await agreementSection(study(), { resamples: 200, seed: 3 });
  });

  it("count only the reported model's regions, not labels on regions of other runs", () => {
    expect(section.regionJudgements).toBe(72);
    expect(section.regionJudgementsExcluded).toBe(24);
    expect(section.regionShares.overall[0]!.total).toBe(72);
    expect(section.interRater.regions.units).toBe(36);
    expect(section.interRater.regionsByRank.reduce((n, b) => n + b.units, 0)).toBe(36);
  });

  it("give Fleiss' kappa over the raters who rated regions, not every rater of the study", () => {
    const r = section.interRater.regions;
    expect(r.raters).toEqual(['R1', 'R2']);
    expect(r.completeUnits).toBe(36);
    expect(r.fleissKappa.units).toBe(36);
    expect(r.fleissKappa.estimate).not.toBeNull();
    expect(r.clusters).toBe(12);
    expect(r.fleissKappa.clusters).toBe(12);
  });

  it('are split by the sign of the contribution', () => {
    const bySign = Object.fromEntries(section.regionsBySign.map((b) => [b.sign, b]));
    expect(bySign.for!.judgements).toBe(48);
    expect(bySign.against!.judgements).toBe(24);
    expect(bySign.against!.interRater.units).toBe(12);
    expect(bySign.against!.byRank.find((b) => b.bin === '2')!.units).toBe(12);
    expect(section.regionShares.bySign.map((r) => [r.group, r.total])).toEqual([
      ['for', 48],
      ['against', 24],
    ]);
  });

  it('give share intervals over records: labels nested in a record widen the interval', () => {
    const overall = section.regionShares.overall[0]!;
    expect(overall.clusters).toBe(12);
    // every record's six judgements share most of their verdicts: a design effect well above 1
    expect(overall.shares.valid!.designEffect!).toBeGreaterThan(2);
  });
});
