import { css } from 'lit';

/** Shared look; every colour and size is a custom property so pages can theme Parley. */
export const base = css`
  :host {
    --_accent: var(--parley-accent, #1d4ed8);
    --_on-accent: var(--parley-on-accent, #ffffff);
    --_bg: var(--parley-bg, #ffffff);
    --_fg: var(--parley-fg, #1f2937);
    --_muted: var(--parley-muted, #4b5563);
    --_line: var(--parley-line, #e5e7eb);
    --_bubble-in: var(--parley-bubble-in, #f3f4f6);
    --_bubble-out: var(--parley-bubble-out, #dbeafe);
    --_danger: var(--parley-danger, #b91c1c);
    --_danger-bg: var(--parley-danger-bg, #fee2e2);
    --_ok: var(--parley-ok, #166534);
    --_ok-bg: var(--parley-ok-bg, #dcfce7);
    --_online: var(--parley-online, #16a34a);
    --_away: var(--parley-away, #d97706);
    --_shadow: var(--parley-shadow, rgb(0 0 0 / 0.25));
    color-scheme: light dark;
    font: var(--parley-font, 15px/1.4 system-ui, sans-serif);
    color: var(--_fg);
    box-sizing: border-box;
  }
  /* Dark by the system's choice; a page's --parley-* values still win, as in light. */
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--parley-accent, #60a5fa);
      --_on-accent: var(--parley-on-accent, #0b1220);
      --_bg: var(--parley-bg, #111827);
      --_fg: var(--parley-fg, #e5e7eb);
      --_muted: var(--parley-muted, #9ca3af);
      --_line: var(--parley-line, #374151);
      --_bubble-in: var(--parley-bubble-in, #1f2937);
      --_bubble-out: var(--parley-bubble-out, #172554);
      --_danger: var(--parley-danger, #f87171);
      --_danger-bg: var(--parley-danger-bg, #450a0a);
      --_ok: var(--parley-ok, #bbf7d0);
      --_ok-bg: var(--parley-ok-bg, #14532d);
      --_online: var(--parley-online, #4ade80);
      --_away: var(--parley-away, #fbbf24);
      --_shadow: var(--parley-shadow, rgb(0 0 0 / 0.6));
    }
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
  button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_on-accent); }
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
