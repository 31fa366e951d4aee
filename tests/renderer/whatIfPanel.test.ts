import { describe, expect, it } from 'vitest';
import WhatIfPanel from '../../src/renderer/src/components/WhatIfPanel.vue';
import { LEADS, MI_REGIONS } from './viewerFixtures.ts';
import { render, untitledControls, visibleText } from './renderComponent.ts';

const result = {
  id: 1,
  description: 'without region 1 (V2)',
  classCode: 'MI',
  before: 0.00123,
  after: 0.00091,
  beforeLogit: -6.7,
  afterLogit: -7.0,
};
const base = {
  classCode: 'MI',
  leads: LEADS,
  selected: MI_REGIONS[0],
  hideProbability: false,
  results: [result],
  error: null,
  running: false,
};

describe('what if (WhatIfPanel)', () => {
  it('shows enough decimals to see a small change, and the change in score', async () => {
    const html = await render(WhatIfPanel, base);
    expect(untitledControls(html)).toEqual([]);
    const text = visibleText(html);
    expect(text).toContain('P 0.0012 → 0.0009');
    expect(text).toContain('score −0.30');
    expect(text).toContain('without region 1');
  });

  it('hides the probabilities when the study does, keeping the change in score', async () => {
    const text = visibleText(await render(WhatIfPanel, { ...base, hideProbability: true }));
    expect(text).not.toContain('P 0.');
    expect(text).toContain('score −0.30');
  });

  it('cannot remove a drawn region (the model never saw it as one)', async () => {
    const drawn = { ...MI_REGIONS[0]!, key: 'drawn', rank: null, target: { kind: 'plausible' as const, recordId: 1 } };
    const html = await render(WhatIfPanel, { ...base, selected: drawn, results: [] });
    expect(html).toMatch(/<button[^>]*disabled[^>]*data-testid="whatif-region"|<button[^>]*data-testid="whatif-region"[^>]*disabled/);
  });
});
