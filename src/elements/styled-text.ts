import { css, html, nothing, type TemplateResult } from 'lit';
import { DIRECTIVE, FENCE, parseStyling, safeHref, type Block, type Span } from '../shared/styling.js';

// Every piece of the body reaches the DOM through a Lit text binding, so it becomes a text node and
// is never parsed as HTML; the only attribute taken from the body is an href that safeHref allowed.

/** Directives stay visible (XEP-0393 Implementation Notes recommend it), dimmed, and hidden from screen readers (Accessibility Considerations). */
const mark = (d: string): TemplateResult => html`<span class="directive" aria-hidden="true">${d}</span>`;

function span(s: Span): TemplateResult | string {
  switch (s.type) {
    case 'text':
      return s.text;
    case 'link': {
      const href = safeHref(s.href);
      return href ? html`<a href=${href} rel="noopener noreferrer" target="_blank">${s.text}</a>` : s.text;
    }
    case 'code':
      return html`<code>${mark(DIRECTIVE.code)}${s.text}${mark(DIRECTIVE.code)}</code>`;
    case 'strong':
      return html`<strong>${mark(DIRECTIVE.strong)}${s.children.map(span)}${mark(DIRECTIVE.strong)}</strong>`;
    case 'emphasis':
      return html`<em>${mark(DIRECTIVE.emphasis)}${s.children.map(span)}${mark(DIRECTIVE.emphasis)}</em>`;
    case 'strike':
      return html`<s>${mark(DIRECTIVE.strike)}${s.children.map(span)}${mark(DIRECTIVE.strike)}</s>`;
  }
}

function block(b: Block): TemplateResult {
  switch (b.type) {
    case 'plain':
      return html`${b.spans.map(span)}`;
    case 'pre':
      return html`<pre>${mark(FENCE + b.info)}${'\n'}<code>${b.text}</code>${b.closed ? html`${'\n'}${mark(FENCE)}` : nothing}</pre>`;
    case 'quote':
      return html`<blockquote>${blocks(b.blocks)}</blockquote>`;
  }
}

// Lines break with "\n" under pre-wrap; <pre> and <blockquote> break lines themselves.
function blocks(list: Block[]): (TemplateResult | string)[] {
  const out: (TemplateResult | string)[] = [];
  list.forEach((b, i) => {
    if (i > 0 && b.type === 'plain' && list[i - 1].type === 'plain') out.push('\n');
    out.push(block(b));
  });
  return out;
}

/** A message body styled per XEP-0393, with http(s)/xmpp links; include `styledCss` in the element's styles. */
export function renderStyled(body: string): TemplateResult {
  return html`<span class="styled">${blocks(parseStyling(body))}</span>`;
}

export const styledCss = css`
  .styled { white-space: pre-wrap; overflow-wrap: anywhere; }
  .styled .directive { color: var(--_muted); }
  .styled code, .styled pre { font-family: var(--parley-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace); font-size: 0.92em; }
  .styled code { background: var(--_line); border-radius: 4px; padding: 0 0.2em; }
  .styled pre {
    margin: 0.25em 0; padding: 0.4em 0.6em; white-space: pre; overflow-x: auto;
    border: 1px solid var(--_line); border-radius: 6px;
  }
  .styled pre code { background: none; padding: 0; font-size: inherit; }
  .styled blockquote { margin: 0.25em 0; padding-inline-start: 0.6em; border-inline-start: 3px solid var(--_line); }
  .styled a { color: var(--_accent); }
`;
