import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { fileName, formatSize, mayShowInline } from '../shared/attachment.js';

/** Larger images and videos are offered as a link, not loaded into the page. */
export const INLINE_MAX_BYTES = 25 * 1024 * 1024;

interface Head {
  type: string;
  size?: number;
}

/**
 * `<parley-attachment url>`: a shared file (XEP-0066/0363). An image or video is shown inline when it
 * comes over https (or http from this page's origin or this machine) and its size, asked first with a
 * HEAD request, is known and within INLINE_MAX_BYTES; anything else is a download link with name and size.
 */
export class ParleyAttachment extends LitElement {
  static override properties = { url: { type: String }, head: { state: true } };

  static override styles = css`
    img, video { display: block; max-inline-size: min(100%, 24em); max-block-size: 18em; border-radius: 0.3em; }
  `;

  declare url: string;
  declare head: Head | null | undefined;

  constructor() {
    super();
    this.url = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('url')) return;
    this.head = undefined;
    if (mayShowInline(this.url, location.origin)) void this.ask(this.url);
    else this.head = null;
  }

  private async ask(url: string): Promise<void> {
    let head: Head | null = null;
    try {
      const r = await fetch(url, { method: 'HEAD', credentials: 'omit' });
      const size = Number(r.headers.get('content-length'));
      if (r.ok) head = { type: r.headers.get('content-type') ?? '', ...(r.headers.has('content-length') && Number.isSafeInteger(size) ? { size } : {}) };
    } catch {
      // Unreachable or no CORS: a link still works.
    }
    if (url === this.url) this.head = head;
  }

  override render() {
    const head = this.head;
    if (head === undefined) return nothing;
    const inline = head && head.size !== undefined && head.size <= INLINE_MAX_BYTES;
    if (inline && head.type.startsWith('image/')) return html`<a href=${this.url} target="_blank" rel="noopener noreferrer"><img src=${this.url} alt=${fileName(this.url)} /></a>`;
    if (inline && head.type.startsWith('video/')) return html`<video src=${this.url} controls preload="metadata" aria-label=${fileName(this.url)}></video>`;
    return html`<a class="file" href=${this.url} target="_blank" rel="noopener noreferrer" download>📄 <bdi>${fileName(this.url)}</bdi>${head?.size !== undefined ? ` (${formatSize(head.size)})` : ''}</a>`;
  }
}

customElements.define('parley-attachment', ParleyAttachment);
