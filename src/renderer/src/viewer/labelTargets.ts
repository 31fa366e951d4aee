/**
 * What a label is about, on the screen: the region items of the selected class (stored regions and the rater's
 * drawn ones), and how a label on the server matches a target. Pure functions over the API's DTOs.
 */
import type { LabelDto, LabelTargetDto } from '../../../shared/api/labels.ts';
import type { RegionDto } from '../../../shared/api/records.ts';
import { regionOrder, type RegionSpan } from '../ecg/regions.ts';

export interface RegionItem extends RegionSpan {
  startS: number;
  endS: number;
  target: LabelTargetDto;
}

/** The class's regions in reading order (rank 1 first, drawn regions last), each with its label target. */
export function regionItems(
  regions: readonly RegionDto[],
  mine: ReadonlyMap<string, LabelDto>,
  classCode: string,
  mapRateHz: number,
): RegionItem[] {
  const stored = regions
    .filter((g) => g.classCode === classCode)
    .map((g): RegionItem => ({
      key: `region:${g.id}`,
      rank: g.rank,
      lead: g.lead,
      startSample: g.startSample,
      endSample: g.endSample,
      startS: g.startSample / mapRateHz,
      endS: g.endSample / mapRateHz,
      contribution: g.contribution,
      target: { kind: 'region', regionId: g.id },
    }));
  const drawn = [...mine.values()]
    .filter((l) => l.targetKind === 'drawn-region' && l.className === classCode)
    .map((l): RegionItem => ({
      key: l.targetKey,
      rank: null,
      lead: l.lead!,
      startSample: l.startSample!,
      endSample: l.endSample!,
      startS: l.startSample! / mapRateHz,
      endS: l.endSample! / mapRateHz,
      contribution: null,
      target: {
        kind: 'drawn-region',
        recordId: l.recordId,
        className: l.className!,
        lead: l.lead!,
        startSample: l.startSample!,
        endSample: l.endSample!,
      },
    }));
  return regionOrder([...stored, ...drawn]);
}

/** The key the screen files a label under (a stored region's key, else the server's target key). */
export function keyOf(target: LabelTargetDto, label: LabelDto): string {
  return target.kind === 'region' ? `region:${target.regionId}` : label.targetKey;
}

export function targetMatches(l: LabelDto, t: LabelTargetDto): boolean {
  switch (t.kind) {
    case 'region':
      return l.regionId === t.regionId && l.targetKind === 'region';
    case 'plausible':
      return l.targetKind === 'plausible';
    case 'agree-class':
      return l.targetKind === 'agree-class' && l.className === t.className;
    case 'drawn-region':
      return (
        l.targetKind === 'drawn-region' &&
        l.className === t.className &&
        l.lead === t.lead &&
        l.startSample === t.startSample &&
        l.endSample === t.endSample
      );
  }
}

/** The current labels after `label` arrived: it replaces the rater's label on its target; a withdrawal removes it. */
export function withLabel(labels: readonly LabelDto[], label: LabelDto): LabelDto[] {
  const rest = labels.filter((l) => !(l.raterId === label.raterId && l.targetKey === label.targetKey));
  return label.value === 'withdrawn' ? rest : [...rest, label];
}

/** The next item after `currentKey` (wrapping) that passes `want`, or null when none does. */
export function nextMatching<T extends { key: string }>(
  items: readonly T[],
  currentKey: string | null,
  want: (item: T) => boolean,
): T | null {
  const i = items.findIndex((r) => r.key === currentKey);
  for (let step = 1; step <= items.length; step++) {
    const item = items[(i + step + items.length) % items.length]!;
    if (want(item)) return item;
  }
  return null;
}
