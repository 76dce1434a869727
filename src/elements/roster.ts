import { LitElement, html, css, nothing, type TemplateResult } from 'lit';
import { parley, listContacts, listRequests, unreadCounts, type Contact } from '../client/index.js';
import { LiveQuery, touches } from './live.js';
import { displayName } from '../shared/names.js';
import './avatar.js';
import './card.js';
import { base } from './styles.js';

const SHOW_TEXT: Record<string, string> = { chat: 'free to chat', away: 'away', xa: 'away for long', dnd: 'busy' };

/** The most available resource's state, with its status message isolated (any script, any direction) from ours. */
export function presenceText(contact: Contact): TemplateResult | string {
  const best = contact.presence[0];
  if (!best) return 'offline';
  const state = best.show ? SHOW_TEXT[best.show]! : 'online';
  return best.status ? html`${state} — <bdi>${best.status}</bdi>` : state;
}

/**
 * Contacts with presence and unread counts, pending requests, and adding contacts.
 * Fires `parley-open` (detail: the contact's JID) when a contact is chosen.
 */
export class ParleyRoster extends LitElement {
  static override properties = { selected: { type: String }, error: { state: true } };
  static override styles = [
    base,
    css`
      :host { display: block; }
      section { padding: 0.5em; }
      h2 { font-size: 1em; margin: 0.5em 0; }
      ul { list-style: none; margin: 0; padding: 0; }
      li { display: flex; align-items: center; gap: 0.4em; padding: 0.15em 0; }
      .contact { flex: 1; text-align: left; border: none; display: flex; gap: 0.5em; align-items: center; min-width: 0; }
      .contact[aria-current='true'] { background: var(--_bubble-out); }
      .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .dot { width: 0.6em; height: 0.6em; border-radius: 50%; background: var(--_line); flex: none; }
      .dot[data-online] { background: #16a34a; }
      .dot[data-show='away'], .dot[data-show='xa'] { background: #d97706; }
      .dot[data-show='dnd'] { background: var(--_danger); }
      .badge { background: var(--_accent); color: #fff; border-radius: 1em; padding: 0 0.5em; font-size: 0.8em; }
      form { display: flex; gap: 0.4em; }
      form input { flex: 1; min-width: 0; }
    `,
  ];

  declare selected: string;
  declare error: string;
  private readonly contacts = new LiveQuery(this, listContacts, touches('roster', 'presence', 'nicks'));
  private readonly requests = new LiveQuery(this, listRequests, touches('requests', 'nicks'));
  private readonly unread = new LiveQuery(
    this,
    unreadCounts,
    touches('conversations'),
  );

  constructor() {
    super();
    this.selected = '';
    this.error = '';
  }

  override render() {
    const requests = this.requests.value ?? [];
    return html`
      ${requests.length
        ? html`<section aria-labelledby="requests-h">
            <h2 id="requests-h">Contact requests</h2>
            <ul>
              ${requests.map(
                (r) => html`<li class="request">
                  <span class="name"><bdi>${displayName(r.jid, r)}</bdi> <span class="address muted"><bdi>${r.jid}</bdi></span></span>
                  <button class="primary" aria-label="Approve ${r.jid}" @click=${() => this.run(() => parley().api.approve(r.jid))}>Approve</button>
                  <button aria-label="Deny ${r.jid}" @click=${() => this.run(() => parley().api.deny(r.jid))}>Deny</button>
                </li>`,
              )}
            </ul>
          </section>`
        : nothing}
      <section aria-labelledby="contacts-h">
        <h2 id="contacts-h">Contacts</h2>
        <ul>
          ${(this.contacts.value ?? []).map((c) => this.renderContact(c))}
        </ul>
        <parley-card></parley-card>
      </section>
      <section>
        <form @submit=${this.add}>
          <label class="visually-hidden" for="add">Contact address</label>
          <input id="add" name="jid" placeholder="name@example.org" autocomplete="off" required />
          <button type="submit">Add</button>
        </form>
        <p class="error" role="alert">${this.error}</p>
      </section>
    `;
  }

  private renderContact(c: Contact) {
    const status = presenceText(c);
    const unread = this.unread.value?.get(c.jid) ?? 0;
    const best = c.presence[0];
    return html`<li class="contact-row" data-jid=${c.jid}>
      <button class="contact" aria-current=${this.selected === c.jid ? 'true' : 'false'} @click=${() => this.open(c.jid)}>
        <span class="dot" ?data-online=${!!best} data-show=${best?.show ?? ''} aria-hidden="true"></span>
        <parley-avatar .jid=${c.jid} .name=${displayName(c.jid, c)}></parley-avatar>
        <span class="name"><bdi>${displayName(c.jid, c)}</bdi> <span class="address muted"><bdi>${c.jid}</bdi></span></span>
        <span class="presence muted">${status}${c.pendingOut ? ' · awaiting approval' : ''}</span>
        ${unread ? html`<span class="badge" aria-label="${unread} unread">${unread}</span>` : nothing}
      </button>
      <button aria-label="Card of ${c.jid}" title="Card" @click=${() => void this.renderRoot.querySelector('parley-card')!.open(c.jid)}>ⓘ</button>
      <button aria-label="Remove ${c.jid}" title="Remove" @click=${() => this.removeContact(c.jid)}>×</button>
    </li>`;
  }

  private open(jid: string): void {
    this.dispatchEvent(new CustomEvent('parley-open', { detail: jid, bubbles: true, composed: true }));
  }

  private async add(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const jid = String(new FormData(form).get('jid')).trim();
    if (await this.run(() => parley().api.addContact(jid))) form.reset();
  }

  private async removeContact(jid: string): Promise<void> {
    if (confirm(`Remove ${jid} from your contacts?`)) await this.run(() => parley().api.removeContact(jid));
  }

  private async run(command: () => Promise<void>): Promise<boolean> {
    this.error = '';
    try {
      await command();
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }
}
customElements.define('parley-roster', ParleyRoster);
