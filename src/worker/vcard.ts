/**
 * Cards: vCard4 over XMPP (XEP-0292, the PEP node `urn:xmpp:vcard4`), with vcard-temp (XEP-0054)
 * where a contact has published none. Every field is plain text, bounded; pages show it as text.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { CARD_FIELDS, type Card } from '../shared/card.js';
import type { Plugin, PluginContext } from './plugin.js';
import { buildFetch, type PubSubPlugin } from './pubsub.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';
import { MAX_VCARD_FIELD } from '../shared/limits.js';

export const NS_VCARD4_NODE = 'urn:xmpp:vcard4';
export const NS_VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0';
const NS_VCARD_TEMP = 'vcard-temp';

/** vCard4 element and the value element inside it, per field (RFC 6351). */
const V4: Record<keyof Card, [string, string]> = {
  fn: ['fn', 'text'], nickname: ['nickname', 'text'], email: ['email', 'text'], tel: ['tel', 'uri'], note: ['note', 'text'], url: ['url', 'uri'],
};

function tidy(text: string | null | undefined): string | undefined {
  const t = text?.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  return t ? [...t].slice(0, MAX_VCARD_FIELD).join('') : undefined;
}

const card = (entries: [keyof Card, string | undefined][]): Card =>
  Object.fromEntries(entries.filter((e): e is [keyof Card, string] => !!e[1]));

/** A `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>` (XEP-0292 Example 1); null for anything else. */
export function parseVcard4(el: Element | null | undefined): Card | null {
  if (el?.name !== 'vcard' || el.attrs.xmlns !== NS_VCARD4) return null;
  return card(CARD_FIELDS.map((f) => {
    const [name, value] = V4[f];
    const text = el.getChild(name)?.getChildText(value);
    return [f, tidy(f === 'tel' ? text?.replace(/^tel:/, '') : text)];
  }));
}

/** A `<vCard xmlns='vcard-temp'>` (XEP-0054 Example 2); null for anything else. */
export function parseVcardTemp(el: Element | null | undefined): Card | null {
  if (el?.name !== 'vCard' || el.attrs.xmlns !== NS_VCARD_TEMP) return null;
  return card([
    ['fn', tidy(el.getChildText('FN'))],
    ['nickname', tidy(el.getChildText('NICKNAME'))],
    ['email', tidy(el.getChild('EMAIL')?.getChildText('USERID'))],
    ['tel', tidy(el.getChild('TEL')?.getChildText('NUMBER'))],
    ['note', tidy(el.getChildText('DESC'))],
    ['url', tidy(el.getChildText('URL'))],
  ]);
}

/** Our card as vCard4 (empty fields left out). */
export function buildVcard4(c: Card): Element {
  return xml('vcard', { xmlns: NS_VCARD4 }, ...CARD_FIELDS.flatMap((f) => {
    const text = tidy(c[f]);
    const [name, value] = V4[f];
    return text ? [xml(name, {}, xml(value, {}, f === 'tel' && !text.startsWith('tel:') ? `tel:${text}` : text))] : [];
  }));
}

export interface CardPlugin extends Plugin {
  /** `jid`'s card: their vCard4, else their vcard-temp, else an empty card. */
  card(jid: string): Promise<Card>;
  publish(card: Card): Promise<void>;
}

export function cards(ctx: PluginContext, pep: PubSubPlugin): CardPlugin {
  async function vcard4(jid: string): Promise<Card | null> {
    const items = (await ctx.xmpp.iqCaller.get(buildFetch(NS_VCARD4_NODE), jid))?.getChild('items');
    return parseVcard4(items?.getChildren('item').at(-1)?.getChild('vcard', NS_VCARD4));
  }
  return {
    async card(jid) {
      const found = await vcard4(jid).catch((err: Error) => void ctx.log(`no vCard4 for ${jid}`, err.message));
      if (found) return found;
      const temp = await ctx.xmpp.iqCaller.get(xml('vCard', { xmlns: NS_VCARD_TEMP }), jid).catch((err: Error) => void ctx.log(`no vcard-temp for ${jid}`, err.message));
      return parseVcardTemp(temp) ?? {};
    },
    async publish(c) {
      await pep.publish(NS_VCARD4_NODE, xml('item', { id: 'current' }, buildVcard4(c)), { 'pubsub#access_model': 'presence' });
    },
  };
}

export const feature = {
  api: (ctx) => ({
    card: (jid) => ctx.online().cards.card(ctx.contactJid(jid)),
    setCard: (card) => ctx.online().cards.publish(card),
  }),
} satisfies Feature<Pick<ParleyApi, 'card' | 'setCard'>>;
