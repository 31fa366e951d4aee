import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/api/contract.ts';
import { describeError } from '../../src/renderer/src/viewer/errors.ts';
import { formatPair, signed } from '../../src/renderer/src/viewer/format.ts';
import { nextMatching, regionItems, targetMatches, withLabel } from '../../src/renderer/src/viewer/labelTargets.ts';
import { thumbnailWindow } from '../../src/renderer/src/viewer/thumbnails.ts';
import { label, MINE, REGIONS } from './viewerFixtures.ts';

describe('what-if numbers', () => {
  it('print as many decimals as it takes to see a change', () => {
    expect(formatPair(0.512, 0.301)).toEqual(['0.512', '0.301']);
    expect(formatPair(0.0012, 0.0009)).toEqual(['0.0012', '0.0009']);
    expect(formatPair(0.99999, 0.99998)).toEqual(['0.99999', '0.99998']);
    expect(formatPair(0.5, 0.5)).toEqual(['0.500', '0.500']);
    expect(signed(-0.3)).toBe('−0.30');
    expect(signed(0.001)).toBe('+0.00');
    expect(signed(-0.001)).toBe('+0.00');
  });
});

describe('errors where the action was', () => {
  it('keep the app’s own sentence and hide internal detail in the tooltip', () => {
    expect(describeError(new ApiError('unauthorized', 'Only the owner changes this.'), 'change the study settings').text).toBe(
      'Could not change the study settings: Only the owner changes this.',
    );
    const internal = describeError(new ApiError('internal', 'SQLITE_BUSY: database is locked'), 'save the label');
    expect(internal.text).not.toContain('SQLITE');
    expect(internal.detail).toContain('SQLITE_BUSY');
    expect(describeError(new TypeError('Failed to fetch'), 'open this record').text).toContain('did not answer');
  });
});

describe('region items', () => {
  it('are the class’s regions strongest first, then my drawn regions, each with its label target', () => {
    const drawn = label({
      id: 'd',
      targetKind: 'drawn-region',
      targetKey: 'drawn:1:MI:I:50:60',
      regionId: null,
      className: 'MI',
      lead: 'I',
      startSample: 50,
      endSample: 60,
    });
    const items = regionItems(REGIONS, new Map([...MINE, [drawn.targetKey, drawn]]), 'MI', 100);
    expect(items.map((r) => [r.key, r.rank])).toEqual([
      ['region:11', 1],
      ['region:12', 2],
      ['drawn:1:MI:I:50:60', null],
    ]);
    expect(items[0]).toMatchObject({ startS: 3, endS: 3.2, target: { kind: 'region', regionId: 11 } });
    expect(targetMatches(drawn, items[2]!.target)).toBe(true);
    expect(targetMatches(drawn, items[0]!.target)).toBe(false);
  });

  it('finds the next unlabelled one, wrapping, and none when all are labelled', () => {
    const items = [{ key: 'a' }, { key: 'b' }, { key: 'c' }];
    const done = new Set(['a', 'c']);
    expect(nextMatching(items, 'c', (r) => !done.has(r.key))?.key).toBe('b');
    expect(nextMatching(items, 'b', (r) => !done.has(r.key))?.key).toBe('b');
    expect(nextMatching(items, 'a', () => false)).toBeNull();
  });

  it('a new label replaces the rater’s label on its target and a withdrawal removes it', () => {
    const first = label({ id: '1' });
    const other = label({ id: '2', raterId: 'other' });
    const second = label({ id: '3', value: 'unsure' });
    expect(withLabel([first, other], second).map((l) => l.id)).toEqual(['2', '3']);
    expect(withLabel([first, other], label({ id: '4', value: 'withdrawn' })).map((l) => l.id)).toEqual(['2']);
  });
});

describe('thumbnail windows', () => {
  it('centre the region in at least two seconds, inside the record', () => {
    expect(thumbnailWindow({ startS: 3, endS: 3.2 }, 10)).toEqual({ startS: 2.1, spanS: 2 });
    expect(thumbnailWindow({ startS: 0, endS: 0.1 }, 10)).toEqual({ startS: 0, spanS: 2 });
    expect(thumbnailWindow({ startS: 9.9, endS: 10 }, 10)).toEqual({ startS: 8, spanS: 2 });
    expect(thumbnailWindow({ startS: 2, endS: 5 }, 10)).toEqual({ startS: 1.6, spanS: 3.8 });
    expect(thumbnailWindow({ startS: 0.5, endS: 0.7 }, 1.5)).toEqual({ startS: 0, spanS: 1.5 });
  });
});
