import { describe, expect, it } from 'vitest';
import StudySettings from '../../src/renderer/src/components/StudySettings.vue';
import { render, tags, untitledControls, visibleText } from './renderComponent.ts';

const open = { blinded: true, hideProbability: false, hideReference: false };

describe('study settings (StudySettings)', () => {
  it('are read-only for a rater who does not own the study, naming the owner', async () => {
    const html = await render(StudySettings, { settings: { ...open, owner: { id: 'o', name: 'Dr Owner', isMe: false } }, error: null });
    expect(untitledControls(html)).toEqual([]);
    const boxes = tags(html, 'input');
    expect(boxes).toHaveLength(3);
    for (const b of boxes) expect(b).toContain('disabled');
    expect(boxes.find((b) => b.includes('"blinded"'))).toContain('checked');
    expect(visibleText(html)).toContain('owner: Dr Owner');
  });

  it('can be changed by the owner, and by anyone before someone owns them', async () => {
    for (const owner of [null, { id: 'me', name: 'Dr Me', isMe: true }]) {
      const html = await render(StudySettings, { settings: { ...open, owner }, error: null });
      for (const b of tags(html, 'input')) expect(b).not.toContain('disabled');
    }
  });
});
