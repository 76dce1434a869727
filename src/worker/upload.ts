/**
 * HTTP File Upload (XEP-0363): finds our server's upload service (disco#items of its domain, then
 * each item's disco#info), knows its size limit, and asks it for slots. The bytes go up from the
 * page (XMLHttpRequest, for progress and cancel); a slot whose URLs are not http(s) is refused.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { isWebUrl } from '../shared/attachment.js';
import type { ParleyApi, UploadSlot } from '../shared/api.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';

export const NS_UPLOAD = 'urn:xmpp:http:upload:0';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
/** XEP-0363 §5: the only headers a slot may ask the PUT to carry. */
const PUT_HEADERS = ['authorization', 'cookie', 'expires'];

export interface UploadService {
  jid: string;
  /** The largest file it takes, when it says. */
  maxBytes?: number;
}

/** An upload service's disco#info answer (XEP-0363 Example 2): its max-file-size; null when it is no upload service. */
export function parseServiceInfo(jid: string, query: Element | null | undefined): UploadService | null {
  if (!query?.getChildren('feature').some((f) => f.attrs.var === NS_UPLOAD)) return null;
  const form = query.getChildren('x', 'jabber:x:data').find((x) => x.getChildren('field').some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === NS_UPLOAD));
  const max = Number(form?.getChildren('field').find((f) => f.attrs.var === 'max-file-size')?.getChildText('value'));
  return Number.isSafeInteger(max) && max > 0 ? { jid, maxBytes: max } : { jid };
}

export const buildSlotRequest = (file: { name: string; size: number; type: string }): Element =>
  xml('request', { xmlns: NS_UPLOAD, filename: file.name, size: String(file.size), ...(file.type ? { 'content-type': file.type } : {}) });

/** A `<slot/>` (XEP-0363 Example 5); throws when its URLs are not http(s) or it is incomplete. */
export function parseSlot(slot: Element | null | undefined): UploadSlot {
  const put = slot?.getChild('put');
  const putUrl = put?.attrs.url as string | undefined;
  const getUrl = slot?.getChild('get')?.attrs.url as string | undefined;
  if (!putUrl || !getUrl) throw new Error('The upload service answered without a slot.');
  if (!isWebUrl(putUrl) || !isWebUrl(getUrl)) throw new Error('The upload service gave an address that is not http(s); refused.');
  const headers: Record<string, string> = {};
  for (const h of put!.getChildren('header')) {
    const name = String(h.attrs.name ?? '');
    // Newlines would let a header inject others.
    if (PUT_HEADERS.includes(name.toLowerCase()) && !/[\r\n]/.test(h.text())) headers[name] = h.text();
  }
  return { put: putUrl, get: getUrl, headers };
}

export interface UploadPlugin extends Plugin {
  /** Our server's upload service, looked up once per session; null when it has none. */
  service(): Promise<UploadService | null>;
  /** A slot for `file`; refuses a file over the service's limit before asking. */
  slot(file: { name: string; size: number; type: string }): Promise<UploadSlot>;
}

export function uploads(ctx: PluginContext): UploadPlugin {
  let found: Promise<UploadService | null> | undefined;
  const domain = ctx.jid.slice(ctx.jid.indexOf('@') + 1);

  async function discover(): Promise<UploadService | null> {
    const items = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS }), domain);
    // The server's items first (where XEP-0363 puts the service), the server itself last.
    for (const jid of [...(items?.getChildren('item').map((i) => i.attrs.jid as string).filter(Boolean) ?? []), domain]) {
      const info = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), jid).catch(() => null);
      const service = parseServiceInfo(jid, info);
      if (service) return service;
    }
    return null;
  }

  const plugin: UploadPlugin = {
    async online() {
      found = undefined;
    },
    service() {
      found ??= discover().catch((err: Error) => {
        found = undefined;
        throw err;
      });
      return found;
    },
    async slot(file) {
      const service = await plugin.service();
      if (!service) throw new Error('Your server offers no file upload.');
      if (service.maxBytes !== undefined && file.size > service.maxBytes) {
        throw new Error(`This file is too large: ${file.size} bytes, the server takes at most ${service.maxBytes}.`);
      }
      // `get` would look for an answer named like the request; the answer is a `<slot/>`.
      const answer = await ctx.xmpp.iqCaller.request(xml('iq', { type: 'get', to: service.jid }, buildSlotRequest(file)));
      return parseSlot(answer.getChild('slot', NS_UPLOAD));
    },
  };
  return plugin;
}

export const feature = {
  api: (ctx) => ({
    uploadLimit: async () => {
      const service = await ctx.online().uploads.service();
      return service && service.maxBytes;
    },
    uploadSlot: (file) => ctx.online().uploads.slot(file),
    // The URL goes as the body, with XEP-0066 data naming it.
    sendFile(to, url) {
      if (!isWebUrl(url)) throw new Error('Only an http(s) address can be shared as a file.');
      return ctx.plugins().messages.send(ctx.contactJid(to), url, { oob: true });
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'uploadLimit' | 'uploadSlot' | 'sendFile'>>;
