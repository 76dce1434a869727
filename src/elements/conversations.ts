import { html, css, nothing } from 'lit';
import { ParleyElement } from './element.js';
import type { ConversationRecord } from '../client/index.js';
import { LiveQuery, reads, touches } from './live.js';
import { localPart } from '../shared/names.js';
import { dateFormat } from '../shared/time.js';
import { base } from './styles.js';
import { withoutFallback } from './replying.js';
import './invitations.js';

const when = dateFormat({ hour: '2-digit', minute: '2-digit' });

/**
 * Conversations with people and rooms together, most recent first, with the last message, unread
 * count and, in rooms, the messages that name us. A room we are in shows before anyone spoke in it.
 * Invitations to rooms come first, to accept or decline (`<parley-invitations>`).
 * Fires `parley-open` (detail: the contact's JID) when one is chosen.
 */
export class ParleyConversations extends ParleyElement {
  static override properties = { selected: { type: String } };
  static override styles = [
    base,
    css`
      :host { display: block; }
      h2 { font-size: 1em; margin: 0.5em; }
      ul { list-style: none; margin: 0; padding: 0; }
      button { width: 100%; border: none; border-radius: 0; text-align: left; display: grid; grid-template-columns: 1fr auto; gap: 0 0.5em; padding: 0.4em 0.5em; }
      button[aria-current='true'] { background: var(--_bubble-out); }
      .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .preview { grid-column: 1; color: var(--_muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .time { color: var(--_muted); font-size: 0.8em; }
      .badge { justify-self: end; background: var(--_accent); color: var(--_on-accent); border-radius: 1em; padding: 0 0.5em; font-size: 0.8em; }
      .mentions { background: var(--_danger); }
      .kind { color: var(--_muted); font-size: 0.8em; }
    `,
  ];

  declare selected: string;
  private readonly conversations = new LiveQuery(
    this,
    async (db) => {
      const [list, rooms] = await Promise.all([reads.conversations(db), reads.rooms(db)]);
      const shown = list.filter((c) => c.last || rooms.has(c.jid));
      const silent = [...rooms.keys()].filter((jid) => !list.some((c) => c.jid === jid)).map((jid): ConversationRecord => ({ jid, lastTs: 0, unread: 0 }));
      return { list: [...shown, ...silent], rooms };
    },
    touches('conversations', 'rooms'),
  );
  private readonly names = new LiveQuery(
    this,
    reads.names,
    touches('roster', 'nicks'),
  );

  constructor() {
    super();
    this.selected = '';
  }

  override render() {
    const list = this.conversations.value?.list ?? [];
    return html`<parley-invitations></parley-invitations>
      ${list.length
        ? html`<h2 id="h">Conversations</h2>
            <ul aria-labelledby="h">
              ${list.map((c) => this.renderOne(c))}
            </ul>`
        : nothing}`;
  }

  private renderOne(c: ConversationRecord) {
    const room = this.conversations.value?.rooms.get(c.jid);
    const name = room?.name ?? this.names.value?.get(c.jid) ?? localPart(c.jid);
    return html`<li class="conversation" data-jid=${c.jid} data-kind=${room ? 'room' : 'chat'}>
      <button aria-current=${this.selected === c.jid ? 'true' : 'false'} @click=${() => this.open(c.jid)}>
        <span class="name" dir="auto" title=${c.jid}>${room ? html`<span class="kind"># </span>` : nothing}${name}</span>
        ${c.lastTs ? html`<time class="time" datetime=${new Date(c.lastTs).toISOString()}>${when(c.lastTs)}</time>` : nothing}
        <span class="preview">${c.last?.direction === 'out' ? 'You: ' : ''}<bdi>${c.last ? withoutFallback(c.last).slice(0, 200) : ''}</bdi></span>
        ${c.mentions ? html`<span class="badge mentions" aria-label="${c.mentions} mentioning you">@${c.mentions}</span>` : nothing}
        ${c.unread ? html`<span class="badge unread" aria-label="${c.unread} unread">${c.unread}</span>` : nothing}
      </button>
    </li>`;
  }

  /** Puts keyboard focus on the row of `jid`, if listed here. */
  async focusRow(jid: string): Promise<boolean> {
    await this.updateComplete;
    const row = [...this.renderRoot.querySelectorAll<HTMLElement>('li.conversation')].find((li) => li.dataset.jid === jid);
    row?.querySelector('button')?.focus();
    return !!row;
  }

  private open(jid: string): void {
    this.dispatchEvent(new CustomEvent('parley-open', { detail: jid, bubbles: true, composed: true }));
  }
}
customElements.define('parley-conversations', ParleyConversations);

declare global {
  interface HTMLElementTagNameMap {
    'parley-conversations': ParleyConversations;
  }
}
