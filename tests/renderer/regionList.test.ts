import { describe, expect, it } from 'vitest';
import RegionList from '../../src/renderer/src/components/RegionList.vue';
import { label, MI_REGIONS, MINE } from './viewerFixtures.ts';
import { render, tags, visibleText } from './renderComponent.ts';

describe('the region list (RegionList)', () => {
  it('lists the class’s regions strongest first with my verdict, the sign of their evidence and others’ verdicts', async () => {
    const others = [label({ id: 'o1', raterId: 'other', raterName: 'Dr Other', value: 'not_valid' })];
    const html = await render(RegionList, { regions: MI_REGIONS, selectedKey: 'region:12', mine: MINE, others, classCode: 'MI' });
    const text = visibleText(html);
    expect(text).toMatch(/1 V2 3\.00–3\.20 s \+ for 0\.420 valid Dr Other: not valid 2 aVF 7\.00–7\.12 s − against 0\.310 —/);
    expect(tags(html, 'li').find((t) => t.includes('region-item-2'))).toContain('selected');
    expect(tags(html, 'li').find((t) => t.includes('region-item-1'))).toContain('data-label="valid"');
    expect(html).toContain('Evidence against the class');
    expect(html).toContain('Evidence for the class');
  });

  it('says so when a class has no regions', async () => {
    const html = await render(RegionList, { regions: [], selectedKey: null, mine: new Map(), others: [], classCode: 'CD' });
    expect(visibleText(html)).toContain('No evidence regions for this class.');
  });
});
