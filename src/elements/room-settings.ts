import { LitElement, html, css, nothing } from 'lit';
import { parley } from '../client/index.js';
import type { DataForm, FormValues } from '../shared/form-model.js';
import { base } from './styles.js';
import type { ParleyForm } from './form.js';
import './form.js';

/**
 * A room's settings for its owner: the configuration form the room sends (XEP-0045 §10.2), shown
 * with `<parley-form>` in a dialog and answered through the worker.
 */
export class ParleyRoomSettings extends LitElement {
  static override properties = { room: { type: String }, form: { state: true }, error: { state: true } };
  static override styles = [base, css`:host { display: contents; } dialog { max-width: min(40em, 95vw); max-height: 90vh; }`];

  declare room: string;
  declare form: DataForm | undefined;
  declare error: string;

  constructor() {
    super();
    this.room = '';
    this.form = undefined;
    this.error = '';
  }

  override render() {
    return html`<button class="settings" @click=${this.open}>Room settings</button>
      <dialog aria-label="Room settings" @close=${() => (this.form = undefined)}>
        <p class="error" role="alert">${this.error}</p>
        ${this.form
          ? html`<parley-form .form=${this.form} submit-label="Save" @parley-form-submit=${this.save} @parley-form-cancel=${this.close}></parley-form>`
          : nothing}
        ${this.form ? nothing : html`<form method="dialog"><button>Close</button></form>`}
      </dialog>`;
  }

  private async open(): Promise<void> {
    this.error = '';
    this.renderRoot.querySelector('dialog')!.showModal();
    try {
      this.form = await parley().api.roomConfig(this.room);
      await this.updateComplete;
      const shown = this.renderRoot.querySelector<ParleyForm>('parley-form');
      await shown?.updateComplete;
      shown?.focus();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  private async save(e: CustomEvent<{ values: FormValues }>): Promise<void> {
    this.error = '';
    try {
      await parley().api.submitRoomConfig(this.room, e.detail.values);
      this.close();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  private close(): void {
    this.renderRoot.querySelector('dialog')!.close();
  }
}
customElements.define('parley-room-settings', ParleyRoomSettings);
