import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { parley, listMessages, searchMessages, type MessageRecord } from '../client/index.js';
import { isMeCommand, meText } from '../shared/styling.js';
import { LiveQuery, touches } from './live.js';
import { renderStyled, styledCss } from './styled-text.js';
import { base } from './styles.js';

const PAGE = 100;
const MARK_DELAY = 300;
const localPart = (jid: string) => jid.split('@')[0];
const TYPING_STALE_MS = 60_000;
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const STATE_TEXT: Record<string, string> = { pending: 'sending…', sent: 'sent', delivered: 'delivered', displayed: 'seen', received: '' };

/** The messages of one conversation, newest at the bottom, marked read while visible. */
export class ParleyConversation extends LitElement {
  static override properties = {
    jid: { type: String },
    query: { state: true },
    found: { state: true },
    limit: { state: true },
    loadingOlder: { state: true },
    archiveDone: { state: true },
  };
  static override styles = [
    base,
    styledCss,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; overflow-y: auto; padding: 0.5em 1em; }
      ol { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.3em; }
      li { max-width: 75%; padding: 0.35em 0.7em; border-radius: 10px; background: var(--_bubble-in); align-self: flex-start; }
      li[data-direction='out'] { background: var(--_bubble-out); align-self: flex-end; }
      .body { white-space: pre-wrap; overflow-wrap: anywhere; }
      .meta { font-size: 0.75em; color: var(--_muted); margin-left: 0.5em; }
      .older { align-self: center; margin-bottom: 0.5em; }
      .empty { color: var(--_muted); text-align: center; margin: auto; }
      .search { align-self: flex-end; margin-bottom: 0.5em; }
      .results { opacity: 0.95; }
      .typing { min-height: 1.4em; margin: 0.3em 0 0; font-size: 0.85em; }
    `,
  ];

  declare jid: string;
  declare limit: number;
  declare query: string;
  declare found: MessageRecord[] | undefined;
  declare loadingOlder: boolean;
  /** The server archive has nothing older than what is stored. */
  declare archiveDone: boolean;
  private readonly messages = new LiveQuery(
    this,
    (db) => (this.jid ? listMessages(db, this.jid, { limit: this.limit }) : Promise.resolve([])),
    (change) => !!this.jid && !!change.conversations?.includes(this.jid),
  );
  private readonly record = new LiveQuery(
    this,
    async (db) => (this.jid ? db.get('conversations', this.jid) : undefined),
    touches('conversations'),
  );
  private stickToBottom = true;
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onVisible = () => this.markRead();

  constructor() {
    super();
    this.jid = '';
    this.limit = PAGE;
    this.query = '';
    this.found = undefined;
    this.loadingOlder = false;
    this.archiveDone = false;
    this.setAttribute('role', 'region');
    this.addEventListener('scroll', () => {
      this.stickToBottom = this.scrollHeight - this.scrollTop - this.clientHeight < 40;
      if (this.scrollTop < 40 && this.scrollHeight > this.clientHeight && !this.archiveDoneAndShown()) void this.loadOlder();
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('focus', this.onVisible);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('focus', this.onVisible);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jid') && changed.get('jid') !== undefined) {
      this.limit = PAGE;
      this.archiveDone = false;
      this.query = '';
      this.stickToBottom = true;
      void this.messages.refresh();
      void this.record.refresh();
    }
    this.setAttribute('aria-label', this.jid ? `Conversation with ${this.jid}` : 'Conversation');
  }

  override render() {
    const list = this.messages.value ?? [];
    if (!this.jid) return html`<p class="empty">Choose a contact to start chatting.</p>`;
    const hits = this.found ?? [];
    // One outer template, so the search field survives switching between results and the log.
    return html`<input class="search" type="search" placeholder="Search" aria-label="Search this conversation"
        .value=${this.query} @input=${(e: Event) => void this.search((e.target as HTMLInputElement).value)} />
      ${this.query.trim()
        ? html`<p class="muted" role="status">${hits.length} found</p>
            <ol class="results" aria-label="Search results">
              ${hits.map((m) => this.renderMessage(m))}
            </ol>`
        : this.renderLog(list)}`;
  }

  private renderLog(list: MessageRecord[]) {
    return html`
      ${list.length >= this.limit || !this.archiveDone
        ? html`<button class="older" ?disabled=${this.loadingOlder} @click=${this.loadOlder}>${this.loadingOlder ? 'Loading…' : 'Show older messages'}</button>`
        : nothing}
      ${list.length === 0 ? html`<p class="empty">No messages yet.</p>` : nothing}
      <ol role="log" aria-live="polite" aria-label="Messages">
        ${repeat(list, (m) => m.key, (m) => this.renderMessage(m))}
      </ol>
      <p class="typing muted" aria-live="polite">${this.typing() ? `${this.jid} is typing…` : ''}</p>
    `;
  }

  // Text goes in as a text binding: Lit creates a text node, so markup in a body is never parsed.
  private renderMessage(m: MessageRecord) {
    const when = new Date(m.ts);
    return html`<li class="message" data-direction=${m.direction} data-state=${m.state}>
      <span class="visually-hidden">${m.direction === 'out' ? 'You' : m.conversation}:</span>
      <span class="body">${isMeCommand(m.body) ? html`<em class="me">* ${localPart(m.from)} ${meText(m.body)}</em>` : renderStyled(m.body)}</span>
      <time class="meta" datetime=${when.toISOString()} title=${day.format(when)}>${time.format(when)}</time>
      ${STATE_TEXT[m.state] ? html`<span class="meta state">${STATE_TEXT[m.state]}</span>` : nothing}
    </li>`;
  }

  private async search(query: string): Promise<void> {
    this.query = query;
    const jid = this.jid;
    const found = query.trim() ? await searchMessages(await parley().db, jid, query.trim()) : [];
    if (this.query === query && this.jid === jid) this.found = found;
  }

  /** The contact is composing, and said so recently (a vanished contact must not type forever). */
  private typing(): boolean {
    const chat = this.record.value?.chatState;
    return chat?.state === 'composing' && Date.now() - chat.ts < TYPING_STALE_MS;
  }

  private archiveDoneAndShown(): boolean {
    return this.archiveDone && (this.messages.value?.length ?? 0) < this.limit;
  }

  override updated(): void {
    if (this.stickToBottom) this.scrollTop = this.scrollHeight;
    this.markRead();
  }

  /** Older messages: from storage while it has them, then from the server's archive. */
  private async loadOlder(): Promise<void> {
    if (this.loadingOlder) return;
    this.loadingOlder = true;
    this.stickToBottom = false;
    const jid = this.jid;
    const height = this.scrollHeight;
    try {
      if ((this.messages.value?.length ?? 0) < this.limit) this.archiveDone = await parley().api.loadOlder(jid);
      this.limit += PAGE;
      await this.messages.refresh();
      await this.updateComplete;
      this.scrollTop += this.scrollHeight - height; // keep what the user was reading in place
    } catch {
      // Offline: storage is all there is for now; the button stays for a later try.
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Read means seen: only while this page is visible and focused. At most one call per
   * MARK_DELAY, so a burst of incoming messages costs one write, not one per message.
   */
  private markRead(): void {
    if (this.markTimer || !this.record.value?.unread || !this.jid) return;
    if (document.visibilityState !== 'visible' || !document.hasFocus()) return;
    const jid = this.jid;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      void parley().api.markRead(jid);
    }, MARK_DELAY);
  }
}
customElements.define('parley-conversation', ParleyConversation);
