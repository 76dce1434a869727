/** Chat State Notifications (XEP-0085): typing shown both ways in one-to-one chats. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { ChatState } from '../shared/records.js';
import { setChatState } from '../storage/write.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_CHATSTATES = 'http://jabber.org/protocol/chatstates';
const STATES: readonly ChatState[] = ['active', 'composing', 'paused', 'inactive', 'gone'];

/** The chat state a message carries, if any (a state may ride on a message with a body). */
export function parseChatState(el: Element): ChatState | null {
  if (el.name !== 'message' || (el.attrs.type ?? 'normal') === 'error' || el.attrs.type === 'groupchat') return null;
  const child = el.getChildElements().find((c) => c.getNS() === NS_CHATSTATES && STATES.includes(c.name as ChatState));
  return (child?.name as ChatState | undefined) ?? null;
}

/** A standalone notification: no body, and a hint not to archive it (XEP-0334). */
export function buildChatState(to: string, state: ChatState): Element {
  return xml('message', { to, type: 'chat' }, xml(state, { xmlns: NS_CHATSTATES }), xml('no-store', { xmlns: 'urn:xmpp:hints' }));
}

export interface ChatStatePlugin extends Plugin {
  /** What the user is doing in a conversation; repeated states are not sent twice. */
  set(to: string, state: ChatState): Promise<void>;
  /** A message went out, which says `active` by itself. */
  noteSent(to: string): void;
}

export function chatStates(ctx: PluginContext): ChatStatePlugin {
  const sent = new Map<string, ChatState>();
  return {
    async stanza(el) {
      const from = el.attrs.from;
      if (el.name !== 'message' || !from) return;
      // A message with a body ends "typing" even when it carries no state (older clients).
      const state = parseChatState(el) ?? (el.getChild('body') && el.attrs.type !== 'error' ? 'active' : null);
      const conversation = bareJid(from);
      // Our own devices' states and carbons are not the contact's.
      if (!state || conversation === ctx.jid) return;
      ctx.commit(await setChatState(ctx.db, conversation, state));
    },
    async offline() {
      sent.clear();
    },
    async set(to, state) {
      if (sent.get(to) === state || ctx.xmpp.status !== 'online') return;
      sent.set(to, state);
      await ctx.xmpp.send(buildChatState(to, state));
    },
    noteSent(to) {
      sent.set(to, 'active'); // every chat message we send carries <active/>
    },
  };
}
