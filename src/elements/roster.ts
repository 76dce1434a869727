import { html, css, nothing, type TemplateResult } from 'lit';
import { ParleyElement } from './element.js';
import { parley, listLastSeen, listPresence, type Contact, type ContactTime, type PresenceRecord } from '../client/index.js';
import { dateFormat, localTime } from '../shared/time.js';
import { LiveQuery, reads, touches } from './live.js';
import { VisibleRows } from './visible-rows.js';
import { displayName } from '../shared/names.js';
import './avatar.js';
import './card.js';
import { base } from './styles.js';

const SHOW_TEXT: Record<string, string> = { chat: 'free to chat', away: 'away', xa: 'away for long', dnd: 'busy' };

const when = dateFormat({ dateStyle: 'short', timeStyle: 'short' });

/**
 * The most available resource's state (`best`), with its status message isolated (any script, any
 * direction) from ours, and since when they are idle (XEP-0319); offline, when they were last seen.
 */
export function presenceText(best: PresenceRecord | undefined, lastSeen?: number): TemplateResult | string {
  if (!best) return lastSeen === undefined ? 'offline' : `offline · last seen ${when(lastSeen)}`;
  const state = best.show ? SHOW_TEXT[best.show]! : 'online';
  const idle = best.idleSince === undefined ? '' : ` · idle since ${when(best.idleSince)}`;
  return best.status ? html`${state}${idle} — <bdi>${best.status}</bdi>` : `${state}${idle}`;
}

/**
 * Contacts with presence and unread counts, pending requests, and adding contacts.
 * Fires `parley-open` (detail: the contact's JID) when a contact is chosen.
 */
