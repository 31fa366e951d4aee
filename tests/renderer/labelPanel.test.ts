import { describe, expect, it } from 'vitest';
import LabelPanel from '../../src/renderer/src/components/LabelPanel.vue';
import { REASON_CODES } from '../../src/shared/reasonCodes.ts';
import { REASON_KEYS } from '../../src/renderer/src/keyboard.ts';
import { label, MI_REGIONS, MINE } from './viewerFixtures.ts';
import { render, tags, untitledControls, visibleText } from './renderComponent.ts';

const base = { selected: MI_REGIONS[0], mine: MINE, others: [], agreeClass: { code: 'MI', name: 'Myocardial infarction' }, notice: null };

describe('the label panel (LabelPanel)', () => {
  it('shows the selected region’s verdict and reasons, each with its key, and the record verdict', async () => {
    const mine = new Map([...MINE, ['plausible', label({ id: 'p', targetKind: 'plausible', targetKey: 'plausible', value: 'partly' })]]);
    const html = await render(LabelPanel, { ...base, mine });
    expect(untitledControls(html)).toEqual([]);
    expect(tags(html, 'button').find((t) => t.includes('verdict-valid'))).toContain('active');
    expect(tags(html, 'input').find((t) => t.includes('reason-qrs'))).toContain('checked');
    expect(tags(html, 'input').find((t) => t.includes('reason-st_t'))).not.toContain('checked');
    const text = visibleText(html);
    for (const code of REASON_CODES) expect(text).toContain(REASON_KEYS[code].toUpperCase());
    expect(text).toMatch(/Region 1 V2 3\.00–3\.20 s/);
    expect(tags(html, 'button').find((t) => t.includes('plausible-partly'))).toContain('active');
    expect(text).toMatch(/G agree Shift\+G disagree/);
  });

  it('asks nothing about the model’s class when the study hides it, and shows errors in plain words', async () => {
    const html = await render(LabelPanel, {
      ...base,
      agreeClass: null,
      notice: { text: '', error: { text: 'Could not save the label: the app ran into an unexpected problem.', detail: 'SQLITE_BUSY' } },
    });
    expect(html).not.toContain('agree-yes');
    expect(visibleText(html)).toContain('Could not save the label');
    expect(visibleText(html)).not.toContain('SQLITE_BUSY');
    expect(html).toContain('title="SQLITE_BUSY"');
  });

  it('disables the verdicts when no region is selected and the reasons before a verdict', async () => {
    const none = await render(LabelPanel, { ...base, selected: null });
    expect(tags(none, 'button').find((t) => t.includes('verdict-valid'))).toContain('disabled');
    const unlabelled = await render(LabelPanel, { ...base, selected: MI_REGIONS[1] });
    expect(tags(unlabelled, 'fieldset')[0]).toContain('disabled');
  });
});
