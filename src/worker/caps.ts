/**
 * Entity Capabilities (XEP-0115) and Service Discovery info (XEP-0030): who we are and what we
 * support, hashed into the `<c/>` our presence carries. Also how the server learns our `+notify`
 * interests (XEP-0163).
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Feature } from './feature.js';
import { FEATURES } from './features.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_CAPS = 'http://jabber.org/protocol/caps';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const CAPS_NODE = 'https://parley.invalid';

export interface Identity {
  category: string;
  type: string;
  name?: string;
  lang?: string;
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
}

/** Our disco#info: a web client with what each feature declares, its `+notify` nodes included. */
export function discoInfoOf(features: readonly Feature[]): DiscoInfo {
  return {
    identities: [{ category: 'client', type: 'web', name: 'Parley' }],
    features: [NS_DISCO_INFO, NS_CAPS, ...features.flatMap((f) => [...(f.disco ?? []), ...(f.notify ?? []).map((node) => `${node}+notify`)])],
  };
}

export const PARLEY_INFO: DiscoInfo = discoInfoOf(FEATURES);

/** i;octet collation: compare by UTF-8 bytes, which for these strings is code point order. */
const octets = (a: string, b: string): number => {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

/** XEP-0115 §5.1 steps 1–6 (no data forms): the string that is hashed into `ver`. */
export function verificationString(info: DiscoInfo): string {
  const identities = info.identities
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`)
    .sort(octets);
  const features = [...new Set(info.features)].sort(octets);
  return [...identities, ...features].map((s) => `${s}<`).join('');
}

/** XEP-0115 §5.1 step 7: base64 of the SHA-1 of the verification string. */
export async function capsVer(info: DiscoInfo): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(verificationString(info))));
  return btoa(String.fromCharCode(...digest));
}

export const buildCaps = (ver: string, node = CAPS_NODE): Element => xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node, ver });

/** The `<query/>` answering a disco#info request, for `node` when one was asked about. */
export function buildDiscoInfo(info: DiscoInfo, node?: string): Element {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) },
    ...info.identities.map((i) =>
      xml('identity', { category: i.category, type: i.type, ...(i.name ? { name: i.name } : {}), ...(i.lang ? { 'xml:lang': i.lang } : {}) }),
    ),
    ...[...new Set(info.features)].map((f) => xml('feature', { var: f })),
  );
}

export interface CapsPlugin extends Plugin {
  /** The `<c/>` element for our presence. */
  element(): Promise<Element>;
}

export function caps(ctx: PluginContext, info: DiscoInfo = PARLEY_INFO): CapsPlugin {
  // Hashed once; WebCrypto is async, so presence awaits it.
  const ver = capsVer(info);
  ctx.xmpp.iqCallee.get(NS_DISCO_INFO, 'query', async ({ element }) => {
    const node = element.attrs.node as string | undefined;
    if (node && node !== `${CAPS_NODE}#${await ver}`) return xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
    return buildDiscoInfo(info, node);
  });
  return {
    element: async () => buildCaps(await ver),
  };
}
