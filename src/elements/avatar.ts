import { LitElement, html, css, type PropertyValues } from 'lit';
import { avatarOf } from '../client/index.js';
import { colourOf } from '../shared/colour.js';
import { LiveQuery, touches } from './live.js';

/**
 * `<parley-avatar jid name>`: the contact's avatar as the worker stored it (checked, by hash), else the
 * first letter of their name on their XEP-0392 colour. Decorative: the name beside it says who it is.
 */
export class ParleyAvatar extends LitElement {
  static override properties = { jid: { type: String }, name: { type: String } };

  static override styles = css`
    :host { display: inline-block; inline-size: var(--parley-avatar-size, 2em); block-size: var(--parley-avatar-size, 2em); flex: none; }
    img, span { inline-size: 100%; block-size: 100%; border-radius: 50%; display: grid; place-items: center; object-fit: cover; }
    /* Large text (bold, 1.25em): white on any XEP-0392 colour keeps 3:1. */
    span { color: var(--parley-avatar-fg, #ffffff); font-weight: 700; font-size: 1.25em; }
  `;

  declare jid: string;
  declare name: string;
  private url: { hash: string; href: string } | undefined;
  private readonly shown = new LiveQuery(
    this,
    async (db) => ({ avatar: this.jid ? await avatarOf(db, this.jid) : undefined, colour: await colourOf(this.jid ?? '') }),
    touches('avatarRefs'),
  );

  constructor() {
    super();
    this.jid = '';
    this.name = '';
    this.setAttribute('aria-hidden', 'true');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jid') && changed.get('jid') !== undefined) void this.shown.refresh();
    const avatar = this.shown.value?.avatar;
    if (avatar?.hash === this.url?.hash) return;
    if (this.url) URL.revokeObjectURL(this.url.href);
    this.url = avatar && { hash: avatar.hash, href: URL.createObjectURL(new Blob([avatar.data], { type: avatar.type })) };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.url) URL.revokeObjectURL(this.url.href);
    this.url = undefined;
  }

  override render() {
    if (this.url) return html`<img src=${this.url.href} alt="" data-hash=${this.url.hash} />`;
    const letter = [...(this.name || this.jid).trim()][0]?.toUpperCase() ?? '?';
    return html`<span style="background: ${this.shown.value?.colour ?? 'gray'}">${letter}</span>`;
  }
}

customElements.define('parley-avatar', ParleyAvatar);
