import { css } from 'lit';

/** Shared look; every colour and size is a custom property so pages can theme Parley. */
export const base = css`
  :host {
    --_accent: var(--parley-accent, #2563eb);
    --_bg: var(--parley-bg, #ffffff);
    --_fg: var(--parley-fg, #1f2937);
    --_muted: var(--parley-muted, #6b7280);
    --_line: var(--parley-line, #e5e7eb);
    --_bubble-in: var(--parley-bubble-in, #f3f4f6);
    --_bubble-out: var(--parley-bubble-out, #dbeafe);
    --_danger: var(--parley-danger, #b91c1c);
    font: var(--parley-font, 15px/1.4 system-ui, sans-serif);
    color: var(--_fg);
    box-sizing: border-box;
  }
  *, *::before, *::after { box-sizing: inherit; }
  button {
    font: inherit;
    border: 1px solid var(--_line);
    background: var(--_bg);
    color: var(--_fg);
    border-radius: 6px;
    padding: 0.3em 0.8em;
    cursor: pointer;
  }
  button.primary { background: var(--_accent); border-color: var(--_accent); color: #fff; }
  button:disabled { opacity: 0.5; cursor: default; }
  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  input, textarea, select {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_line);
    border-radius: 6px;
    padding: 0.4em 0.6em;
  }
  .error { color: var(--_danger); }
  .muted { color: var(--_muted); }
  .visually-hidden {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;
