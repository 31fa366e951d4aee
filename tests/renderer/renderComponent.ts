/**
 * Renders a Vue component to HTML in Node (Vue's server renderer, the component compiled by @vitejs/plugin-vue
 * through vitest's config): what the component shows for given props, without a browser.
 */
import { type Component, createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';

export function render(component: Component, props: Record<string, unknown>, slots?: Record<string, () => unknown>): Promise<string> {
  return renderToString(createSSRApp({ render: () => h(component, props, slots as never) }));
}

/** The opening tags of every element with this name. */
export function tags(html: string, name: string): string[] {
  return html.match(new RegExp(`<${name}\\b[^>]*>`, 'g')) ?? [];
}

/** The page's text as a reader sees it: tags, attributes (tooltips included) and comments removed. */
export function visibleText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every control must say what it does: a title on it, or on the label around it. */
export function untitledControls(html: string): string[] {
  const out: string[] = [];
  for (const name of ['button', 'select', 'input', 'textarea']) {
    for (const tag of tags(html, name)) {
      if (/\btitle="[^"]+"/.test(tag)) continue;
      // a checkbox inside a titled <label>: find the label that opens right before it
      const at = html.indexOf(tag);
      const before = html.slice(0, at);
      const label = before.lastIndexOf('<label');
      const closed = before.lastIndexOf('</label>');
      if (label > closed && /^<label\b[^>]*\btitle="[^"]+"/.test(before.slice(label))) continue;
      out.push(tag);
    }
  }
  return out;
}
