/** Files shared by URL (XEP-0363 uploads, XEP-0066 links): what both sides check of such a URL. */

/** An absolute http(s) URL: nothing else (javascript:, data:, file:) is fetched, linked or uploaded to. */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Whether a file at `url` may be shown inline on a page at `origin`: over https, or http from the page's
 * own origin or this machine (the browser treats those as secure too).
 */
export function mayShowInline(url: string, origin: string): boolean {
  if (!isWebUrl(url)) return false;
  const u = new URL(url);
  return u.protocol === 'https:' || u.origin === origin || ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/** The file's name as its URL ends, for a download link. */
export function fileName(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
  try {
    return decodeURIComponent(last) || 'file';
  } catch {
    return last || 'file';
  }
}

/** Sizes as people read them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