export class ParleyRoster extends ParleyElement {
  static override properties = { selected: { type: String }, error: { state: true }, time: { state: true }, support: { state: true } };
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
      .who { flex: 1; display: grid; min-width: 0; }
      .name, .presence { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .presence { font-size: 0.85em; }
      .dot { width: 0.6em; height: 0.6em; border-radius: 50%; background: var(--_line); flex: none; }
      .dot[data-online] { background: var(--_online); }
      .dot[data-show='away'], .dot[data-show='xa'] { background: var(--_away); }
      .dot[data-show='dnd'] { background: var(--_danger); }
      .detail { font-size: 0.85em; padding-left: 1.1em; }
      /* A row's own actions are small icons (named for screen readers): the name keeps the room. */
      .contact-row > button:not(.contact) { padding: 0.2em 0.45em; flex: none; }
      /* A circled i drawn, not the character ⓘ: few fonts have it, and the first row drawn would
         look a fallback font up and load it in the middle of a frame (22 ms here). */
      .info { display: inline-block; width: 1.1em; line-height: 1.1em; border: 1px solid currentColor; border-radius: 50%; font: italic bold 0.8em serif; text-align: center; }
      .badge { background: var(--_accent); color: var(--_on-accent); border-radius: 1em; padding: 0 0.5em; font-size: 0.8em; }
      form { display: flex; gap: 0.4em; }
      form input { flex: 1; min-width: 0; }
    `,
  ];

  declare selected: string;
  declare error: string;
  /** The selected contact's clock, and which resource answered (asked again when that changes). */
  declare time: { of: string; time: ContactTime | null } | undefined;
  /** What our server offers (XEP-0191, XEP-0377): asked of the worker until it knows blocking is there. */
  declare support: { blocking: boolean; reporting: boolean } | undefined;
  private askingSupport = false;
  private readonly contacts = new LiveQuery(this, reads.contacts, touches('roster', 'nicks'));
  private readonly presence = new LiveQuery(this, listPresence, touches('presence'));
  private readonly requests = new LiveQuery(this, reads.requests, touches('requests', 'nicks'));
  private readonly lastSeen = new LiveQuery(this, listLastSeen, touches('lastSeen'));
  private readonly blocked = new LiveQuery(this, reads.blocked, touches('blocked'));
  private readonly unread = new LiveQuery(
    this,
    reads.unread,
    touches('conversations'),
  );
  /** A roster of thousands costs what is near the screen: the other rows are not drawn. */
  private readonly rows = new VisibleRows(this, () => this.contacts.value?.length ?? 0);

  constructor() {
    super();
    this.selected = '';
    this.error = '';
  }

  override render() {
    const requests = this.requests.value ?? [];
    const contacts = this.contacts.value ?? [];
    const [start, end] = this.rows.range();
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
                  ${this.blockButtons(r.jid)}
                </li>`,
              )}
            </ul>
          </section>`
        : nothing}
      <section aria-labelledby="contacts-h">
        <h2 id="contacts-h">Contacts</h2>
        <ul>
          <li data-spacer aria-hidden="true" style="height:${this.rows.before()}"></li>
          ${contacts.slice(start, end).map((c, i) => this.renderContact(c, start + i, contacts.length))}
          <li data-spacer aria-hidden="true" style="height:${this.rows.after()}"></li>
        </ul>
        <parley-card></parley-card>
      </section>
      ${this.renderBlocked()}
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

  /** Contact `c`, row `index` of `count`: told to assistive technology, which sees only the rows drawn. */
  private renderContact(c: Contact, index: number, count: number) {
    const best = this.presence.value?.get(c.jid)?.[0];
    const status = presenceText(best, this.lastSeen.value?.get(c.jid));
    const unread = this.unread.value?.get(c.jid) ?? 0;
    return html`<li class="contact-row" data-jid=${c.jid} aria-posinset=${index + 1} aria-setsize=${count}>
      <button class="contact" aria-current=${this.selected === c.jid ? 'true' : 'false'} @click=${() => this.open(c.jid)}>
        <span class="dot" ?data-online=${!!best} data-show=${best?.show ?? ''} aria-hidden="true"></span>
        <parley-avatar .jid=${c.jid} .name=${displayName(c.jid, c)}></parley-avatar>
        <span class="who">
          <span class="name"><bdi>${displayName(c.jid, c)}</bdi> <span class="address muted"><bdi>${c.jid}</bdi></span></span>
          <span class="presence muted">${status}${c.pendingOut ? ' · awaiting approval' : ''}</span>
        </span>
        ${unread ? html`<span class="badge" aria-label="${unread} unread">${unread}</span>` : nothing}
      </button>
      <button aria-label="Card of ${c.jid}" title="Card" @click=${() => void this.renderRoot.querySelector('parley-card')!.open(c.jid)}><span class="info" aria-hidden="true">i</span></button>
      ${this.blockButtons(c.jid, true)}
      <button aria-label="Remove ${c.jid}" title="Remove" @click=${() => this.removeContact(c.jid)}>×</button>
    </li>
    ${this.selected === c.jid && best && this.time?.time ? html`<li class="detail muted">Local time ${localTime(this.time.time)}</li>` : nothing}`;
  }

  /** Block, and block and report where the server takes reports; none where it offers no blocking. `icons`: in a contact's row. */
  private blockButtons(jid: string, icons = false) {
    if (!this.support?.blocking || this.blocked.value?.includes(jid)) return nothing;
    return html`<button class="block" aria-label="Block ${jid}" title="Block" @click=${() => this.block(jid, false)}>${icons ? '⊘' : 'Block'}</button>
      ${this.support.reporting
        ? html`<button class="report" aria-label="Block and report ${jid}" title="Block and report" @click=${() => this.block(jid, true)}>${icons ? '⚑' : 'Report'}</button>`
        : nothing}`;
  }

  private renderBlocked() {
    const blocked = this.blocked.value ?? [];
    if (!blocked.length) return nothing;
    return html`<section aria-labelledby="blocked-h">
      <h2 id="blocked-h">Blocked</h2>
      <ul>
        ${blocked.map(
          (jid) => html`<li class="blocked" data-jid=${jid}>
            <span class="name"><bdi>${jid}</bdi></span>
            <button aria-label="Unblock ${jid}" @click=${() => this.run(() => parley().api.unblock(jid))}>Unblock</button>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private async block(jid: string, report: boolean): Promise<void> {
    const what = report ? `Block ${jid} and report them to your server as spam?` : `Block ${jid}? You will get nothing more from them.`;
    if (confirm(what)) await this.run(() => parley().api.block(jid, report));
  }

  /** Asks what the server offers until blocking is known, and the chosen contact's clock once per resource they are online with. */
  override updated(): void {
    if (!this.support?.blocking && !this.askingSupport) {
      this.askingSupport = true;
      parley().api.blockingSupport().then(
        (support) => {
          this.askingSupport = false;
          if (support.blocking) this.support = support;
        },
        () => (this.askingSupport = false),
      );
    }
    const best = this.presence.value?.get(this.selected)?.[0];
    const of = best ? `${this.selected}/${best.resource}` : '';
    if (!of || this.time?.of === of) return;
    this.time = { of, time: null };
    parley().api.contactTime(this.selected).then(
      (time) => {
        if (this.time?.of === of) this.time = { of, time };
      },
      () => undefined, // offline meanwhile: nothing to show
    );
  }

  /** Puts keyboard focus on the contact `jid`, if listed here. */
  async focusRow(jid: string): Promise<boolean> {
    const index = (this.contacts.value ?? []).findIndex((c) => c.jid === jid);
    if (index < 0) return false;
    await this.rows.show(index);
    const row = [...this.renderRoot.querySelectorAll<HTMLElement>('li.contact-row')].find((li) => li.dataset.jid === jid);
    row?.querySelector<HTMLElement>('button.contact')?.focus();
    return !!row;
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

declare global {
  interface HTMLElementTagNameMap {
    'parley-roster': ParleyRoster;
  }
}
