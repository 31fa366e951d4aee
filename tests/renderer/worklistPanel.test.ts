import { describe, expect, it } from 'vitest';
import WorklistPanel from '../../src/renderer/src/components/WorklistPanel.vue';
import { NO_FILTER } from '../../src/renderer/src/viewer/useWorklist.ts';
import { render, tags, untitledControls, visibleText } from './renderComponent.ts';

const item = (id: number, over = {}) => ({
  recordId: id,
  pseudonym: `S1-000${id}`,
  recordName: `0000${id}_hr`,
  durationS: 10,
  topClass: 'MI',
  topProbability: 0.91,
  predicted: ['MI', 'STTC'],
  labelsByMe: 0,
  reviewedByMe: false,
  disagreement: false,
  ...over,
});
const rows = (items: ReturnType<typeof item>[]) => ({ total: items.length, rowAt: (i: number) => items[i], version: items });
const base = {
  ...rows([item(1, { reviewedByMe: true, labelsByMe: 3 }), item(2)]),
  studyRecords: 2,
  reviewed: 1,
  currentId: 2,
  currentIndex: 1,
  importing: false,
  classCodes: ['MI', 'STTC'],
  referenceClasses: [],
  hideProbability: false,
  loaded: true,
  error: null,
  filter: NO_FILTER,
  randomOrder: false,
};

describe('the worklist (WorklistPanel)', () => {
  it('shows progress, search, filters and the records, the current one marked, as one tab stop', async () => {
    const html = await render(WorklistPanel, base);
    expect(untitledControls(html)).toEqual([]);
    const text = visibleText(html);
    expect(text).toContain('1 / 2 reviewed');
    expect(text).toContain('MI, STTC');
    expect(tags(html, 'li').find((t) => t.includes('worklist-item-S1-0002'))).toContain('current');
    expect(tags(html, 'ol')[0]).toContain('tabindex="0"');
    expect(tags(html, 'input').some((t) => t.includes('worklist-search'))).toBe(true);
  });

  it('shows neither predicted classes nor probabilities when the study hides them', async () => {
    const html = await render(WorklistPanel, {
      ...base,
      hideProbability: true,
      ...rows([item(1, { predicted: [], topProbability: null })]),
    });
    expect(visibleText(html)).not.toMatch(/MI|0\.9/);
    expect(html).not.toContain('filter-class');
  });

  it('tells an empty study from a search that matches nothing, and says when an import is still adding records', async () => {
    const none = { ...base, ...rows([]), studyRecords: 0, reviewed: 0 };
    expect(visibleText(await render(WorklistPanel, none))).toContain('This study has no records yet.');
    expect(visibleText(await render(WorklistPanel, { ...base, ...rows([]) }))).toContain('No records match the search and filters.');
    const importing = visibleText(await render(WorklistPanel, { ...none, importing: true }));
    expect(importing).toContain('Importing: 0 records so far');
    expect(importing).toContain('The first records are on their way.');
    expect(visibleText(await render(WorklistPanel, { ...base, importing: true, studyRecords: 41 }))).toContain(
      'Importing: 41 records so far',
    );
  });

  it('draws only the rows in view of a long list, placed by their index', async () => {
    const many = Array.from({ length: 100_000 }, (_, i) => item(i + 1));
    const html = await render(WorklistPanel, { ...base, ...rows(many), studyRecords: 100_000 });
    const drawn = tags(html, 'li').filter((t) => t.includes('role="option"'));
    expect(drawn.length).toBeGreaterThan(10);
    expect(drawn.length).toBeLessThan(60);
    expect(html).toContain('height:2000000px');
    expect(drawn[3]).toContain('top:60px');
  });
});
