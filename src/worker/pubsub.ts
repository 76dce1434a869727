/**
 * A small Personal Eventing service (XEP-0163) on Publish-Subscribe (XEP-0060): publish an item
 * with publish-options, fetch a node's items, and hand our own account's notifications to the
 * feature that owns the node. The server sends a node's notifications because that feature
 * declares its `+notify` (feature.ts); the envelope stage vouched that they come from our account.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DATA = 'jabber:x:data';

/** Node configuration asked for with a publish (`pubsub#…` fields), in the order given. */
export type PublishOptions = Readonly<Record<string, string>>;

const field = (name: string, value: string, type?: string): Element =>
  xml('field', { var: name, ...(type ? { type } : {}) }, xml('value', {}, value));

/** The `<pubsub/>` of an iq set publishing `item` to `node` with publish-options (XEP-0060 §7.1.5). */
export function buildPublish(node: string, item: Element, options: PublishOptions): Element {
  return xml(
    'pubsub',
    { xmlns: NS_PUBSUB },
    xml('publish', { node }, item),
    xml(
      'publish-options',
      {},
      xml(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        field('FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options', 'hidden'),
        ...Object.entries(options).map(([name, value]) => field(name, value)),
      ),
    ),
  );
}

/** The `<pubsub/>` of an iq get for every item of `node`. */
export const buildFetch = (node: string): Element => xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node }));

/** The `<items/>` a notification carries (XEP-0060 §7.1.2), naming its node; null for anything else. */
export function parseEvent(el: Element): Element | null {
  if (el.name !== 'message') return null;
  const items = el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
  return items?.attrs.node ? items : null;
}

export interface PubSubPlugin extends Plugin {
  /** Our own account's notifications of `node` go to `notified` (one owner per node). */
  route(node: string, notified: (items: Element) => Promise<void>): void;
  publish(node: string, item: Element, options: PublishOptions): Promise<void>;
  /** The `<items/>` of our own account's `node`; throws the server's error (item-not-found: no node yet). */
  fetch(node: string): Promise<Element | undefined>;
}

export function pubsub(ctx: PluginContext): PubSubPlugin {
  const routes = new Map<string, (items: Element) => Promise<void>>();
  return {
    async account({ message }) {
      const items = parseEvent(message);
      const notified = items && routes.get(items.attrs.node as string);
      if (notified) await notified(items);
    },
    route(node, notified) {
      routes.set(node, notified);
    },
    async publish(node, item, options) {
      await ctx.xmpp.iqCaller.set(buildPublish(node, item, options));
    },
    async fetch(node) {
      return (await ctx.xmpp.iqCaller.get(buildFetch(node), ctx.jid))?.getChild('items') ?? undefined;
    },
  };
}
