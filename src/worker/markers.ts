/** Chat Markers (XEP-0333): tell a contact what we have seen, and show what they have seen. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import { markDisplayed } from '../storage/write.js';
import { MAX_ID } from './limits.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_MARKERS = 'urn:xmpp:chat-markers:0';

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
  /** The user has seen the conversation up to its newest incoming message. */
  seen(conversation: string): Promise<void>;
}

export function markers(ctx: PluginContext): MarkersPlugin {
  const lastSent = new Map<string, string>();
  return {
    async stanza(el) {
      const marker = parseDisplayed(el);
      if (!marker) return;
      const conversation = bareJid(marker.from);
      if (conversation === ctx.jid) return; // our own devices: XEP-0490's business
      ctx.commit(await markDisplayed(ctx.db, conversation, marker.id));
    },
    async seen(conversation) {
      if (ctx.xmpp.status !== 'online') return;
      // Newest incoming message that asked for markers.
      const range = IDBKeyRange.bound([conversation, -Infinity], [conversation, Infinity]);
      let cursor = await ctx.db.transaction('messages').store.index('byConversation').openCursor(range, 'prev');
      while (cursor && !(cursor.value.direction === 'in' && cursor.value.markable && cursor.value.id)) cursor = await cursor.continue();
      const id = cursor?.value.id;
      if (!id || lastSent.get(conversation) === id) return;
      lastSent.set(conversation, id);
      await ctx.xmpp.send(buildDisplayed(conversation, id));
    },
  };
}
