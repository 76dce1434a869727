import { html, css, nothing, type PropertyValues } from 'lit';
import { ParleyElement } from './element.js';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { parley, getConversation, getRoom, listMessages, searchMessages, type MessageRecord } from '../client/index.js';
import { displayName } from '../shared/names.js';
import { isMeCommand, meText } from '../shared/styling.js';
import { dateFormat } from '../shared/time.js';
import { ChatStateController, LiveQuery, reads, shared, touches } from './live.js';
import { renderStyled, styledCss } from './styled-text.js';
import { base } from './styles.js';
import { COMMON_REACTIONS, replying, withoutFallback } from './replying.js';
import { sending } from './sending.js';
import { logRows, type LogRow } from './message-groups.js';
import './attachment.js';
import './avatar.js';

const PAGE = 100;
/**
 * Rows drawn first when a conversation opens: more than a screen holds. The rest of the window
 * follows as many at a time, a task each, so the newest messages show without waiting for a hundred rows.
 */
const FIRST_ROWS = 25;
const MARK_DELAY = 300;

/** A conversation's newest `limit` messages, shared (see `readFirstWindow`). */
const readWindow = shared((db, jid: string, limit: number) => listMessages(db, jid, { limit }));

/**
 * Asks for `jid`'s first window of messages now, before the conversation element exists: the
 * client does as it starts, so the read that a cold open waits for goes out first, not behind
 * every pane's, and its answer is drawn first.
 */
export function readFirstWindow(jid: string): Promise<unknown> {
  return parley().db.then((db) => readWindow(db, jid, PAGE)).catch(() => undefined);
}

const SEARCH_DELAY = 200;
/** Longer bodies show their start and a "Show more" button: a hostile 64K body costs nothing until asked for. */
const LONG = 3000;
/** Earlier texts of a corrected message shown (XEP-0308): a peer may correct a message without end. */
const EDITS_SHOWN = 5;
const localPart = (jid: string) => jid.split('@')[0];
const TYPING_STALE_MS = 60_000;
const time = dateFormat({ hour: '2-digit', minute: '2-digit' });
const day = dateFormat({ dateStyle: 'medium', timeStyle: 'short' });
const STATE_TEXT: Record<string, string> = { pending: 'sending…', sent: 'sent', delivered: 'delivered', displayed: 'seen', received: '' };

/** `text`, or its first `max` UTF-16 units (not splitting a surrogate pair) and "…". */
function clip(text: string, max = LONG): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/**
 * The messages of one conversation, newest at the bottom. A message is read once it was on screen in
 * a visible, focused page; scrolled up, newer ones wait below a "New messages" marker and a jump button.
 */
