import { LitElement, html, css, nothing } from 'lit';
import { listInvitations, parley, type InvitationRecord } from '../client/index.js';
import { LiveQuery, reads, touches } from './live.js';
import { base } from './styles.js';

/**
 * Invitations to rooms waiting for an answer: who invites to which room and why (as text), with a
 * nickname to join under, Accept and Decline. Accepting joins (and bookmarks) the room; declining
 * tells the inviter. Fires `parley-open` with the room's JID once in.
 */
export class ParleyInvitations extends LitElement {
  static override properties = { errors: { state: true } };
  static override styles = [
    base,
    css`
      :host { display: block; }
      h2 { font-size: 1em; margin: 0.5em; }
      ul { list-style: none; margin: 0; padding: 0; }
      li { padding: 0.4em 0.5em; border-bottom: 1px solid var(--_line); display: flex; flex-direction: column; gap: 0.3em; }
      p { margin: 0; overflow-wrap: anywhere; }
      .reason { color: var(--_muted); }
      form { display: flex; gap: 0.3em; flex-wrap: wrap; }
      form input { min-width: 0; flex: 1; }
    `,
  ];

  declare errors: Record<string, string>;
  private readonly invitations = new LiveQuery(this, listInvitations, touches('invitations'));
  private readonly account = new LiveQuery(this, reads.account, touches('account'));

  constructor() {
    super();
    this.errors = {};
  }

  override render() {
    const list = this.invitations.value ?? [];
    if (!list.length) return nothing;
    const nick = this.account.value?.jid.split('@')[0] ?? '';
    return html`<h2 id="inv-h">Invitations</h2>
      <ul aria-labelledby="inv-h">
        ${list.map((i) => this.renderOne(i, nick))}
      </ul>`;
  }

  private renderOne(i: InvitationRecord, nick: string) {
    const id = `inv-${encodeURIComponent(i.room)}`;
    return html`<li class="invitation" data-room=${i.room} aria-labelledby=${id}>
      <p id=${id}><bdi dir="auto">${i.from}</bdi> invites you to <bdi dir="auto">${i.room}</bdi></p>
      ${i.reason ? html`<p class="reason" dir="auto">${i.reason}</p>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.accept(e, i.room)}>
        <input name="nick" aria-label=${`Your nickname in ${i.room}`} dir="auto" required .value=${nick} />
        <button class="accept primary" type="submit">Accept</button>
        <button class="decline" type="button" @click=${() => this.decline(i.room)}>Decline</button>
      </form>
      ${this.errors[i.room] ? html`<p class="error" role="alert">${this.errors[i.room]}</p>` : nothing}
    </li>`;
  }

  private async accept(e: SubmitEvent, room: string): Promise<void> {
    e.preventDefault();
    const nick = String(new FormData(e.target as HTMLFormElement).get('nick')).trim();
    if (await this.act(room, () => parley().api.acceptInvitation(room, nick))) {
      this.dispatchEvent(new CustomEvent('parley-open', { detail: room, bubbles: true, composed: true }));
    }
  }

  private async decline(room: string): Promise<void> {
    await this.act(room, () => parley().api.declineInvitation(room));
  }

  private async act(room: string, run: () => Promise<void>): Promise<boolean> {
    this.errors = { ...this.errors, [room]: '' };
    try {
      await run();
      return true;
    } catch (err) {
      this.errors = { ...this.errors, [room]: err instanceof Error ? err.message : String(err) };
      return false;
    }
  }
}
customElements.define('parley-invitations', ParleyInvitations);
