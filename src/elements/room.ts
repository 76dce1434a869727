import { html, css, nothing } from 'lit';
import { ParleyElement } from './element.js';
import { parley, getRoom } from '../client/index.js';
import { LiveQuery } from './live.js';
import { base } from './styles.js';
import './occupants.js';
import './invite.js';
import './room-settings.js';

/**
 * A room's header: its name and subject (text, isolated), whether we are in it (or why not), our
 * nick with a way to change it, inviting someone, the room's settings for its owner, subscribing
 * (MUC-Sub, where the room offers it) and unsubscribing, leaving, and the occupant list.
 */
export class ParleyRoom extends ParleyElement {
  static override properties = { jid: { type: String }, error: { state: true }, renaming: { state: true }, offered: { state: true } };
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; gap: 0.3em; border-left: 1px solid var(--_line); min-height: 0; }
      header { padding: 0.4em 0.5em; border-bottom: 1px solid var(--_line); display: flex; flex-direction: column; gap: 0.2em; }
      h2 { font-size: 1em; margin: 0; overflow-wrap: anywhere; }
      .subject { color: var(--_muted); white-space: pre-wrap; overflow-wrap: anywhere; }
      .row { display: flex; gap: 0.4em; align-items: center; flex-wrap: wrap; }
      form { display: flex; gap: 0.3em; }
      form input { min-width: 0; flex: 1; }
      parley-occupants { flex: 1; }
      .hint { color: var(--_muted); font-size: 0.85em; margin: 0; }
    `,
  ];

  declare jid: string;
  declare error: string;
  declare renaming: boolean;
  /** The room offers MUC-Sub (ejabberd): subscribing is possible. */
  declare offered: boolean;
  private readonly room = new LiveQuery(this, (db) => (this.jid ? getRoom(db, this.jid) : Promise.resolve(undefined)), (c) => c.stores.includes('rooms'));

  constructor() {
    super();
    this.jid = '';
    this.error = '';
    this.renaming = false;
    this.offered = false;
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (!changed.has('jid')) return;
    void this.room.refresh();
    this.offered = false;
    const jid = this.jid;
    if (jid) void parley().api.canSubscribe(jid).then((offered) => jid === this.jid && (this.offered = offered), () => undefined);
  }

  override render() {
    const room = this.room.value;
    if (!room) return nothing;
    const state = room.state === 'joined' ? '' : room.state === 'joining' ? 'Joining…' : room.subscribed ? 'Subscribed: its messages come without being in the room' : (room.reason ?? 'Not in the room');
    return html`<header aria-label=${`Room ${room.jid}`}>
        <h2><bdi dir="auto">${room.name || room.jid}</bdi></h2>
        ${room.subject ? html`<p class="subject" dir="auto">${room.subject}</p>` : nothing}
        ${state ? html`<p class="state" role="status">${state}</p>` : nothing}
        <div class="row">
          <span>You are <bdi class="own-nick" dir="auto">${room.nick}</bdi></span>
          ${this.renaming
            ? html`<form class="nick" @submit=${this.rename}>
                <input name="nick" aria-label="New nickname" dir="auto" .value=${room.nick} required />
                <button type="submit">Change</button>
              </form>`
            : html`<button class="rename" @click=${() => (this.renaming = true)}>Change nickname</button>`}
          ${room.state === 'joined' ? html`<parley-invite .room=${room.jid}></parley-invite>` : nothing}
          ${room.state === 'joined' && room.affiliation === 'owner' ? html`<parley-room-settings .room=${room.jid}></parley-room-settings>` : nothing}
          ${room.subscribed
            ? html`<button class="unsubscribe" aria-describedby="subscription-hint" @click=${this.unsubscribe}>Unsubscribe</button>`
            : this.offered ? html`<button class="subscribe" aria-describedby="subscription-hint" @click=${this.subscribe}>Subscribe</button>` : nothing}
          <button class="leave" @click=${this.leave}>${room.state === 'out' ? 'Forget this room' : 'Leave'}</button>
        </div>
        ${room.subscribed || this.offered
          ? html`<p id="subscription-hint" class="hint">${room.subscribed ? 'Unsubscribe: its messages stop coming while you are not in the room.' : "Subscribe: get the room's messages without being in it."}</p>`
          : nothing}
        <p class="error" role="alert">${this.error}</p>
      </header>
      ${room.state === 'joined' ? html`<parley-occupants .room=${room.jid}></parley-occupants>` : nothing}`;
  }

  private async rename(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const nick = new FormData(e.target as HTMLFormElement).get('nick') as string;
    await this.act(() => parley().api.changeNick(this.jid, nick));
    this.renaming = false;
  }

  private async subscribe(): Promise<void> {
    await this.act(() => parley().api.subscribeRoom(this.jid, this.room.value?.nick ?? ''));
  }

  private async unsubscribe(): Promise<void> {
    await this.act(() => parley().api.unsubscribeRoom(this.jid));
  }

  private async leave(): Promise<void> {
    await this.act(() => parley().api.leaveRoom(this.jid));
  }

  private async act(run: () => Promise<void>): Promise<void> {
    this.error = '';
    try {
      await run();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }
}
customElements.define('parley-room', ParleyRoom);
