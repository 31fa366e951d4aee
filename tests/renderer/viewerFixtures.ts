/** Small, hand-written props for the viewer's component tests (the API's DTO shapes, as the server sends them). */
import type { LabelDto } from '../../src/shared/api/labels.ts';
import type { ClassDto, RegionDto } from '../../src/shared/api/records.ts';
import { regionItems } from '../../src/renderer/src/viewer/labelTargets.ts';

export const LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

export const CLASSES: ClassDto[] = [
  { code: 'NORM', name: 'Normal ECG', logit: -2.1, probability: 0.109, bias: 0.2, leadContributions: { I: -0.5, II: 0.25 } },
  { code: 'MI', name: 'Myocardial infarction', logit: 1.3, probability: 0.786, bias: -0.1, leadContributions: { V2: 1.1, I: -0.2 } },
  { code: 'CD', name: 'Conduction disturbance', logit: 0.2, probability: 0.55, bias: 0, leadContributions: {} },
];

export const REGIONS: RegionDto[] = [
  { id: 11, classCode: 'MI', lead: 'V2', startSample: 300, endSample: 320, contribution: 0.42, rank: 1 },
  { id: 12, classCode: 'MI', lead: 'aVF', startSample: 700, endSample: 712, contribution: -0.31, rank: 2 },
  { id: 13, classCode: 'NORM', lead: 'I', startSample: 10, endSample: 30, contribution: 0.2, rank: 1 },
];

export function label(over: Partial<LabelDto>): LabelDto {
  return {
    id: over.id ?? 'l1',
    raterId: 'me',
    raterName: 'Dr Me',
    createdAt: '2026-01-01T00:00:00Z',
    recordId: 1,
    targetKind: 'region',
    targetKey: 'region:11',
    regionId: 11,
    className: null,
    lead: null,
    startSample: null,
    endSample: null,
    value: 'valid',
    reasons: [],
    note: '',
    scale: 'per-record',
    supersedes: null,
    ...over,
  };
}

export const MINE = new Map([['region:11', label({ reasons: ['qrs'] })]]);
export const MI_REGIONS = regionItems(REGIONS, MINE, 'MI', 100);
