import { html, css } from 'lit';
import { ParleyElement } from './element.js';
import { parley } from '../client/index.js';
import { base } from './styles.js';
import './register.js';

/**
 * Login form, and "Create an account" (`<parley-register>`, XEP-0077). Fires `parley-login` after
 * the worker is online with the account.
 */
export class ParleyLogin extends ParleyElement {
  static override properties = {
    service: { type: String },
    discoveryOrigin: { type: String, attribute: 'discovery-origin' },
    askServer: { state: true },
    allowPlain: { type: Boolean, attribute: 'allow-plain' },
    allowInsecure: { type: Boolean, attribute: 'allow-insecure' },
    jid: { type: String },
    error: { type: String },
    busy: { state: true },
    creating: { state: true },
  };
  static override styles = [
    base,
    css`
      form { display: grid; gap: 0.75em; max-width: 22em; margin: 2em auto; }
      label { display: grid; gap: 0.25em; }
    `,
  ];

  declare service: string;
  /** Where domains' host-meta is looked up instead of `https://<domain>` (XEP-0156), e.g. a site's own origin. */
  declare discoveryOrigin: string;
  /** Discovery failed: the user names the server. */
  declare askServer: boolean;
  declare allowPlain: boolean;
  declare allowInsecure: boolean;
  declare jid: string;
  declare error: string;
  declare busy: boolean;
  /** Showing account creation instead. */
  declare creating: boolean;

  constructor() {
    super();
    this.service = '';
    this.discoveryOrigin = '';
    this.askServer = false;
    this.allowPlain = false;
    this.allowInsecure = false;
    this.jid = '';
    this.error = '';
    this.busy = false;
    this.creating = false;
  }

  override render() {
    if (this.creating) {
      return html`<parley-register .service=${this.service} .discoveryOrigin=${this.discoveryOrigin} .allowPlain=${this.allowPlain}
        .allowInsecure=${this.allowInsecure} @parley-register-cancel=${() => (this.creating = false)}></parley-register>`;
    }
    return html`
      <form @submit=${this.submit} aria-busy=${this.busy ? 'true' : 'false'}>
        <h2>Log in</h2>
        <label>Address <input name="jid" autocomplete="username" required placeholder="name@example.org" .value=${this.jid} /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        ${this.service || !this.askServer
          ? ''
          : html`<label>Server <input name="service" required placeholder="wss://example.org/xmpp-websocket" /></label>`}
        <p class="error" role="alert">${this.error}</p>
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Logging in…' : 'Log in'}</button>
        <button type="button" class="create" @click=${() => (this.creating = true)}>Create an account</button>
      </form>
    `;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    this.error = '';
    try {
      const jid = String(data.get('jid'));
      await parley().api.login({
        jid,
        password: String(data.get('password')),
        service: this.service || (this.askServer ? String(data.get('service')) : await this.discover(jid)),
        allowPlain: this.allowPlain,
        allowInsecure: this.allowInsecure,
      });
      this.dispatchEvent(new CustomEvent('parley-login', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message.replace(/^Error: /, '');
      // The form asks for the server only once finding it failed.
      if (err instanceof DiscoveryError) this.askServer = true;
    } finally {
      this.busy = false;
    }
  }

  private async discover(jid: string): Promise<string> {
    try {
      return await parley().api.discover(jid, this.discoveryOrigin || undefined);
    } catch (err) {
      throw new DiscoveryError((err as Error).message.replace(/^Error: /, ''));
    }
  }
}

class DiscoveryError extends Error {}
customElements.define('parley-login', ParleyLogin);
