/**
 * RFC 6121 roster: get, pushes, add and remove. Adding someone also approves their request to see
 * us: the one they sent, or one they have yet to send where the server keeps pre-approvals (§3.4),
 * so two people who add each other are asked once.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { RosterItem, Subscription } from '../shared/records.js';
import { applyRosterPush, removeRequest, replaceRoster } from '../storage/write.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_ROSTER = 'jabber:iq:roster';
const NS_PREAPPROVAL = 'urn:xmpp:features:pre-approval';
const NS_STREAMS = 'http://etherx.jabber.org/streams';

const SUBSCRIPTIONS: readonly string[] = ['none', 'to', 'from', 'both'];

export interface ParsedItem {
  item: RosterItem;
  removed: boolean;
}

/** Parses one <item/>; null when it has no usable JID. */
export function parseItem(el: Element): ParsedItem | null {
  const jid = el.attrs.jid;
  if (!jid || jid.includes('/')) return null;
  const sub = el.attrs.subscription ?? 'none';
  const name = el.attrs.name?.trim();
  return {
    item: {
      jid: bareJid(jid),
      ...(name ? { name } : {}),
      groups: [...new Set(el.getChildren('group').map((g) => g.text().trim()).filter(Boolean))],
      subscription: (SUBSCRIPTIONS.includes(sub) ? sub : 'none') as Subscription,
      pendingOut: el.attrs.ask === 'subscribe',
    },
    removed: sub === 'remove',
  };
}

/** Items of a roster result or push (<query xmlns='jabber:iq:roster'/>). */
export function parseQuery(query: Element): ParsedItem[] {
  return query.getChildren('item').flatMap((el) => parseItem(el) ?? []);
}

/**
 * RFC 6121 §2.1.6: a push is only from our own account (no `from`, or our bare JID).
 * Anything else is a spoofing attempt and must not touch the roster.
 */
export function isTrustedPush(from: string | undefined, ownJid: string): boolean {
  return !from || (bareJid(from) === ownJid && !from.includes('/'));
}

export function buildSetItem(jid: string, { name, remove = false }: { name?: string; remove?: boolean } = {}): Element {
  return xml(
    'query',
    { xmlns: NS_ROSTER },
    xml('item', remove ? { jid, subscription: 'remove' } : { jid, ...(name ? { name } : {}) }),
  );
}

export interface RosterPlugin extends Plugin {
  add(jid: string, name?: string): Promise<void>;
  remove(jid: string): Promise<void>;
}

export function roster(ctx: PluginContext): RosterPlugin {
  ctx.xmpp.iqCallee.set(NS_ROSTER, 'query', async ({ stanza, element }) => {
    if (!isTrustedPush(stanza.attrs.from, ctx.jid)) {
      ctx.log('ignored roster push from a foreign sender', stanza.attrs.from);
      return undefined; // answered with service-unavailable, as RFC 6121 allows
    }
    const items = parseQuery(element);
    // RFC 6121 §2.1.6: a push carries exactly one item.
    if (items.length !== 1) return xml('error', { type: 'modify' }, xml('bad-request', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
    const [{ item, removed }] = items as [ParsedItem];
    ctx.commit(await applyRosterPush(ctx.db, item, removed));
    return true;
  });

  // The server keeps pre-approvals if the features of our logged-in stream say so (the last features a stream sends).
  let preApproval = false;
  ctx.xmpp.on('element', (el: Element) => {
    if (el.is('features', NS_STREAMS)) preApproval = !!el.getChild('sub', NS_PREAPPROVAL);
  });

  return {
    async online() {
      // iqCaller resolves with the result's payload, here the <query/> itself.
      const query = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_ROSTER }));
      if (query?.is('query', NS_ROSTER)) ctx.commit(await replaceRoster(ctx.db, parseQuery(query).filter((p) => !p.removed).map((p) => p.item)));
    },
    async add(jid, name) {
      await ctx.xmpp.iqCaller.set(buildSetItem(jid, name ? { name } : {}));
      await ctx.xmpp.send(xml('presence', { to: jid, type: 'subscribe' }));
      const asked = (await ctx.db.getKey('requests', jid)) !== undefined;
      // RFC 6121 §3.4: a pre-approval only where the server offers it; their own request, always.
      if (asked || preApproval) await ctx.xmpp.send(xml('presence', { to: jid, type: 'subscribed' }));
      if (asked) ctx.commit(await removeRequest(ctx.db, jid));
    },
    async remove(jid) {
      // The server also cancels both subscriptions (RFC 6121 §2.5.2).
      await ctx.xmpp.iqCaller.set(buildSetItem(jid, { remove: true }));
    },
  };
}

export const feature = {
  api: (ctx) => ({
    addContact: (jid, name) => ctx.online().roster.add(ctx.contactJid(jid), name?.trim() || undefined),
    removeContact: (jid) => ctx.online().roster.remove(ctx.contactJid(jid)),
  }),
} satisfies Feature<Pick<ParleyApi, 'addContact' | 'removeContact'>>;
