/**
 * Entity Capabilities (XEP-0115) and Service Discovery info (XEP-0030): who we are and what we
 * support, hashed into the `<c/>` our presence carries (also how the server learns our `+notify`
 * interests, XEP-0163); and what contacts support, from theirs: asked once per `ver`, believed only
 * when the answer hashes to it, and kept in storage by `ver`.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import { getCaps, putCaps } from '../storage/caps.js';
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

/** An extended disco#info form (XEP-0128): its FORM_TYPE and its other fields, as XEP-0115 hashes them. */
export interface InfoForm {
  formType: string;
  fields: { var: string; values: string[] }[];
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
  forms?: InfoForm[];
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

/** XEP-0115 §5.1: the string that is hashed into `ver` (extended forms by FORM_TYPE, their fields by var). */
export function verificationString(info: DiscoInfo): string {
  const identities = info.identities
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`)
    .sort(octets);
  const features = [...new Set(info.features)].sort(octets);
  const forms = [...(info.forms ?? [])]
    .sort((a, b) => octets(a.formType, b.formType))
    .flatMap((form) => [form.formType, ...[...form.fields].sort((a, b) => octets(a.var, b.var)).flatMap((f) => [f.var, ...[...f.values].sort(octets)])]);
  return [...identities, ...features, ...forms].map((s) => `${s}<`).join('');
}

/**
 * A disco#info answer, or null when XEP-0115 §5.4 says not to trust it for caps: a repeated
 * identity or feature, or an extended form without FORM_TYPE or with one seen twice.
 */
export function parseDiscoInfo(query: Element): DiscoInfo | null {
  const identities: Identity[] = query.getChildren('identity').map((i) => ({
    category: String(i.attrs.category ?? ''),
    type: String(i.attrs.type ?? ''),
    ...(i.attrs.name ? { name: String(i.attrs.name) } : {}),
    ...(i.attrs['xml:lang'] ? { lang: String(i.attrs['xml:lang']) } : {}),
  }));
  const features = query.getChildren('feature').map((f) => String(f.attrs.var ?? ''));
  const forms: InfoForm[] = [];
  for (const x of query.getChildren('x', 'jabber:x:data')) {
    if (x.attrs.type !== 'result') continue;
    const fields = x.getChildren('field').map((f) => ({ var: String(f.attrs.var ?? ''), values: f.getChildren('value').map((v) => v.text()) }));
    const formType = fields.find((f) => f.var === 'FORM_TYPE');
    if (!formType || formType.values.length !== 1) return null;
    forms.push({ formType: formType.values[0]!, fields: fields.filter((f) => f.var !== 'FORM_TYPE') });
  }
  const ids = identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`);
  const unique = (xs: string[]) => new Set(xs).size === xs.length;
  if (!unique(ids) || !unique(features) || !unique(forms.map((f) => f.formType))) return null;
  return { identities, features, forms };
}

/** The caps a presence carries: SHA-1 ones only (the one hash XEP-0115 requires; others are not checked). */
export function parseCaps(presence: Element): { node: string; ver: string } | null {
  const c = presence.getChild('c', NS_CAPS);
  if (c?.attrs.hash !== 'sha-1' || typeof c.attrs.ver !== 'string' || typeof c.attrs.node !== 'string') return null;
  return { node: c.attrs.node, ver: c.attrs.ver };
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
  /** What a contact's resource (a full JID) advertised and we verified; undefined when unknown. */
  features(fullJid: string): Promise<ReadonlySet<string> | undefined>;
}

export function caps(ctx: PluginContext, info: DiscoInfo = PARLEY_INFO): CapsPlugin {
  // Hashed once; WebCrypto is async, so presence awaits it.
  const ver = capsVer(info);
  /** Each available resource's last `ver`, for this session (a new one starts from the presences it gets). */
  const seen = new Map<string, string>();
  /** One question per `ver` at a time, whoever else shows it meanwhile. */
  const asking = new Map<string, Promise<void>>();

  const learn = (to: string, node: string, v: string) => {
    const question = (async () => {
      const query = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO, node: `${node}#${v}` }), to);
      const answer = query && parseDiscoInfo(query);
      if (!answer) return ctx.log('capabilities not cached: a disco#info answer XEP-0115 refuses', to);
      // Believed only if it hashes to what the presence claimed: a `ver` is then the same for everyone.
      if ((await capsVer(answer)) !== v) return ctx.log('capabilities not cached: the answer does not hash to its ver', to);
      await putCaps(ctx.db, { ver: v, features: [...new Set(answer.features)] });
    })()
      .catch((err) => ctx.log('capabilities not asked', err))
      .finally(() => asking.delete(v));
    asking.set(v, question);
  };

  ctx.xmpp.iqCallee.get(NS_DISCO_INFO, 'query', async ({ element }) => {
    const node = element.attrs.node as string | undefined;
    if (node && node !== `${CAPS_NODE}#${await ver}`) return xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
    return buildDiscoInfo(info, node);
  });
  return {
    element: async () => buildCaps(await ver),
    async stanza(el) {
      if (el.name !== 'presence' || !el.attrs.from) return;
      const from = String(el.attrs.from);
      const bare = bareJid(from);
      if (el.attrs.type === 'unavailable') return void seen.delete(from);
      const c = el.attrs.type === undefined ? parseCaps(el) : null;
      // Room occupants are the room's business: a thousand of them would cost a thousand questions.
      if (!c || from === bare || ctx.rooms.get(bare)) return;
      seen.set(from, c.ver);
      if (asking.has(c.ver) || (await getCaps(ctx.db, c.ver))) return;
      // Asked only of whom we follow (and our own devices): anyone can send us a presence.
      const item = bare === ctx.jid ? true : await ctx.db.get('roster', bare);
      if (item === true || item?.subscription === 'to' || item?.subscription === 'both') learn(from, c.node, c.ver);
    },
    // A fresh session hears every contact's presence again; a resumed one keeps what it had.
    async online() {
      seen.clear();
    },
    async features(fullJid) {
      const v = seen.get(fullJid);
      if (!v) return undefined;
      await asking.get(v);
      const record = await getCaps(ctx.db, v);
      return record && new Set(record.features);
    },
  };
}
