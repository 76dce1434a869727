import { html, css, type PropertyValues } from 'lit';
import { ParleyElement } from './element.js';
import { parley } from '../client/index.js';
import type { ChatState } from '../shared/records.js';
import { base } from './styles.js';
import { replying, type ReplyTarget } from './replying.js';
import { sending } from './sending.js';
import './upload.js';

const PAUSE_MS = 5000;

/** Message input: Enter sends, Shift+Enter starts a new line. */
export class ParleyComposer extends ParleyElement {
  static override properties = { jid: { type: String }, error: { state: true }, replyTo: { state: true } };
  static override styles = [
    base,
    css`
      form { display: flex; gap: 0.5em; align-items: flex-end; padding: 0.5em; border-top: 1px solid var(--_line); }
      textarea { flex: 1; resize: vertical; min-height: 2.4em; max-height: 12em; }
      .error { margin: 0 0.5em; }
      .error:empty { display: none; }
      .replying { display: flex; gap: 0.5em; align-items: center; margin: 0; padding: 0.3em 0.5em 0; font-size: 0.85em; color: var(--_muted); }
      .replying q { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    `,
  ];

  declare jid: string;
  declare error: string;
  private told: ChatState = 'active';
  /**
   * The id of a send whose call failed, kept with what it sent: sending the same text again is a
   * retry, and the worker stores it once even if the first call did reach it (its answer was lost).
   */
  private unsent: { key: string; id: string } | undefined;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  /** XEP-0461: the message the next send answers, set by a message's Reply button. */
  declare replyTo: ReplyTarget | undefined;
  private readonly onReplying = () => {
    const target = replying.current;
    this.replyTo = target && target.conversation === this.jid ? target : undefined;
    if (this.replyTo) void this.updateComplete.then(() => this.renderRoot.querySelector('textarea')?.focus());
  };

  override connectedCallback(): void {
    super.connectedCallback();
    replying.addEventListener('change', this.onReplying);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    replying.removeEventListener('change', this.onReplying);
  }

  /** Focus goes to the message field (a conversation was opened: typing comes next). */
  override focus(options?: FocusOptions): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector('textarea')?.focus(options));
  }

  private cancelReply(): void {
    if (replying.current?.conversation === this.jid) replying.set(undefined);
    this.replyTo = undefined;
    this.renderRoot.querySelector('textarea')?.focus();
  }

  constructor() {
    super();
    this.jid = '';
    this.error = '';
  }

  override render() {
    return html`
      ${this.replyTo
        ? html`<p class="replying" role="status"><span>Replying to <bdi>${this.replyTo.author}</bdi>:</span> <q dir="auto">${this.replyTo.text}</q>
            <button type="button" class="cancel-reply" aria-label="Cancel reply" @click=${this.cancelReply}>✕</button></p>`
        : ''}
      <form @submit=${this.submit} @dragover=${(e: DragEvent) => e.preventDefault()} @drop=${this.dropped} @paste=${this.pasted}>
        <parley-upload .jid=${this.jid}></parley-upload>
        <label class="visually-hidden" for="text">Message to <bdi>${this.jid}</bdi></label>
        <textarea id="text" dir="auto" rows="1" placeholder="Message" ?disabled=${!this.jid} @keydown=${this.keydown} @input=${this.input}></textarea>
        <button class="primary" type="submit" ?disabled=${!this.jid}>Send</button>
      </form>
      <p class="error" role="alert">${this.error}</p>
    `;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    const previous = changed.get('jid');
    // Leaving a conversation mid-sentence: the contact should not see us typing forever.
    if (previous && this.told !== 'active') void parley().api.setChatState(previous, 'active').catch(() => undefined);
    if (changed.has('jid')) this.told = 'active';
    if (changed.has('jid') && this.replyTo && this.replyTo.conversation !== this.jid) this.replyTo = undefined;
  }

  /** XEP-0085 timing: composing while keys come, paused after PAUSE_MS of quiet, active when emptied. */
  private input(): void {
    const text = this.renderRoot.querySelector('textarea')!.value;
    clearTimeout(this.pauseTimer);
    if (!text.trim()) return this.tell('active');
    this.tell('composing');
    this.pauseTimer = setTimeout(() => this.tell('paused'), PAUSE_MS);
  }

  private tell(state: ChatState): void {
    if (state === this.told || !this.jid) return;
    this.told = state;
    void parley().api.setChatState(this.jid, state).catch(() => undefined);
  }

  private keydown(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this.replyTo) {
      e.preventDefault();
      return this.cancelReply();
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.send();
    }
  }

  /** A file dropped or pasted is sent as one (XEP-0363); text pasted stays text. */
  private dropped(e: DragEvent): void {
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    void this.renderRoot.querySelector('parley-upload')!.upload(file);
  }

  private pasted(e: ClipboardEvent): void {
    const file = e.clipboardData?.files[0];
    if (!file) return;
    e.preventDefault();
    void this.renderRoot.querySelector('parley-upload')!.upload(file);
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    void this.send();
  }

  private async send(): Promise<void> {
    const input = this.renderRoot.querySelector('textarea')!;
    const text = input.value;
    if (!text.trim() || !this.jid) return;
    this.error = '';
    input.value = '';
    sending.announce(this.jid);
    clearTimeout(this.pauseTimer);
    this.told = 'active'; // the message says so itself
    const reply = this.replyTo;
    const key = JSON.stringify([this.jid, reply?.key ?? null, text]);
    const id = this.unsent?.key === key ? this.unsent.id : crypto.randomUUID();
    this.unsent = { key, id };
    try {
      if (reply) await parley().api.reply(this.jid, reply.key, text, id);
      else await parley().api.send(this.jid, text, id);
      if (this.unsent?.id === id) this.unsent = undefined;
      if (reply && this.replyTo === reply) this.cancelReply();
    } catch (err) {
      input.value = text; // never lose what was typed
      this.error = (err as Error).message;
    }
  }
}
customElements.define('parley-composer', ParleyComposer);

declare global {
  interface HTMLElementTagNameMap {
    'parley-composer': ParleyComposer;
  }
}
