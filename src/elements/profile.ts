import { LitElement, html, css } from 'lit';
import { parley, squareAvatar } from '../client/index.js';
import { base } from './styles.js';
import './avatar.js';
import './card.js';
import './account.js';

/** `<parley-profile jid>`: our own avatar (pick or drop an image on it to publish a new one), our card, our account (password, removal). */
export class ParleyProfile extends LitElement {
  static override properties = { jid: { type: String }, error: { state: true }, busy: { state: true } };

  static override styles = [
    base,
    css`
      :host { display: inline-flex; align-items: center; gap: 0.5em; }
      label { cursor: pointer; display: inline-flex; border-radius: 50%; }
      label:focus-within { outline: 2px solid var(--_accent); }
      label.over { outline: 2px dashed var(--_accent); }
    `,
  ];

  declare jid: string;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.jid = '';
    this.error = '';
    this.busy = false;
  }

  override render() {
    return html`<label title="Change your avatar" @dragover=${this.over} @dragleave=${this.leave} @drop=${this.drop}>
        <parley-avatar .jid=${this.jid}></parley-avatar>
        <input class="visually-hidden" type="file" accept="image/*" aria-label="Change your avatar" ?disabled=${this.busy} @change=${this.picked} />
      </label>
      <button @click=${() => void this.renderRoot.querySelector('parley-card')!.open(this.jid, true)}>Your card</button>
      <parley-card></parley-card>
      <button class="account" @click=${() => void this.renderRoot.querySelector('parley-account')!.open(this.jid)}>Account</button>
      <parley-account></parley-account>
      <span class="error" role="alert">${this.error}</span>`;
  }

  private over(e: DragEvent): void {
    e.preventDefault();
    (e.currentTarget as HTMLElement).classList.add('over');
  }

  private leave(e: DragEvent): void {
    (e.currentTarget as HTMLElement).classList.remove('over');
  }

  private drop(e: DragEvent): void {
    e.preventDefault();
    this.leave(e);
    const file = e.dataTransfer?.files[0];
    if (file) void this.publish(file);
  }

  private picked(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.publish(file);
  }

  private async publish(file: Blob): Promise<void> {
    this.error = '';
    this.busy = true;
    try {
      const { data, width, height } = await squareAvatar(file);
      await parley().api.setAvatar(data, { width, height });
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }
}

customElements.define('parley-profile', ParleyProfile);
