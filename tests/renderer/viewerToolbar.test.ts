import { describe, expect, it } from 'vitest';
import ViewerToolbar from '../../src/renderer/src/components/ViewerToolbar.vue';
import { render, tags, untitledControls, visibleText } from './renderComponent.ts';

const settings = {
  pxPerMm: 3.78,
  paperSize: 'fit' as const,
  layout: '3x4' as const,
  speedMmPerS: 25 as const,
  gainMmPerMv: 10 as const,
  highPass: false,
  notchHz: null,
  scaleMode: 'fixed' as const,
  fixedScaleMax: 0.05,
  randomOrder: false,
};
const props = { settings, zoom: 1.25, mode: 'pan', showOverlay: true, rawW: false, focusLead: null, notchOk: false, overlayMax: 0.1 };

describe('the overlay and paper controls (ViewerToolbar)', () => {
  it('gives every control a plain-language tooltip with its key', async () => {
    const html = await render(ViewerToolbar, props);
    expect(untitledControls(html)).toEqual([]);
    expect(html).toContain('(layout, L cycles)');
    expect(html).toMatch(/title="[^"]*raw weights W, W\)/);
  });

  it('keeps the jargon in the tooltips, not on the buttons', async () => {
    const text = visibleText(await render(ViewerToolbar, props));
    for (const word of ['logit', 'raw W', 'execution provider', 'completeness', 'W·x']) expect(text).not.toContain(word);
    expect(text).toContain('evidence colours');
    expect(text).toContain('31 mm/s');
  });

  it('marks the active layout and paper size, and disables a notch the sampling rate cannot carry', async () => {
    const html = await render(ViewerToolbar, props);
    expect(tags(html, 'button').find((t) => t.includes('layout-3x4'))).toContain('active');
    expect(tags(html, 'button').find((t) => t.includes('paper-fit'))).toContain('active');
    expect(tags(html, 'button').find((t) => t.includes('filter-50'))).toContain('disabled');
    expect(tags(html, 'input').some((t) => t.includes('type="number"'))).toBe(true);
    const focused = await render(ViewerToolbar, { ...props, focusLead: 'V2' });
    expect(focused).toContain('V2 only');
  });
});
