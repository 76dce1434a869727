import { LitElement, html, css } from 'lit';
import { parley } from '../client/index.js';
import { base } from './styles.js';

/** Login form. Fires `parley-login` after the worker is online with the account. */
export class ParleyLogin extends LitElement {
  static override properties = {
    service: { type: String },
    allowPlain: { type: Boolean, attribute: 'allow-plain' },
    allowInsecure: { type: Boolean, attribute: 'allow-insecure' },
    jid: { type: String },
    error: { type: String },
    busy: { state: true },
  };
  static override styles = [
    base,
    css`
      form { display: grid; gap: 0.75em; max-width: 22em; margin: 2em auto; }
      label { display: grid; gap: 0.25em; }
    `,
  ];

  declare service: string;
  declare allowPlain: boolean;
  declare allowInsecure: boolean;
  declare jid: string;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.service = '';
    this.allowPlain = false;
    this.allowInsecure = false;
    this.jid = '';
    this.error = '';
    this.busy = false;
  }

  override render() {
    return html`
      <form @submit=${this.submit} aria-busy=${this.busy ? 'true' : 'false'}>
        <h2>Log in</h2>
        <label>Address <input name="jid" autocomplete="username" required placeholder="name@example.org" .value=${this.jid} /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        ${this.service
          ? ''
          : html`<label>Server <input name="service" required placeholder="wss://example.org/xmpp-websocket" /></label>`}
        <p class="error" role="alert">${this.error}</p>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    `;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    this.error = '';
    try {
      await parley().api.login({
        jid: String(data.get('jid')),
        password: String(data.get('password')),
        service: this.service || String(data.get('service')),
        allowPlain: this.allowPlain,
        allowInsecure: this.allowInsecure,
      });
      this.dispatchEvent(new CustomEvent('parley-login', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message.replace(/^Error: /, '');
    } finally {
      this.busy = false;
    }
  }
}
customElements.define('parley-login', ParleyLogin);
