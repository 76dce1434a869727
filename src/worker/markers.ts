/** Chat Markers (XEP-0333): tell a contact what we have seen, and show what they have seen. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { markDisplayed } from '../storage/write.js';
import { MAX_ID } from '../shared/limits.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';

export const NS_MARKERS = 'urn:xmpp:chat-markers:0';
export const feature: Feature = { disco: [NS_MARKERS] };

/** How many incoming messages back a displayed marker is looked for. */
const LOOKBACK = 100;

export const buildDisplayed = (to: string, id: string): Element =>
  xml('message', { to, type: 'chat', id: crypto.randomUUID() }, xml('displayed', { xmlns: NS_MARKERS, id }), xml('store', { xmlns: 'urn:xmpp:hints' }));

/** A `displayed` marker: who saw which of our messages. Other markers and error/group messages: null. */
export function parseDisplayed(el: Element): { from: string; id: string } | null {
  if (el.name !== 'message' || el.attrs.type === 'error' || el.attrs.type === 'groupchat') return null;
  const marker = el.getChild('displayed', NS_MARKERS);
  const from = el.attrs.from;
  const id = marker?.attrs.id;
  return from && id && id.length <= MAX_ID ? { from, id } : null;
}

export interface MarkersPlugin extends Plugin {
  /** The user has seen the conversation up to its incoming message `upTo` (a key), or all of it without one. */
  seen(conversation: string, upTo?: string): Promise<void>;
}

export function markers(ctx: PluginContext): MarkersPlugin {
  /** Per conversation, the position (ts) up to which markable messages were looked for and told. */
  const told = new Map<string, number>();
  return {
    async envelope(env) {
      // A copy of a marker (carbon, archive) is our own devices' business: XEP-0490's.
      const marker = env.via === 'live' && parseDisplayed(env.message);
      if (marker) ctx.commit(await markDisplayed(ctx.db, env.conversation, marker.id));
    },
    async seen(conversation, upTo) {
      if (ctx.xmpp.status !== 'online') return;
      const messages = ctx.db.transaction('messages').store;
      const seen = upTo === undefined ? undefined : await messages.get(upTo);
      if (upTo !== undefined && seen?.conversation !== conversation) return;
      const until = seen ? seen.ts : Infinity;
      const from = told.get(conversation) ?? -Infinity;
      // Markers only move forward: an older message is never told after a newer one.
      if (until <= from) return;
      // Newest incoming message that asked for markers, not past what was seen nor before what was told,
      // among the last LOOKBACK incoming ones: a contact whose client asks for none must not make every
      // first call walk the whole conversation.
      const range = IDBKeyRange.bound([conversation, 'in', from], [conversation, 'in', until], true, false);
      let cursor = await messages.index('byDirection').openCursor(range, 'prev');
      const newest = cursor?.value.ts;
      for (let looked = 1; cursor && looked < LOOKBACK && !(cursor.value.markable && cursor.value.id); looked++) cursor = await cursor.continue();
      const found = cursor?.value.markable ? cursor.value : undefined;
      // Looked through up to `newest` either way: the next call does not walk these again.
      if (newest !== undefined) told.set(conversation, newest);
      if (!found?.id) return;
      await ctx.xmpp.send(buildDisplayed(conversation, found.id));
    },
  };
}
