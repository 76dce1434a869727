/**
 * User Nickname (XEP-0172): the name a person gives themselves, from their PEP node (notifications,
 * wanted through `+notify`) and from the subscription requests they send. It is shown only where the
 * user gave the contact no roster name (src/shared/names.ts).
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import { putNick } from '../storage/nicks.js';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';
import { parseEvent, type PubSubPlugin } from './pubsub.js';
import type { ParleyApi } from '../shared/api.js';
import { MAX_PROFILE_NICK } from '../shared/limits.js';

export const NS_NICK = 'http://jabber.org/protocol/nick';
export const feature = {
  notify: [NS_NICK],
  api: (ctx) => ({
    async setNick(nick) {
      if (!nick.trim()) throw new Error('A nickname cannot be empty.');
      await ctx.online().nicks.publish(nick);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'setNick'>>;

/** `<nick/>`'s text, control characters and runs of spaces made one space; null when none is left. */
export function parseNick(el: Element | undefined): string | null {
  if (el?.name !== 'nick' || el.attrs.xmlns !== NS_NICK) return null;
  const text = el.text().replace(/[\u0000-\u001f\u007f\s]+/gu, ' ').trim();
  return text ? [...text].slice(0, MAX_PROFILE_NICK).join('') : null;
}

/**
 * The nickname a PEP notification's `<items node='…nick'>` carries: a string, null when it was
 * retracted or emptied, undefined when the items are not about nicknames.
 */
export function parseNickItems(items: Element | null | undefined): string | null | undefined {
  if (items?.attrs.node !== NS_NICK) return undefined;
  const item = items.getChildren('item').at(-1);
  return item ? parseNick(item.getChild('nick', NS_NICK)) : null;
}

/** The `<nick/>` element, for a publish or a subscription request. */
export const buildNick = (nick: string): Element => xml('nick', { xmlns: NS_NICK }, nick);

export interface NickPlugin extends Plugin {
  /** Publishes our own nickname, which contacts see where they gave us no name. */
  publish(nick: string): Promise<void>;
}

export function nicks(ctx: PluginContext, pep: PubSubPlugin): NickPlugin {
  const store = async (jid: string, nick: string | null) => ctx.commit(await putNick(ctx.db, jid, nick));
  pep.route(NS_NICK, async (items) => {
    const nick = parseNickItems(items);
    if (nick !== undefined) await store(ctx.jid, nick);
  });
  return {
    // A contact's PEP notification comes from their bare JID, straight from their server.
    async envelope(env) {
      if (env.via !== 'live' || env.direction !== 'in' || env.from !== env.sender) return;
      const nick = parseNickItems(parseEvent(env.message));
      if (nick !== undefined) await store(env.sender, nick);
    },
    async stanza(el) {
      if (el.name !== 'presence' || el.attrs.type !== 'subscribe' || !el.attrs.from) return;
      const nick = parseNick(el.getChild('nick', NS_NICK));
      if (nick) await store(bareJid(el.attrs.from), nick);
    },
    async publish(nick) {
      const item = xml('item', { id: 'current' }, buildNick(nick.trim()));
      await pep.publish(NS_NICK, item, { 'pubsub#access_model': 'presence' });
      await store(ctx.jid, parseNick(item.getChild('nick')));
    },
  };
}