export class ParleyConversation extends ParleyElement {
  static override properties = {
    jid: { type: String },
    query: { state: true },
    actionError: { state: true },
    found: { state: true },
    limit: { state: true },
    drawn: { state: true },
    loadingOlder: { state: true },
    archiveDone: { state: true },
    picking: { state: true },
    editing: { state: true },
    editError: { state: true },
    atBottom: { state: true },
    expanded: { state: true },
  };
  static override styles = [
    base,
    styledCss,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; overflow-y: auto; padding: 0.5em 1em; }
      ol { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.3em; }
      li { max-width: 75%; padding: 0.35em 0.7em; border-radius: 10px; background: var(--_bubble-in); align-self: flex-start; }
      li[data-direction='out'] { background: var(--_bubble-out); align-self: flex-end; }
      li.message { position: relative; }
      li.message[data-direction='in'] { margin-left: 2.5em; }
      .who { position: absolute; left: -2.5em; top: 0; }
      /* A day's first message carries the date line above it, across the whole log (so the list holds only messages). */
      .log { container-type: inline-size; }
      li.message.first:not(:first-child) { margin-top: 0.5em; }
      li.message.first.first-unread { margin-top: 1.4em; }
      li.message.first.new-day { margin-top: 2.2em; }
      li.message.first.new-day.first-unread { margin-top: 3.4em; }
      /* Its font is 0.8 of the message's: 3.125em here is the 2.5em margin of an incoming message. */
      .day { position: absolute; top: -2.4em; width: 100cqw; margin: 0; display: flex; align-items: center; gap: 0.75em; font-size: 0.8em; font-weight: 600; color: var(--_muted); }
      li.first-unread .day { top: -3.9em; }
      li[data-direction='in'] .day { left: -3.125em; }
      li[data-direction='out'] .day { right: 0; }
      .day::before, .day::after { content: ''; flex: 1; border-top: 1px solid var(--_line); }
      .body { white-space: pre-wrap; overflow-wrap: anywhere; }
      .meta { font-size: 0.75em; color: var(--_muted); margin-left: 0.5em; }
      .older { align-self: center; margin-bottom: 0.5em; }
      .empty { color: var(--_muted); text-align: center; margin: auto; }
      .search { align-self: flex-end; margin-bottom: 0.5em; }
      .error:empty { display: none; }
      .results { opacity: 0.95; }
      .typing { min-height: 1.4em; margin: 0.3em 0 0; font-size: 0.85em; }
      .quote { display: block; margin: 0 0 0.2em; padding-left: 0.5em; border-left: 3px solid var(--_line); color: var(--_muted); font-size: 0.9em; white-space: pre-wrap; overflow-wrap: anywhere; }
      .reactions { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25em; margin: 0.2em 0 0; padding: 0; }
      .reactions button, .message-actions button, .picker button { font-size: 0.8em; padding: 0.05em 0.4em; border-radius: 999px; }
      .reactions button[aria-pressed='true'] { outline: 2px solid var(--_line); }
      .message-actions { margin-left: 0.3em; }
      .picker { display: inline-flex; gap: 0.15em; }
      .retracted { color: var(--_muted); }
      .sender { display: block; font-size: 0.8em; font-weight: 600; color: var(--_accent); }
      li.mention { outline: 2px solid var(--_accent); }
      .moderate-button { font-size: 0.75em; padding: 0.1em 0.4em; margin-left: 0.3em; }
      .edited { display: inline; }
      .edited summary { display: inline; cursor: pointer; }
      .edited p { margin: 0.2em 0; white-space: pre-wrap; }
      .actions button { font-size: 0.75em; padding: 0.1em 0.4em; margin-left: 0.3em; }
      .edit { display: flex; flex-direction: column; gap: 0.3em; }
      .edit textarea { min-width: 16em; resize: vertical; }
      li.first-unread { margin-top: 1.4em; position: relative; }
      .new-marker { position: absolute; top: -1.4em; left: 0; white-space: nowrap; font-size: 0.8em; font-weight: 600; color: var(--_accent); }
      .more { font-size: 0.8em; padding: 0 0.4em; margin-left: 0.3em; }
      .jump {
        position: sticky; bottom: 0.3em; align-self: center; margin-top: auto;
        background: var(--_accent); border-color: var(--_accent); color: var(--_on-accent); border-radius: 999px; box-shadow: 0 1px 4px var(--_shadow);
      }
    `,
  ];

  declare jid: string;
  declare limit: number;
  /** How many of the newest rows are drawn (see FIRST_ROWS). */
  declare drawn: number;
  private drawing: ReturnType<typeof setTimeout> | undefined;
  /**
   * Keeps the newest message in view while at the bottom, once the log is laid out: scrolling from
   * `updated` would force a layout in the middle of every update.
   */
  private readonly stick = new ResizeObserver(() => {
    if (this.atBottom) this.scrollTop = this.scrollHeight;
  });
  private stuckTo: Element | null = null;
  declare query: string;
  /** Why the last retract or reaction failed (offline, …), shown until the next one. */
  declare actionError: string;
  declare found: MessageRecord[] | undefined;
  declare loadingOlder: boolean;
  /** The server archive has nothing older than what is stored. */
  declare archiveDone: boolean;
  /** Key of our message being corrected inline (XEP-0308), if any. */
  declare editing: string | undefined;
  declare editError: string;
  private readonly messages: LiveQuery<MessageRecord[]> = new LiveQuery(
    this,
    async (db): Promise<MessageRecord[]> => sameRecords(this.messages.value, this.jid ? await readWindow(db, this.jid, this.limit) : []),
    (change) => !!this.jid && !!change.conversations?.includes(this.jid) && !belowWindow(this.messages.value, this.jid, change.added, this.limit),
    (shown, change) => withNewest(shown, this.jid, change.added ?? [], this.limit),
  );
  private readonly record = new LiveQuery(
    this,
    async (db) => (this.jid ? getConversation(db, this.jid) : undefined),
    touches('conversations'),
  );
  /** Scrolled to the newest message: new ones keep it in view. */
  declare atBottom: boolean;
  /** Keys of long messages shown whole. */
  declare expanded: ReadonlySet<string>;
  /** Key of the message whose reaction picker is open (XEP-0444). */
  declare picking: string | undefined;
  private readonly account = new LiveQuery(this, reads.account, touches('account'));
  /** The room this conversation is, if it is one: our role there decides what we may do. */
  private readonly room = new LiveQuery(this, (db) => (this.jid ? getRoom(db, this.jid) : Promise.resolve(undefined)), touches('rooms'));
  /** The contact's name (one-to-one), beside their runs of messages. */
  private readonly name = new LiveQuery(this, async (db) => (this.jid ? (await reads.names(db)).get(this.jid) : undefined), touches('roster', 'nicks'));
  private readonly chatStates = new ChatStateController(this);
  /** "Today" becomes "Yesterday" at midnight while the page stays open. */
  private midnightTimer: ReturnType<typeof setTimeout> | undefined;
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onVisible = () => this.markRead();
  private readonly onSend = (e: Event) => {
    // One's own new message must show, wherever the user had scrolled to.
    if ((e as CustomEvent<string>).detail !== this.jid) return;
    this.atBottom = true;
    this.scrollTop = this.scrollHeight;
  };

  constructor() {
    super();
    this.jid = '';
    this.limit = PAGE;
    this.drawn = FIRST_ROWS;
    this.query = '';
    this.actionError = '';
    this.found = undefined;
    this.loadingOlder = false;
    this.archiveDone = false;
    this.picking = undefined;
    this.editing = undefined;
    this.editError = '';
    this.atBottom = true;
    this.expanded = new Set();
    this.setAttribute('role', 'region');
    this.addEventListener('scroll', () => {
      this.atBottom = this.scrollHeight - this.scrollTop - this.clientHeight < 40;
      if (this.scrollTop < 40 && this.scrollHeight > this.clientHeight && !this.archiveDoneAndShown()) void this.loadOlder();
      this.markRead();
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasAttribute('tabindex')) this.tabIndex = -1; // focusable from code (after a jump), not a tab stop
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('focus', this.onVisible);
    sending.addEventListener('send', this.onSend);
    this.stick.observe(this);
    this.atMidnight();
  }

  private atMidnight(): void {
    const next = new Date();
    next.setHours(24, 0, 0, 0);
    this.midnightTimer = setTimeout(() => {
      this.requestUpdate();
      this.atMidnight();
    }, next.getTime() - Date.now() + 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('focus', this.onVisible);
    sending.removeEventListener('send', this.onSend);
    clearTimeout(this.searchTimer);
    clearTimeout(this.midnightTimer);
    clearTimeout(this.drawing);
    this.drawing = undefined;
    this.stick.disconnect();
    this.stuckTo = null;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jid') && changed.get('jid') !== undefined) {
      this.limit = PAGE;
      this.drawn = FIRST_ROWS;
      this.archiveDone = false;
      this.query = '';
      this.atBottom = true;
      this.expanded = new Set();
      void this.messages.refresh();
      void this.record.refresh();
      void this.room.refresh();
      void this.name.refresh();
    }
    this.setAttribute('aria-label', this.jid ? `Conversation with ${this.jid}` : 'Conversation');
  }

  override render() {
    const list = this.messages.value ?? [];
    if (!this.jid) return html`<p class="empty">Choose a contact to start chatting.</p>`;
    const hits = this.found ?? [];
    // One outer template, so the search field survives switching between results and the log.
    return html`<input class="search" type="search" placeholder="Search" aria-label="Search this conversation"
        .value=${this.query} @input=${(e: Event) => this.search((e.target as HTMLInputElement).value)} />
      <p class="error" role="alert">${this.actionError}</p>
      ${this.query.trim()
        ? html`<p class="muted" role="status">${hits.length} found</p>
            <ol class="results" aria-label="Search results">
              ${hits.map((m) => this.renderMessage(m, false, undefined, lastOwnKey(list)))}
            </ol>`
        : this.renderLog(list)}`;
  }

  private renderLog(list: MessageRecord[]) {
    const unread = this.record.value?.unread ?? 0;
    // At the bottom new messages are in view anyway: the marker is for one scrolled up.
    const firstUnread = this.atBottom ? undefined : firstUnreadKey(list, unread);
    const lastOwn = lastOwnKey(list);
    return html`
      ${list.length >= this.limit || !this.archiveDone
        ? html`<button class="older" ?disabled=${this.loadingOlder} @click=${this.loadOlder}>${this.loadingOlder ? 'Loading…' : 'Show older messages'}</button>`
        : nothing}
      ${list.length === 0 ? html`<p class="empty">No messages yet.</p>` : nothing}
      <div class="log" role="log" aria-live="polite" aria-label="Messages"><ol>
        ${repeat(logRows(list, firstUnread).slice(-this.drawn), (row) => row.message.key, (row) => this.renderRow(row, firstUnread, lastOwn))}
      </ol></div>
      <p class="typing muted" aria-live="polite">${this.typing() ? html`<bdi>${this.jid}</bdi> is typing…` : ''}</p>
      ${this.atBottom
        ? nothing
        : html`<button class="jump" aria-label=${unread ? `${unread} new message${unread === 1 ? '' : 's'}, jump to the newest` : 'Jump to the newest message'}
            @click=${this.jumpToNewest}>↓${unread ? ` ${unread} new` : ''}</button>`}
    `;
  }

  /**
   * A row is drawn again only when something it shows changed: a new message then costs one row, not
   * the whole window (records read again are the same objects while unchanged, see sameRecords).
   */
  private renderRow(row: LogRow, firstUnread: string | undefined, lastOwn: string | undefined) {
    const m = row.message;
    const own = (key: string | undefined) => key === m.key;
    const deps = [m, this.original(m), row.first, row.day, own(firstUnread), own(lastOwn), own(this.editing) && this.editError, own(this.picking),
      this.expanded.has(m.key), this.name.value, this.account.value?.jid, this.room.value?.role];
    return guard(deps, () => this.renderMessage(m, own(firstUnread), row, lastOwn));
  }

  /** Who sent an incoming message: their nick in a room, else the contact's name (a room occupant's: their nick). */
  private senderName(m: MessageRecord): string {
    if (m.nick) return m.nick;
    const slash = this.jid.indexOf('/');
    return slash >= 0 ? this.jid.slice(slash + 1) : displayName(this.jid, { name: this.name.value });
  }

  // Text goes in as a text binding: Lit creates a text node, so markup in a body is never parsed.
  // Every remote string (body, address, reaction) is isolated (dir=auto, <bdi>): a right-to-left
  // override in it cannot reorder Parley's own text beside it, such as the time.
  private renderMessage(m: MessageRecord, firstUnread = false, { first, day: dayLine }: Omit<LogRow, 'message'> = { first: true }, lastOwn?: string) {
    const when = new Date(m.ts);
    // XEP-0461: a reply whose original is shown above it does not show its fallback quote as well.
    const original = this.original(m);
    if (original && m.fallback) m = { ...m, body: withoutFallback(m) };
    const classes = `message${first ? ' first' : ''}${dayLine ? ' new-day' : ''}${firstUnread ? ' first-unread' : ''}${m.mention ? ' mention' : ''}`;
    const name = m.direction === 'in' ? this.senderName(m) : '';
    return html`<li part="message" class=${classes} data-key=${m.key} data-direction=${m.direction} data-state=${m.state}>
      ${dayLine ? html`<h3 class="day">${dayLine}</h3>` : nothing}
      ${firstUnread ? html`<span class="new-marker">New messages</span>` : nothing}
      ${m.direction === 'in'
        ? html`${first ? html`<parley-avatar class="who" .jid=${m.nick ? m.from : m.conversation} .name=${name}></parley-avatar>` : nothing}<span
            class=${first ? 'sender' : 'sender visually-hidden'}><bdi class="nick" dir="auto">${name}</bdi><span class="visually-hidden">:</span></span>`
        : html`<span class="visually-hidden">You:</span>`}
      ${original ? this.renderQuote(original) : nothing}
      ${m.moderated
        ? html`<span class="body retracted moderated"><em>removed by <bdi>${m.moderated.by}</bdi>${m.moderated.reason ? html`: <bdi>${m.moderated.reason}</bdi>` : nothing}</em></span>`
        : m.retracted
        ? html`<span class="body retracted"><em>message retracted</em></span>`
        : this.editing === m.key
          ? this.renderEditor(m)
          : this.renderBody(m)}
      <time class="meta" datetime=${when.toISOString()} title=${day(when)}>${time(when)}</time>
      ${STATE_TEXT[m.state] ? html`<span class="meta state">${STATE_TEXT[m.state]}</span>` : nothing}
      ${this.renderReactionActions(m)}
      ${this.renderEdits(m, lastOwn)}
      ${this.room.value?.role === 'moderator' && m.stanzaId && !m.retracted
        ? html`<button class="moderate-button" aria-label="Remove this message for everyone" @click=${() => void this.moderate(m)}>Remove</button>`
        : nothing}
    </li>`;
  }

  /** XEP-0425: as a room moderator, take the message back for everyone, saying why if the user does. */
  private async moderate(m: MessageRecord): Promise<void> {
    const reason = prompt('Remove this message for everyone. Reason (optional):');
    if (reason === null) return;
    try {
      await parley().api.moderate(this.jid, m.key, reason);
    } catch (err) {
      this.actionError = err instanceof Error ? err.message : String(err);
    }
  }

  /** The text, styled; a long one cut short until the user asks for the whole. */
  private renderBody(m: MessageRecord) {
    if (m.oob) return html`<parley-attachment class="body" .url=${m.oob}></parley-attachment>`;
    const long = m.body.length > LONG;
    const whole = !long || this.expanded.has(m.key);
    const body = whole ? m.body : clip(m.body);
    return html`<span class="body" dir="auto">${isMeCommand(body) ? html`<em class="me">* ${localPart(m.from)} ${meText(body)}</em>` : renderStyled(body)}</span>${long
      ? html`<button class="more" aria-expanded=${whole ? 'true' : 'false'} @click=${() => this.toggleWhole(m.key)}>${whole ? 'Show less' : 'Show more'}</button>`
      : nothing}`;
  }

  private toggleWhole(key: string): void {
    const next = new Set(this.expanded);
    if (!next.delete(key)) next.add(key);
    this.expanded = next;
  }

  /** XEP-0308/0424: "(edited)" with the earlier texts, and Edit (last own message only) / Retract on ours. */
  private renderEdits(m: MessageRecord, lastOwn: string | undefined) {
    const hidden = Math.max(0, (m.edits?.length ?? 0) - EDITS_SHOWN);
    const edits = !m.retracted && m.edits?.length
      ? html`<details class="meta edited"><summary title=${`Before: ${clip(m.edits.at(-1)!.body, 200)}`}>(edited)</summary>
          ${hidden ? html`<p class="hidden-edits">${hidden} earlier version${hidden === 1 ? '' : 's'} not shown</p>` : nothing}
          ${m.edits.slice(-EDITS_SHOWN).map((e) => html`<p class="previous" dir="auto">${clip(e.body)}</p>`)}</details>`
      : nothing;
    if (m.direction !== 'out' || m.retracted || m.state === 'pending' || this.editing === m.key) return edits;
    const what = clip(m.body, 40);
    return html`${edits}<span class="actions">
      ${lastOwn === m.key
        ? html`<button class="edit-button" aria-label=${`Edit your message: ${what}`} @click=${() => void this.startEdit(m)}>Edit</button>`
        : nothing}
      <button class="retract-button" aria-label=${`Retract your message: ${what}`} @click=${() => void this.retract(m)}>Retract</button>
    </span>`;
  }

  private renderEditor(m: MessageRecord) {
    return html`<form class="edit body" @submit=${(e: Event) => { e.preventDefault(); void this.saveEdit(m); }}>
      <textarea aria-label="Edit your message" dir="auto" .value=${m.body} @keydown=${(e: KeyboardEvent) => this.editKey(e, m)}></textarea>
      <span><button class="primary" type="submit">Save</button> <button type="button" @click=${() => this.cancelEdit()}>Cancel</button></span>
      <span class="error" role="alert">${this.editError}</span>
    </form>`;
  }

  private async startEdit(m: MessageRecord): Promise<void> {
    this.editError = '';
    this.editing = m.key;
    await this.updateComplete;
    const input = this.renderRoot.querySelector<HTMLTextAreaElement>('form.edit textarea');
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }

  /** Enter saves, Shift+Enter is a new line, Escape cancels. */
  private editKey(e: KeyboardEvent, m: MessageRecord): void {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.cancelEdit();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.saveEdit(m);
    }
  }

  private cancelEdit(): void {
    const key = this.editing;
    this.editing = undefined;
    this.editError = '';
    void this.updateComplete.then(() => this.focusActions(key));
  }

  private async saveEdit(m: MessageRecord): Promise<void> {
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('form.edit textarea')?.value ?? '';
    try {
      await parley().api.correct(this.jid, m.key, text);
      this.cancelEdit();
    } catch (err) {
      this.editError = (err as Error).message; // the text stays in the field
    }
  }

  private async retract(m: MessageRecord): Promise<void> {
    if (!confirm('Retract this message? Its text is deleted here and the contact is asked to delete it, but they may have read it already.')) return;
    try {
      this.editError = '';
      this.actionError = '';
      await parley().api.retract(this.jid, m.key);
    } catch (err) {
      this.actionError = (err as Error).message;
    }
  }

  /** Focus back on the message's own buttons after editing, so keyboard users stay in place. */
  private focusActions(key: string | undefined): void {
    const item = [...this.renderRoot.querySelectorAll<HTMLElement>('li.message')].find((li) => li.dataset.key === key);
    item?.querySelector<HTMLButtonElement>('.edit-button, .retract-button')?.focus();
  }

  /** XEP-0461: the stored message a reply answers, found by the id it gives, in this conversation. */
  private original(m: MessageRecord): MessageRecord | undefined {
    const to = m.replyTo;
    if (!to) return undefined;
    const list = [...(this.messages.value ?? []), ...(this.found ?? [])];
    const ends = (x: MessageRecord) => x.key === `${x.conversation} ${x.direction} ${to.id}`;
    return list.find((x) => x.key !== m.key && (x.key === to.key || x.id === to.id || x.originId === to.id || ends(x)));
  }

  private renderQuote(original: MessageRecord) {
    const text = withoutFallback(original);
    const who = original.direction === 'out' ? 'You' : original.conversation;
    return html`<span class="quote" title=${`In reply to ${who}`}><span class="visually-hidden">In reply to <bdi>${who}</bdi>:</span><span class="quote-text" dir="auto">${clip(text, 200)}</span></span>`;
  }

  /** XEP-0444 reactions with counts (who, in the title), then the React and Reply buttons. */
  private renderReactionActions(m: MessageRecord) {
    const me = this.account.value?.jid;
    const entries = Object.entries(m.reactions ?? {}).filter(([, who]) => who.length > 0);
    const retracted = (m as { retracted?: unknown }).retracted;
    return html`${entries.length
        ? html`<ul class="reactions" aria-label="Reactions">
            ${entries.map(([emoji, who]) => {
              const mine = !!me && who.includes(me);
              const names = who.map((j) => (j === me ? 'you' : j)).join(', ');
              return html`<li><button class="reaction" aria-pressed=${mine ? 'true' : 'false'} title=${names}
                  aria-label=${`${emoji} ${who.length}: ${names}`} data-emoji=${emoji} ?disabled=${!me}
                  @click=${() => void this.toggleReaction(m, emoji)}><bdi>${emoji}</bdi> ${who.length}</button></li>`;
            })}
          </ul>`
        : nothing}
      ${retracted || m.state === 'pending'
        ? nothing
        : html`<span class="message-actions">
            <button class="react-button" aria-label="React to this message" aria-expanded=${this.picking === m.key ? 'true' : 'false'}
              @click=${() => (this.picking = this.picking === m.key ? undefined : m.key)}>☺</button>
            ${this.picking === m.key
              ? html`<span class="picker" role="group" aria-label="Choose a reaction" @keydown=${(e: KeyboardEvent) => {
                  if (e.key === 'Escape') this.picking = undefined;
                }}>
                  ${COMMON_REACTIONS.map((emoji) => html`<button class="pick" aria-label=${`React with ${emoji}`}
                    @click=${() => void this.toggleReaction(m, emoji)}>${emoji}</button>`)}
                </span>`
              : nothing}
            <button class="reply-button" aria-label="Reply to this message" @click=${() => this.startReply(m)}>↩</button>
          </span>`}`;
  }

  /** Adds or removes one of our reactions; the worker sends our whole new set. */
  private async toggleReaction(m: MessageRecord, emoji: string): Promise<void> {
    this.picking = undefined;
    const me = this.account.value?.jid;
    if (!me) return;
    const own = Object.entries(m.reactions ?? {}).filter(([, who]) => who.includes(me)).map(([e]) => e);
    const next = own.includes(emoji) ? own.filter((e) => e !== emoji) : [...own, emoji];
    try {
      this.actionError = '';
      await parley().api.react(m.conversation, m.key, next);
    } catch (err) {
      this.actionError = (err as Error).message;
    }
  }

  private startReply(m: MessageRecord): void {
    replying.set({ conversation: m.conversation, key: m.key, author: m.direction === 'out' ? 'You' : m.conversation, text: withoutFallback(m) });
  }

  /** Typing fires per key and a search reads through the conversation: it runs once typing pauses. */
  private search(query: string): void {
    this.query = query;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.runSearch(query), query.trim() ? SEARCH_DELAY : 0);
  }

  private async runSearch(query: string): Promise<void> {
    const jid = this.jid;
    const found = query.trim() ? await searchMessages(await parley().db, jid, query.trim()) : [];
    if (this.query === query && this.jid === jid) this.found = found;
  }

  /** The contact is composing, and said so recently (a vanished contact must not type forever). */
  private typing(): boolean {
    const chat = this.chatStates.get(this.jid);
    return chat?.state === 'composing' && Date.now() - chat.ts < TYPING_STALE_MS;
  }

  private archiveDoneAndShown(): boolean {
    return this.archiveDone && (this.messages.value?.length ?? 0) < this.limit;
  }

  override updated(): void {
    const length = this.messages.value?.length ?? 0;
    if (this.drawn < length) this.drawing ??= setTimeout(() => {
      this.drawing = undefined;
      // The rest of the first window FIRST_ROWS at a time, a task each: its other 75 rows in one task
      // were laid out for over 50 ms here. Then every row, as paging back expects.
      this.drawn = this.drawn + FIRST_ROWS >= length ? Infinity : this.drawn + FIRST_ROWS;
    });
    // The log is drawn anew after a search: the new one is watched.
    const log = this.renderRoot.querySelector('.log');
    if (log !== this.stuckTo) {
      if (this.stuckTo) this.stick.unobserve(this.stuckTo);
      if (log) this.stick.observe(log);
      this.stuckTo = log;
    }
    this.markRead();
  }

  private jumpToNewest(): void {
    this.atBottom = true;
    this.scrollTop = this.scrollHeight;
    // The button goes away with the scroll: keyboard focus stays in the conversation, not lost to the page.
    this.focus();
  }

  /** Older messages: from storage while it has them, then from the server's archive. */
  private async loadOlder(): Promise<void> {
    if (this.loadingOlder) return;
    this.loadingOlder = true;
    this.atBottom = false;
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
      this.atBottom = this.scrollHeight - this.scrollTop - this.clientHeight < 40;
    }
  }

  /**
   * Read means seen: messages on screen while this page is visible and focused, up to the newest
   * incoming one there. At most one call per MARK_DELAY, so a burst of incoming messages or of
   * scroll events costs one write, not one per message.
   */
  private markRead(): void {
    if (this.markTimer || !this.record.value?.unread || !this.jid) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      if (document.visibilityState !== 'visible' || !document.hasFocus() || this.query.trim()) return;
      const upTo = this.newestOnScreen();
      if (upTo) void parley().api.markRead(this.jid, upTo).catch(() => undefined);
    }, MARK_DELAY);
  }

  /** Key of the newest incoming message whose end is inside the scrolled area, if any. */
  private newestOnScreen(): string | undefined {
    const top = this.getBoundingClientRect().top;
    const bottom = top + this.clientHeight;
    const items = this.renderRoot.querySelectorAll<HTMLElement>('.log li.message[data-direction="in"]');
    for (let i = items.length - 1; i >= 0; i--) {
      const box = items[i]!.getBoundingClientRect();
      if (box.bottom <= top) return undefined; // this one and all before it are above the view
      if (box.bottom <= bottom + 1 && box.height > 0) return items[i]!.dataset.key;
    }
    return undefined;
  }
}
customElements.define('parley-conversation', ParleyConversation);

/** Our newest message still there: the one Edit is offered on (XEP-0308 corrects only the last). */
function lastOwnKey(list: readonly MessageRecord[]): string | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.direction === 'out' && !list[i]!.retracted) return list[i]!.key;
  return undefined;
}

/** `next`, with each record equal to one in `previous` replaced by that one: unchanged rows stay unchanged. */
function sameRecords(previous: readonly MessageRecord[] | undefined, next: MessageRecord[]): MessageRecord[] {
  if (!previous?.length) return next;
  const before = new Map(previous.map((m) => [m.key, m]));
  return next.map((m) => {
    const old = before.get(m.key);
    return old && JSON.stringify(old) === JSON.stringify(m) ? old : m;
  });
}

/**
 * `shown` (the newest `limit` messages of `jid`) with the messages of `jid` in `added` after it, if they
 * are all newer than the newest shown, as the next read would return them; undefined when they belong
 * elsewhere, or `shown` is still another conversation's: the read that follows places them.
 */
function withNewest(shown: MessageRecord[], jid: string, added: MessageRecord[], limit: number): MessageRecord[] | undefined {
  added = added.filter((m) => m.conversation === jid);
  if (!added.length || (shown[0] && shown[0].conversation !== jid)) return undefined;
  const newest = shown.at(-1)?.ts ?? -Infinity;
  if (added.some((m) => m.ts <= newest)) return undefined;
  return [...shown, ...[...added].sort((a, b) => a.ts - b.ts)].slice(-limit);
}

/**
 * Whether `added` holds messages of `jid` and all are older than the oldest of `shown`, a full window
 * of its newest `limit`: a read would return `shown` again (an archive catch-up filling in beneath).
 */
function belowWindow(shown: MessageRecord[] | undefined, jid: string, added: MessageRecord[] | undefined, limit: number): boolean {
  const oldest = shown?.[0];
  if (!added || !oldest || oldest.conversation !== jid || shown.length < limit) return false;
  const mine = added.filter((m) => m.conversation === jid);
  return mine.length > 0 && mine.every((m) => m.ts < oldest.ts);
}

/** The first of the last `unread` incoming messages of `list`: where "New messages" starts. */
function firstUnreadKey(list: MessageRecord[], unread: number): string | undefined {
  if (unread <= 0) return undefined;
  let seen = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.direction === 'in' && ++seen === unread) return list[i]!.key;
  }
  return undefined;
}
