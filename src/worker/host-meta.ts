/**
 * WebSocket endpoint discovery (XEP-0156): given only an address, the domain's
 * `/.well-known/host-meta` (XRD) or `host-meta.json` names its WebSocket URL. Only a `ws:`/`wss:`
 * URL is taken: a host-meta naming anything else is refused, not guessed around.
 */
import parse from '@xmpp/xml/lib/parse.js';
import { bareJid, isBareJid } from '../shared/jid.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';
import { MAX_HOST_META_BYTES } from '../shared/limits.js';

export const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';
const NS_XRD = 'http://docs.oasis-open.org/ns/xri/xrd-1.0';

/** The WebSocket hrefs of an XRD host-meta; null when it is not one. */
export function parseHostMetaXml(text: string): string[] | null {
  let root;
  try {
    root = parse(text);
  } catch {
    return null;
  }
  if (!root?.is('XRD', NS_XRD)) return null;
  return root.getChildren('Link').filter((l) => l.attrs.rel === REL_WEBSOCKET).map((l) => String(l.attrs.href ?? ''));
}

/** The WebSocket hrefs of a JSON host-meta (RFC 6415 JRD); null when it is not one. */
export function parseHostMetaJson(text: string): string[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const links = (doc as { links?: unknown } | null)?.links;
  if (!Array.isArray(links)) return null;
  return links
    .filter((l): l is { rel: unknown; href: unknown } => typeof l === 'object' && l !== null && (l as { rel?: unknown }).rel === REL_WEBSOCKET)
    .map((l) => String(l.href ?? ''));
}

/** The first WebSocket URL; throws, saying why, when there is none or a link is not a WebSocket URL. */
export function pickWebSocket(domain: string, hrefs: string[]): string {
  for (const href of hrefs) {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      continue;
    }
    if (url.protocol === 'wss:' || url.protocol === 'ws:') return url.href;
  }
  if (hrefs.length) throw new Error(`${domain} names ${hrefs[0]} as its WebSocket endpoint, which is not a ws:// or wss:// URL: refused.`);
  throw new Error(`${domain} names no WebSocket endpoint.`);
}

async function fetchText(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { credentials: 'omit', redirect: 'follow' });
    if (!res.ok) return null;
    const text = await res.text();
    return text.length > MAX_HOST_META_BYTES ? null : text;
  } catch {
    return null;
  }
}

/** `origin`: where the domain's host-meta is served (by default `https://<domain>`). */
export async function discoverWebSocket(domain: string, origin = `https://${domain}`): Promise<string> {
  const base = origin.replace(/\/+$/, '');
  const xmlText = await fetchText(`${base}/.well-known/host-meta`);
  const fromXml = xmlText === null ? null : parseHostMetaXml(xmlText);
  if (fromXml?.length) return pickWebSocket(domain, fromXml);
  const jsonText = await fetchText(`${base}/.well-known/host-meta.json`);
  const fromJson = jsonText === null ? null : parseHostMetaJson(jsonText);
  if (fromJson?.length) return pickWebSocket(domain, fromJson);
  throw new Error(`Could not find the server of ${domain}: enter its WebSocket URL.`);
}

export const feature = {
  api: () => ({
    async discover(jid, origin) {
      // An address, or only its domain (creating an account, there is no address yet).
      const bare = bareJid(jid.trim());
      const domain = bare.includes('@') ? bare.split('@')[1] : bare;
      if (!domain || !isBareJid(bare.includes('@') ? bare : `x@${bare}`)) throw new Error('Enter an address like name@example.org.');
      return discoverWebSocket(domain, origin);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'discover'>>;
