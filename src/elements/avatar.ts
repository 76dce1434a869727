import { LitElement, html, css } from 'lit';
import { abortedByFreeze, parley } from '../client/index.js';
import { colourOf } from '../shared/colour.js';

/**
 * Which image every contact shows, read once for the whole page and shared by all its avatars: a
 * roster of thousands then costs one read, not one per row (and one per row again on every change).
 * Images are read once per hash and kept as object URLs while someone shows them.
 */
class AvatarBook {
  /** jid → hash of the image it shows; undefined until first read. */
  private refs: Map<string, string> | undefined;
  private readonly urls = new Map<string, string>();
  private readonly colours = new Map<string, string>();
  private readonly shown = new Set<ParleyAvatar>();
  private reading = false;
  private again = false;

  add(avatar: ParleyAvatar): void {
    if (!this.shown.size && !this.refs) {
      parley().on((e) => {
        if (e.type === 'change' && e.change.stores.includes('avatarRefs')) void this.read();
      });
      document.addEventListener('resume', () => void this.read());
      void this.read();
    }
    this.shown.add(avatar);
  }

  delete(avatar: ParleyAvatar): void {
    this.shown.delete(avatar);
  }

  /** The object URL of the image `jid` shows, once read; asks for it (the avatar is redrawn) if not yet. */
  image(jid: string): { hash: string; href: string } | undefined {
    const hash = this.refs?.get(jid);
    if (!hash) return undefined;
    const href = this.urls.get(hash);
    if (href) return { hash, href };
    this.urls.set(hash, '');
    void this.load(hash);
    return undefined;
  }

  /** `jid`'s XEP-0392 colour, once worked out (the avatar is redrawn then). */
  colour(jid: string): string | undefined {
    const known = this.colours.get(jid);
    if (known !== undefined) return known || undefined;
    this.colours.set(jid, '');
    void colourOf(jid).then((c) => {
      this.colours.set(jid, c);
      this.redraw((a) => a.jid === jid);
    });
    return undefined;
  }

  /** Reads who shows what; reads asked meanwhile collapse into one more. */
  private async read(): Promise<void> {
    if (this.reading) return void (this.again = true);
    this.reading = true;
    try {
      do {
        this.again = false;
        const before = this.refs;
        const refs = new Map((await (await parley().db).getAll('avatarRefs')).map((r) => [r.jid, r.hash]));
        this.refs = refs;
        const used = new Set(refs.values());
        for (const [hash, href] of this.urls) {
          if (used.has(hash)) continue;
          if (href) URL.revokeObjectURL(href);
          this.urls.delete(hash);
        }
        this.redraw((a) => before?.get(a.jid) !== refs.get(a.jid));
      } while (this.again);
    } catch (err) {
      if (!abortedByFreeze(err)) throw err;
    } finally {
      this.reading = false;
    }
  }

  private async load(hash: string): Promise<void> {
    const avatar = await (await parley().db).get('avatars', hash).catch(() => undefined);
    if (this.urls.get(hash) !== '') return; // no one shows it any more
    // Not read (a frozen page's read is aborted): asked again when next drawn.
    if (!avatar) return void this.urls.delete(hash);
    this.urls.set(hash, URL.createObjectURL(new Blob([avatar.data], { type: avatar.type })));
    this.redraw((a) => this.refs?.get(a.jid) === hash);
  }

  private redraw(which: (avatar: ParleyAvatar) => boolean): void {
    for (const avatar of this.shown) if (which(avatar)) avatar.requestUpdate();
  }
}

const book = new AvatarBook();

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

  constructor() {
    super();
    this.jid = '';
    this.name = '';
    this.setAttribute('aria-hidden', 'true');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    book.add(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    book.delete(this);
  }

  override render() {
    const image = this.jid ? book.image(this.jid) : undefined;
    if (image) return html`<img src=${image.href} alt="" data-hash=${image.hash} />`;
    const letter = [...(this.name || this.jid).trim()][0]?.toUpperCase() ?? '?';
    return html`<span style="background: ${book.colour(this.jid) ?? 'gray'}">${letter}</span>`;
  }
}

customElements.define('parley-avatar', ParleyAvatar);
