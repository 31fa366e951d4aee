import { describe, expect, it } from 'vitest';
import ClassPanel from '../../src/renderer/src/components/ClassPanel.vue';
import { CLASSES, LEADS } from './viewerFixtures.ts';
import { render, tags, visibleText } from './renderComponent.ts';

describe('the class list (ClassPanel)', () => {
  it('lists the classes with their probabilities, marks the selected one, and is one tab stop', async () => {
    const html = await render(ClassPanel, { classes: CLASSES, classCode: 'MI', hideProbability: false, leads: LEADS });
    const text = visibleText(html);
    expect(text).toMatch(/NORM Normal ECG 0\.11 MI Myocardial infarction 0\.79 CD Conduction disturbance 0\.55/);
    expect(tags(html, 'li').find((t) => t.includes('class-MI'))).toContain('selected');
    expect(tags(html, 'ul')[0]).toContain('tabindex="0"');
    expect(html).toContain('aria-activedescendant="class-option-MI"');
    expect(text).toContain('+1.100');
  });

  it('with probabilities hidden shows no number that gives the prediction away', async () => {
    const html = await render(ClassPanel, { classes: CLASSES, classCode: 'MI', hideProbability: true, leads: LEADS });
    expect(html).not.toMatch(/0\.\d{2}/);
    expect(html).not.toContain('predicted');
    expect(visibleText(html)).not.toContain('bias');
  });
});
