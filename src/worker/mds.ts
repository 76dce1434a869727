/**
 * Message Displayed Synchronization (XEP-0490): what the user has read on one device is read on all
 * of them, through the private PEP node `urn:xmpp:mds:displayed:0` (XEP-0163/0223).
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { isBareJid } from '../shared/jid.js';
import { markDisplayedUpTo } from '../storage/write.js';
import { archiveId, NS_SID } from './envelope.js';
import type { Plugin, PluginContext } from './plugin.js';
import { buildFetch as buildPubSubFetch, buildPublish as buildPubSubPublish, type PublishOptions, type PubSubPlugin } from './pubsub.js';
import type { Feature } from './feature.js';

export const NS_MDS = 'urn:xmpp:mds:displayed:0';
export const feature: Feature = { notify: [NS_MDS] };

/** One chat displayed up to the message our server stamped with `stanzaId`. */
export interface Displayed {
  conversation: string;
  stanzaId: string;
}

/** XEP-0490 §5: a private node that keeps every item. */
const OPTIONS: PublishOptions = {
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
  'pubsub#send_last_published_item': 'never',
  'pubsub#access_model': 'whitelist',
};

/**
 * The item saying that `conversation` is displayed up to `stanzaId`, which `by` stamped: our server
 * (our bare JID), or for a room the room itself (XEP-0490 §4).
 */
export const buildItem = (by: string, { conversation, stanzaId }: Displayed): Element =>
  xml('item', { id: conversation }, xml('displayed', { xmlns: NS_MDS }, xml('stanza-id', { xmlns: NS_SID, by, id: stanzaId })));

/** The `<pubsub/>` of an iq set publishing that `conversation` is displayed up to `stanzaId`. */
export const buildPublish = (by: string, displayed: Displayed): Element => buildPubSubPublish(NS_MDS, buildItem(by, displayed), OPTIONS);

/** The `<pubsub/>` of an iq get for every item of the node (sent to our own bare JID). */
export const buildFetch = (): Element => buildPubSubFetch(NS_MDS);

/** One `<item/>`: a chat (bare JID id) and a stanza-id stamped by our own server, or a room's by the room. */
export function parseItem(item: Element, ownJid: string): Displayed | null {
  const conversation = item.attrs.id as string | undefined;
  if (!conversation || !isBareJid(conversation) || conversation === ownJid) return null;
  const displayed = item.getChild('displayed', NS_MDS);
  const stanzaId = displayed && (archiveId(displayed, ownJid) ?? archiveId(displayed, conversation));
  return stanzaId ? { conversation, stanzaId } : null;
}

/** The items of a node: `<items node='urn:xmpp:mds:displayed:0'>` (pubsub result or event). */
export function parseItems(items: Element | undefined, ownJid: string): Displayed[] {
  if (!items || items.attrs.node !== NS_MDS) return [];
  return items.getChildren('item').flatMap((i) => parseItem(i, ownJid) ?? []);
}

export interface MdsPlugin extends Plugin {
  /** The user has read the conversation: tell the other devices, up to its newest incoming message. */
  seen(conversation: string): Promise<void>;
}

/** `caughtUp` settles when the archive catch-up after a fresh login is done (see mam.ts). */
export function mds(ctx: PluginContext, pep: PubSubPlugin, caughtUp: () => Promise<void>): MdsPlugin {
  /** Per conversation, the stanza-id last published or received. */
  const known = new Map<string, string>();
  /** Items naming messages not stored yet, applied again once the archive caught up. */
  const waiting = new Map<string, string>();

  async function apply(d: Displayed): Promise<void> {
    known.set(d.conversation, d.stanzaId);
    const { found, change } = await markDisplayedUpTo(ctx.db, d.conversation, d.stanzaId);
    if (found) waiting.delete(d.conversation);
    else waiting.set(d.conversation, d.stanzaId);
    ctx.commit(change);
  }

  async function retryWaiting(): Promise<void> {
    for (const [conversation, stanzaId] of [...waiting]) await apply({ conversation, stanzaId });
  }

  async function fetchAll(): Promise<void> {
    let items: Element | undefined;
    try {
      items = await pep.fetch(NS_MDS);
    } catch (err) {
      // No node yet (item-not-found) is the common case of a new account.
      ctx.log('displayed state not fetched', (err as Error).message);
      return;
    }
    for (const d of parseItems(items, ctx.jid)) await apply(d);
    await caughtUp();
    await retryWaiting();
  }

  pep.route(NS_MDS, async (items) => {
    for (const d of parseItems(items, ctx.jid)) await apply(d);
  });

  return {
    async online() {
      // Not awaited: it waits for the archive, and live stanzas must keep flowing meanwhile.
      void fetchAll().catch((err) => ctx.log('displayed state sync failed', err));
    },
    async seen(conversation) {
      if (ctx.xmpp.status !== 'online') return;
      // Newest incoming message our server stamped.
      const range = IDBKeyRange.bound([conversation, 'in', -Infinity, ''], [conversation, 'in', Infinity, []]);
      const stanzaId = (await ctx.db.transaction('messages').store.index('byArchived').openCursor(range, 'prev'))?.value.stanzaId;
      if (!stanzaId || known.get(conversation) === stanzaId) return;
      known.set(conversation, stanzaId);
      try {
        const by = (await ctx.db.getKey('rooms', conversation)) !== undefined ? conversation : ctx.jid;
        await pep.publish(NS_MDS, buildItem(by, { conversation, stanzaId }), OPTIONS);
      } catch (err) {
        // e.g. precondition-not-met: the node exists with another configuration. Reading still worked here.
        known.delete(conversation);
        ctx.log('displayed state not published', (err as Error).message);
      }
    },
  };
}
