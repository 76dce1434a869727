import { LitElement, html, css } from 'lit';
import { base } from './styles.js';

/** One entry of a `<parley-menu>`: its text, a class tests and themes can name, and what it does. */
export interface MenuItem {
  label: string;
  name: string;
  run(): void;
}

/**
 * `<parley-menu label items>`: a "more" button opening a menu of less used actions (WAI-ARIA menu
 * button): arrow keys, Home and End move through the items, Escape closes it and focus goes back to
 * the button, as it does after an item is chosen; Tab or a click elsewhere closes it.
 */
export class ParleyMenu extends LitElement {
  static override properties = { label: { type: String }, items: { attribute: false }, expanded: { state: true } };

  static override styles = [
    base,
    css`
      :host { position: relative; display: inline-flex; flex: none; }
      .more { padding: 0.1em 0.6em; font-weight: 700; }
      [role='menu'] {
        position: absolute; top: calc(100% + 0.25em); right: 0; z-index: 10; min-width: 12em; margin: 0; padding: 0.25em 0;
        list-style: none; background: var(--_bg); border: 1px solid var(--_line); border-radius: 6px; box-shadow: 0 2px 8px var(--_shadow);
      }
      [role='menu'][hidden] { display: none; }
      [role='menuitem'] { display: block; width: 100%; text-align: start; border: none; border-radius: 0; padding: 0.5em 1em; white-space: nowrap; }
      [role='menuitem']:hover { background: var(--_line); }
    `,
  ];

  declare label: string;
  declare items: readonly MenuItem[];
  declare expanded: boolean;

  constructor() {
    super();
    this.label = 'More actions';
    this.items = [];
    this.expanded = false;
  }

  override render() {
    return html`<div @focusout=${this.left}>
      <button class="more" aria-haspopup="menu" aria-expanded=${this.expanded ? 'true' : 'false'} aria-controls="menu" aria-label=${this.label} title=${this.label}
        @click=${() => (this.expanded ? this.close() : void this.openAt(0))} @keydown=${this.buttonKey}>⋮</button>
      <ul id="menu" role="menu" aria-label=${this.label} ?hidden=${!this.expanded} @keydown=${this.menuKey}>
        ${this.items.map((item) => html`<li role="none"><button role="menuitem" tabindex="-1" class=${item.name} @click=${() => this.choose(item)}>${item.label}</button></li>`)}
      </ul>
    </div>`;
  }

  private entries(): HTMLButtonElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
  }

  private async openAt(index: number): Promise<void> {
    this.expanded = true;
    await this.updateComplete;
    const entries = this.entries();
    entries.at(index % entries.length)?.focus();
  }

  private close(focusButton = true): void {
    this.expanded = false;
    if (focusButton) this.renderRoot.querySelector<HTMLButtonElement>('button.more')?.focus();
  }

  private choose(item: MenuItem): void {
    // Focus is back on the button first, so a dialog the item opens returns it there when it closes.
    this.close();
    item.run();
  }

  private buttonKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    void this.openAt(e.key === 'ArrowDown' ? 0 : -1);
  }

  private menuKey(e: KeyboardEvent): void {
    const entries = this.entries();
    const at = entries.indexOf(this.renderRoot.querySelector<HTMLButtonElement>('[role="menuitem"]:focus') ?? entries[0]!);
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1 + entries.length, Home: 0, End: entries.length - 1 };
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation(); // the menu closes, not a dialog around it
      this.close();
    } else if (e.key === 'Tab') this.close(false);
    else if (e.key in moves) {
      e.preventDefault();
      entries[moves[e.key]! % entries.length]?.focus();
    }
  }

  /** Focus went somewhere outside the button and its menu: the menu closes. */
  private left(e: FocusEvent): void {
    if (this.expanded && !(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) this.expanded = false;
  }
}

customElements.define('parley-menu', ParleyMenu);

declare global {
  interface HTMLElementTagNameMap {
    'parley-menu': ParleyMenu;
  }
}
