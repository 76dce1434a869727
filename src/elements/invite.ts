import { LitElement, html, css } from 'lit';
import { parley } from '../client/index.js';
import { base } from './styles.js';

/**
 * Invites someone to a room, in a dialog: directly (XEP-0249), or through the room (XEP-0045
 * mediated, which members-only rooms need).
 */
export class ParleyInvite extends LitElement {
  static override properties = { room: { type: String }, message: { state: true } };
  static override styles = [base, css`:host { display: contents; } form { display: flex; flex-direction: column; gap: 0.4em; }`];

  declare room: string;
  declare message: string;

  constructor() {
    super();
    this.room = '';
    this.message = '';
  }

  override render() {
    return html`<button class="invite" @click=${this.open}>Invite…</button>
      <dialog aria-labelledby="invite-h">
        <form @submit=${this.send}>
          <h2 id="invite-h">Invite someone to this room</h2>
          <label>Address <input name="jid" type="text" required dir="auto" autocomplete="off" placeholder="name@example.org" /></label>
          <label>Message (optional) <input name="reason" type="text" dir="auto" /></label>
          <label><input name="mediated" type="checkbox" /> Through the room (for members-only rooms)</label>
          <p class="status" role="status">${this.message}</p>
          <div>
            <button class="primary" type="submit">Invite</button>
            <button type="button" @click=${this.close}>Cancel</button>
          </div>
        </form>
      </dialog>`;
  }

  private open(): void {
    this.message = '';
    this.renderRoot.querySelector('form')!.reset();
    this.renderRoot.querySelector('dialog')!.showModal();
  }

  private close(): void {
    this.renderRoot.querySelector('dialog')!.close();
  }

  private async send(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const jid = String(data.get('jid')).trim();
    const reason = String(data.get('reason') ?? '').trim();
    this.message = '';
    try {
      await parley().api.invite(this.room, jid, { ...(reason ? { reason } : {}), mediated: data.get('mediated') === 'on' });
      this.close();
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err);
    }
  }
}
customElements.define('parley-invite', ParleyInvite);
