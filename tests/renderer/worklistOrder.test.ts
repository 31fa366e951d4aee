import { describe, expect, it } from 'vitest';
import { actionForKey, KEY_BINDINGS } from '../../src/renderer/src/keyboard.ts';
import { filterWorklist, NO_FILTER, seededShuffle } from '../../src/renderer/src/worklistOrder.ts';

const items = [
  { recordId: 1, predicted: ['NORM'], topProbability: 0.9, labelsByMe: 0, disagreement: false },
  { recordId: 2, predicted: ['MI', 'STTC'], topProbability: 0.6, labelsByMe: 3, disagreement: true },
  { recordId: 3, predicted: ['CD'], topProbability: null, labelsByMe: 0, disagreement: false },
];

describe('worklist', () => {
  it('filters by class, probability band, my progress and disagreement', () => {
    expect(filterWorklist(items, NO_FILTER)).toHaveLength(3);
    expect(filterWorklist(items, { ...NO_FILTER, classCode: 'STTC' }).map((i) => i.recordId)).toEqual([2]);
    expect(filterWorklist(items, { ...NO_FILTER, minProbability: 0.5, maxProbability: 0.7 }).map((i) => i.recordId)).toEqual([2]);
    expect(filterWorklist(items, { ...NO_FILTER, unlabeledByMe: true }).map((i) => i.recordId)).toEqual([1, 3]);
    expect(filterWorklist(items, { ...NO_FILTER, disagreementOnly: true }).map((i) => i.recordId)).toEqual([2]);
  });

  it('shuffles the same way for the same rater and differently for another, keeping every record', () => {
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const a = seededShuffle(ids, 'rater-a:1');
    expect(seededShuffle(ids, 'rater-a:1')).toEqual(a);
    expect(seededShuffle(ids, 'rater-b:1')).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(ids);
    expect(a).not.toEqual(ids);
  });
});

describe('keyboard map', () => {
  it('maps the labelling keys and ignores keys typed into text fields', () => {
    expect(actionForKey('1', false)).toBe('label-valid');
    expect(actionForKey('J', false)).toBe('next-region');
    expect(actionForKey('C', false)).toBe('prev-class');
    expect(actionForKey('c', false)).toBe('next-class');
    expect(actionForKey('?', false)).toBe('help');
    expect(actionForKey('1', true)).toBeNull();
    expect(actionForKey('Escape', true)).toBe('close');
    expect(actionForKey('q', false)).toBeNull();
  });

  it('binds each key once', () => {
    const keys = KEY_BINDINGS.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
