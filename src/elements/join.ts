import { html, css, nothing } from 'lit';
import { ParleyElement } from './element.js';
import { parley } from '../client/index.js';
import type { JoinResult, RoomListing } from '../shared/api.js';
import { LiveQuery, reads, touches } from './live.js';
import { base } from './styles.js';

const FAILED: Record<Exclude<JoinResult['status'], 'joined' | 'nick-conflict'>, string> = {
  'password-required': 'This room needs a password.',
  banned: 'You are banned from this room.',
  'members-only': 'Only members may enter this room.',
  'not-allowed': 'The room did not let you in.',
  full: 'The room is full.',
  error: 'Could not join the room.',
};

/**
 * Join or create a room: its name (a bare name goes to our server's conference service) and a
 * nick; a nick that is taken offers another. Where the service offers MUC-Sub, subscribing instead
 * gets the room's messages without being in it. Lists the service's public rooms on request.
 * Fires `parley-open` with the room's JID once in (or subscribed).
 */
export class ParleyJoin extends ParleyElement {
  static override properties = { open: { state: true }, message: { state: true }, nick: { state: true }, needsPassword: { state: true }, rooms: { state: true }, subscribable: { state: true } };
  static override styles = [
    base,
    css`
      :host { display: block; padding: 0.5em; }
      form { display: flex; flex-direction: column; gap: 0.4em; }
      ul { list-style: none; margin: 0.4em 0; padding: 0; }
      li button { width: 100%; text-align: left; border: none; }
      .count, .hint { color: var(--_muted); font-size: 0.85em; }
      .hint { margin: 0; }
    `,
  ];

  declare open: boolean;
  declare message: string;
  declare nick: string;
  declare needsPassword: boolean;
  declare rooms: RoomListing[] | undefined;
  /** The conference service offers MUC-Sub (ejabberd). */
  declare subscribable: boolean;
  private readonly account = new LiveQuery(this, reads.account, touches('account'));
  private room = '';

  constructor() {
    super();
    this.open = false;
    this.message = '';
    this.nick = '';
    this.needsPassword = false;
    this.rooms = undefined;
    this.subscribable = false;
  }

  private get domain(): string {
    const jid = this.account.value?.jid ?? '';
    return jid.slice(jid.indexOf('@') + 1);
  }

  override render() {
    if (!this.open) return html`<button class="open-join" @click=${this.start}>Join or create a room</button>`;
    const nick = this.nick || (this.account.value?.jid.split('@')[0] ?? '');
    return html`<form class="join" aria-label="Join or create a room" @submit=${this.submit} @keydown=${this.escape}>
        <label>Room <input name="room" dir="auto" required .value=${this.room} placeholder=${`name, or name@conference.${this.domain}`} /></label>
        <label>Nickname <input name="nick" dir="auto" required .value=${nick} /></label>
        ${this.needsPassword ? html`<label>Password <input name="password" type="password" required /></label>` : nothing}
        <p class="error" role="alert">${this.message}</p>
        <div>
          <button class="primary" type="submit">Join</button>
          ${this.subscribable ? html`<button type="button" class="subscribe" aria-describedby="subscribe-hint" @click=${this.subscribe}>Subscribe</button>` : nothing}
          <button type="button" class="find" @click=${this.find}>Find rooms</button>
          <button type="button" @click=${this.close}>Cancel</button>
        </div>
        ${this.subscribable ? html`<p id="subscribe-hint" class="hint">Subscribe: get the room's messages without being in it.</p>` : nothing}
      </form>
      ${this.rooms
        ? html`<ul aria-label="Rooms on the server">
            ${this.rooms.map((r) => html`<li><button @click=${() => this.pick(r.jid)}>
              <bdi dir="auto">${r.name ?? r.jid}</bdi> ${r.occupants !== undefined ? html`<span class="count">(${r.occupants})</span>` : nothing}
            </button></li>`)}
          </ul>`
        : nothing}`;
  }

  /** Opens the form, keyboard focus in its first field. */
  private async start(): Promise<void> {
    this.open = true;
    void parley().api.canSubscribe(`conference.${this.domain}`).then((offered) => (this.subscribable = offered), () => (this.subscribable = false));
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('input[name="room"]')?.focus();
  }

  /** Escape, as Cancel, closes the form. */
  private escape(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    void this.close();
  }

  /** Back to the button that opened the form, keyboard focus on it. */
  private async close(): Promise<void> {
    this.open = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('button.open-join')?.focus();
  }

  private pick(jid: string): void {
    this.room = jid;
    this.requestUpdate();
  }

  private async find(): Promise<void> {
    try {
      this.rooms = await parley().api.discoverRooms();
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err);
    }
  }

  /** The room's JID and the password as filled in; the name and nick are kept for another try. */
  private fields(form: HTMLFormElement): { room: string; password?: string } {
    const data = new FormData(form);
    const name = String(data.get('room')).trim();
    this.room = name;
    this.nick = String(data.get('nick')).trim();
    this.message = '';
    const password = data.get('password');
    return { room: name.includes('@') ? name : `${name}@conference.${this.domain}`, ...(password ? { password: String(password) } : {}) };
  }

  /** In (or subscribed): the form closes and the room opens. */
  private done(room: string): void {
    this.open = false;
    this.room = '';
    this.needsPassword = false;
    this.dispatchEvent(new CustomEvent('parley-open', { detail: room.toLowerCase(), bubbles: true, composed: true }));
  }

  private async subscribe(): Promise<void> {
    const form = this.renderRoot.querySelector<HTMLFormElement>('form.join')!;
    if (!form.reportValidity()) return;
    const { room, password } = this.fields(form);
    try {
      await parley().api.subscribeRoom(room, this.nick, password);
      this.done(room);
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err);
    }
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const { room, password } = this.fields(e.target as HTMLFormElement);
    try {
      // Joining a room that does not exist creates it, with the server's default configuration.
      const result = password ? await parley().api.joinRoom(room, this.nick, password) : await parley().api.createRoom(room, this.nick);
      if (result.status === 'joined') {
        this.done(room);
      } else if (result.status === 'nick-conflict') {
        this.message = `The nickname "${this.nick}" is taken in this room. Try "${result.suggestion}"?`;
        this.nick = result.suggestion;
      } else {
        if (result.status === 'password-required') this.needsPassword = true;
        this.message = 'text' in result && result.text ? `${FAILED[result.status]} (${result.text})` : FAILED[result.status];
      }
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err);
    }
  }
}
customElements.define('parley-join', ParleyJoin);
