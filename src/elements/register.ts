import { LitElement, html, css, nothing } from 'lit';
import { parley } from '../client/index.js';
import type { RegistrationForm } from '../shared/api.js';
import type { FormValues } from '../shared/form-model.js';
import { base } from './styles.js';
import './form.js';

/**
 * Creating an account (XEP-0077), inside `<parley-login>`: the server's name, then the form that
 * server sends (a CAPTCHA's image included) in `<parley-form>`; once the server created the account,
 * logged in with it. Fires `parley-login` then, and `parley-register-cancel` to go back to logging in.
 */
export class ParleyRegister extends LitElement {
  static override properties = {
    service: { type: String },
    discoveryOrigin: { type: String, attribute: 'discovery-origin' },
    allowPlain: { type: Boolean, attribute: 'allow-plain' },
    allowInsecure: { type: Boolean, attribute: 'allow-insecure' },
    askServer: { state: true },
    registration: { state: true },
    error: { state: true },
    busy: { state: true },
  };
  static override styles = [
    base,
    css`
      :host { display: block; max-width: 22em; margin: 2em auto; }
      form.server { display: grid; gap: 0.75em; }
      label { display: grid; gap: 0.25em; }
    `,
  ];

  declare service: string;
  declare discoveryOrigin: string;
  declare allowPlain: boolean;
  declare allowInsecure: boolean;
  /** Discovery failed: the user names the WebSocket URL. */
  declare askServer: boolean;
  declare registration: (RegistrationForm & { domain: string; service: string }) | undefined;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.service = '';
    this.discoveryOrigin = '';
    this.allowPlain = false;
    this.allowInsecure = false;
    this.askServer = false;
    this.registration = undefined;
    this.error = '';
    this.busy = false;
  }

  override render() {
    const reg = this.registration;
    return html`
      <h2>Create an account</h2>
      ${reg ? this.renderForm(reg) : this.renderServer()}
      <p class="error" role="alert">${this.error}</p>
      <button type="button" class="back" @click=${this.back}>I have an account: log in</button>
    `;
  }

  private renderServer() {
    return html`<form class="server" @submit=${this.ask} aria-busy=${this.busy ? 'true' : 'false'}>
      <label>Server <input name="domain" required placeholder="example.org" autocomplete="off" /></label>
      ${this.service || !this.askServer ? nothing : html`<label>Server URL <input name="service" required placeholder="wss://example.org/xmpp-websocket" /></label>`}
      <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Asking the server…' : 'Continue'}</button>
    </form>`;
  }

  private renderForm(reg: RegistrationForm & { domain: string }) {
    const fields = reg.form.fields.some((f) => f.type !== 'hidden' && f.type !== 'fixed');
    return html`
      <p class="muted">On <bdi>${reg.domain}</bdi></p>
      ${reg.url ? html`<p>${reg.domain} also takes new accounts on its web site: <a href=${reg.url} target="_blank" rel="noopener noreferrer">${reg.url}</a></p>` : nothing}
      ${fields
        ? html`<parley-form .form=${reg.form} submit-label=${this.busy ? 'Creating…' : 'Create account'} aria-busy=${this.busy ? 'true' : 'false'}
            @parley-form-submit=${(e: CustomEvent<{ values: FormValues }>) => void this.create(e.detail.values)}
            @parley-form-cancel=${this.restart}></parley-form>`
        : nothing}
    `;
  }

  private async ask(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const domain = String(data.get('domain')).trim();
    await this.run(async () => {
      const service = this.service || (this.askServer ? String(data.get('service')) : await this.discover(domain));
      const reg = await parley().api.registrationForm({ service, domain, allowInsecure: this.allowInsecure });
      this.registration = { ...reg, domain, service };
    });
  }

  private async create(values: FormValues): Promise<void> {
    const reg = this.registration;
    if (!reg || this.busy) return;
    await this.run(async () => {
      const jid = await parley().api.register(values);
      const password = values.password?.[0];
      if (!password) throw new Error(`The account ${jid} was created: log in with it.`);
      this.registration = undefined; // the server's form is answered: what follows is a login
      await parley().api.login({ jid, password, service: reg.service, allowPlain: this.allowPlain, allowInsecure: this.allowInsecure }).catch((err: Error) => {
        throw new Error(`Your account ${jid} was created, but logging in failed: ${err.message.replace(/^Error: /, '')}`);
      });
      this.dispatchEvent(new CustomEvent('parley-login', { bubbles: true, composed: true }));
    });
  }

  private async discover(domain: string): Promise<string> {
    try {
      return await parley().api.discover(domain, this.discoveryOrigin || undefined);
    } catch (err) {
      this.askServer = true; // the form asks for the URL only once finding it failed
      throw err;
    }
  }

  private async run(step: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      await step();
    } catch (err) {
      this.error = (err as Error).message.replace(/^Error: /, '');
    } finally {
      this.busy = false;
    }
  }

  private restart(): void {
    this.registration = undefined;
    this.error = '';
    void parley().api.cancelRegistration();
  }

  private back(): void {
    if (this.registration) this.restart();
    this.dispatchEvent(new CustomEvent('parley-register-cancel', { bubbles: true, composed: true }));
  }
}
customElements.define('parley-register', ParleyRegister);
