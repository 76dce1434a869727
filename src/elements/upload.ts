import { LitElement, html, css, nothing } from 'lit';
import { parley, shareFile } from '../client/index.js';
import { base } from './styles.js';

/** Drawn, not the emoji: that would load an emoji font in the middle of the first frame with a composer. */
const PAPERCLIP = html`<svg viewBox="0 0 24 24" width="1.3em" height="1.3em" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" aria-hidden="true"><path transform="rotate(40 12 12)" d="M16 8v9a4.5 4.5 0 0 1-9 0V6a3.5 3.5 0 0 1 7 0v10a2.5 2.5 0 0 1-5 0V8" /></svg>`;

/** `<parley-upload jid>`: a file button; `upload(file)` (also from a drop or a paste) shares it with a progress bar and Cancel. */
export class ParleyUpload extends LitElement {
  static override properties = { jid: { type: String }, progress: { state: true }, error: { state: true } };

  static override styles = [
    base,
    css`
      :host { display: contents; }
      .uploading { display: flex; gap: 0.5em; align-items: center; }
      progress { inline-size: 8em; }
      label { cursor: pointer; padding: 0.3em; }
    `,
  ];

  declare jid: string;
  /** Sent and total bytes of the upload running, if one is. */
  declare progress: { sent: number; total: number; name: string } | undefined;
  declare error: string;
  private abort: AbortController | undefined;

  constructor() {
    super();
    this.jid = '';
    this.error = '';
  }

  override render() {
    const p = this.progress;
    return html`${p
        ? html`<span class="uploading"><progress aria-label="Uploading ${p.name}" max=${p.total} .value=${p.sent}></progress>
            <button type="button" class="cancel-upload" @click=${() => this.abort?.abort()}>Cancel</button></span>`
        : html`<label class="button" title="Send a file">${PAPERCLIP}
            <input class="visually-hidden" type="file" aria-label="Send a file" ?disabled=${!this.jid} @change=${this.picked} /></label>`}
      ${this.error ? html`<span class="error" role="alert">${this.error}</span>` : nothing}`;
  }

  private picked(e: Event): void {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.upload(file);
  }

  async upload(file: File): Promise<void> {
    if (this.progress || !this.jid) return;
    this.error = '';
    this.abort = new AbortController();
    this.progress = { sent: 0, total: file.size, name: file.name };
    try {
      await shareFile(parley().api, this.jid, file, {
        signal: this.abort.signal,
        onProgress: (sent, total) => (this.progress = { sent, total, name: file.name }),
      });
    } catch (err) {
      this.error = (err as Error).name === 'AbortError' ? 'Upload cancelled.' : (err as Error).message;
    } finally {
      this.progress = undefined;
      this.abort = undefined;
    }
  }
}

customElements.define('parley-upload', ParleyUpload);

declare global {
  interface HTMLElementTagNameMap {
    'parley-upload': ParleyUpload;
  }
}
