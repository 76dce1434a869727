import { LitElement, html, css, nothing } from 'lit';
import { parley } from '../client/index.js';
import { base } from './styles.js';

/**
 * `<parley-account>`: our account on the server (XEP-0077) in a dialog (`open(jid)`): change the
 * password (then the worker logs in again with it), or remove the account (then everything stored
 * here goes, as at logout).
 */
export class ParleyAccount extends LitElement {
  static override properties = { jid: { state: true }, error: { state: true }, done: { state: true }, busy: { state: true } };

  static override styles = [
    base,
    css`
      form.password { display: grid; gap: 0.5em; }
      label { display: grid; gap: 0.25em; }
      section { margin-top: 1em; }
    `,
  ];

  declare jid: string;
  declare error: string;
  /** What just succeeded, said once. */
  declare done: string;
  declare busy: boolean;

  constructor() {
    super();
    this.jid = '';
    this.error = '';
    this.done = '';
    this.busy = false;
  }

  async open(jid: string): Promise<void> {
    Object.assign(this, { jid, error: '', done: '' });
    await this.updateComplete;
    this.renderRoot.querySelector('dialog')!.showModal();
  }

  override render() {
    return html`<dialog aria-labelledby="account-h" @close=${() => (this.jid = '')}>${this.jid
      ? html`<h2 id="account-h">Your account <bdi>${this.jid}</bdi></h2>
          <form class="password" @submit=${this.change} aria-busy=${this.busy ? 'true' : 'false'}>
            <label>New password <input name="password" type="password" autocomplete="new-password" required /></label>
            <label>New password again <input name="again" type="password" autocomplete="new-password" required /></label>
            <button class="primary" type="submit" ?disabled=${this.busy}>Change password</button>
          </form>
          <section>
            <button class="remove" ?disabled=${this.busy} @click=${this.removeAccount}>Delete account…</button>
          </section>
          <p role="status">${this.done}</p>
          <p class="error" role="alert">${this.error}</p>
          <form method="dialog"><button>Close</button></form>`
      : nothing}</dialog>`;
  }

  private async change(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const password = String(data.get('password'));
    if (password !== String(data.get('again'))) {
      this.error = 'The two passwords differ.';
      return;
    }
    if (await this.run(() => parley().api.changePassword(password))) {
      form.reset();
      this.done = 'Password changed.';
    }
  }

  private async removeAccount(): Promise<void> {
    if (!confirm(`Delete the account ${this.jid} from its server? Its contacts, messages and everything else on the server go, and so does everything stored here.`)) return;
    if (await this.run(() => parley().api.removeAccount())) this.renderRoot.querySelector('dialog')?.close();
  }

  private async run(command: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = '';
    this.done = '';
    try {
      await command();
      return true;
    } catch (err) {
      this.error = (err as Error).message.replace(/^Error: /, '');
      return false;
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('parley-account', ParleyAccount);

declare global {
  interface HTMLElementTagNameMap {
    'parley-account': ParleyAccount;
  }
}
