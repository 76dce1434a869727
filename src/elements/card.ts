import { LitElement, html, css, nothing } from 'lit';
import { parley } from '../client/index.js';
import { CARD_FIELDS, safeLink, type Card } from '../shared/card.js';
import type { ContactTime } from '../shared/records.js';
import { localTime } from '../shared/time.js';
import { base } from './styles.js';

const LABELS: Record<keyof Card, string> = { fn: 'Full name', nickname: 'Nickname', email: 'Email', tel: 'Phone', note: 'Note', url: 'Website' };

/**
 * `<parley-card>`: a person's card in a dialog (`open(jid)`), or ours to edit (`open(jid, true)`).
 * Every field is text; the website is a link only when it is http(s).
 */
export class ParleyCard extends LitElement {
  static override properties = { jid: { state: true }, card: { state: true }, editing: { state: true }, error: { state: true }, time: { state: true } };

  static override styles = [
    base,
    css`
      dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25em 1em; }
      dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
      form { display: grid; gap: 0.5em; }
    `,
  ];

  declare jid: string;
  declare card: Card | undefined;
  declare editing: boolean;
  declare error: string;
  /** Their clock's offset (XEP-0202), when their client says it tells and did. */
  declare time: ContactTime | null;

  constructor() {
    super();
    this.jid = '';
    this.editing = false;
    this.error = '';
  }

  async open(jid: string, editing = false): Promise<void> {
    Object.assign(this, { jid, editing, card: undefined, error: '', time: null });
    await this.updateComplete;
    this.renderRoot.querySelector('dialog')!.showModal();
    if (!editing) {
      parley().api.contactTime(jid).then(
        (time) => this.jid === jid && (this.time = time),
        () => undefined, // offline meanwhile: the card shows no clock
      );
    }
    try {
      this.card = await parley().api.card(jid);
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    // Empty while closed: nothing of it (its status line) is found among the page's.
    return html`<dialog aria-labelledby="card-h" @close=${() => (this.jid = '')}>${this.jid
      ? html`<h2 id="card-h">${this.editing ? 'Your card' : html`Card of <bdi>${this.jid}</bdi>`}</h2>
          ${!this.card ? html`<p role="status">${this.error || 'Loading…'}</p>` : this.editing ? this.renderForm(this.card) : this.renderCard(this.card)}
          <p class="error" role="alert">${this.card ? this.error : ''}</p>
          <form method="dialog"><button>Close</button></form>`
      : nothing}</dialog>`;
  }

  private renderCard(card: Card) {
    const shown = CARD_FIELDS.filter((f) => card[f]);
    const time = this.time ? html`<dt>Local time</dt><dd class="time">${localTime(this.time)}</dd>` : nothing;
    if (!shown.length) return html`<p>No card published.</p>${this.time ? html`<dl>${time}</dl>` : nothing}`;
    return html`<dl>
      ${shown.map((f) => html`<dt>${LABELS[f]}</dt><dd class=${f} dir="auto">${f === 'url' ? this.renderUrl(card.url!) : card[f]}</dd>`)}${time}
    </dl>`;
  }

  private renderUrl(url: string) {
    const href = safeLink(url);
    return href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${url}</a>` : url;
  }

  private renderForm(card: Card) {
    return html`<form @submit=${this.save}>
      ${CARD_FIELDS.map((f) => html`<label>${LABELS[f]}
          ${f === 'note' ? html`<textarea name=${f} .value=${card[f] ?? ''}></textarea>` : html`<input name=${f} .value=${card[f] ?? ''} />`}</label>`)}
      <button class="primary" type="submit">Save</button>
    </form>`;
  }

  private async save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const card: Card = Object.fromEntries(CARD_FIELDS.map((f) => [f, String(data.get(f) ?? '')]).filter(([, v]) => v.trim()));
    this.error = '';
    try {
      await parley().api.setCard(card);
      this.renderRoot.querySelector('dialog')!.close();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }
}

customElements.define('parley-card', ParleyCard);

declare global {
  interface HTMLElementTagNameMap {
    'parley-card': ParleyCard;
  }
}
