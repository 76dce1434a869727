/** Chat State Notifications (XEP-0085): typing shown both ways in one-to-one chats. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { ChatState, ChatStateNote } from '../shared/records.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_CHATSTATES = 'http://jabber.org/protocol/chatstates';
export const feature = {
  disco: [NS_CHATSTATES],
  api: (ctx) => ({
    chatStates: async () => (ctx.isOnline() ? ctx.plugins().chatStates.current() : {}),
    async setChatState(to, state) {
      // Typing in a room would tell every occupant; rooms are left out.
      const jid = ctx.contactJid(to);
      if (ctx.isOnline() && !(await ctx.isRoom(jid))) await ctx.plugins().chatStates.set(jid, state);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'chatStates' | 'setChatState'>>;
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
  /** Contacts' current states. */
  current(): Record<string, ChatStateNote>;
}

/**
 * Contacts' states live in memory only: they are stale within seconds, and a write per message for
 * them made every message cost a read-write transaction. `tell` hands a changed state to the pages.
 */
export function chatStates(ctx: PluginContext, tell: (jid: string, note: ChatStateNote) => void): ChatStatePlugin {
  const sent = new Map<string, ChatState>();
  const received = new Map<string, ChatStateNote>();
  return {
    async envelope(env) {
      // Copies (carbons, archive) are not the contact's state now.
      if (env.via !== 'live') return;
      // A message with a body ends "typing" even when it carries no state (older clients).
      const state = parseChatState(env.message) ?? (env.message.getChild('body') ? 'active' : null);
      const { conversation } = env;
      if (!state || received.get(conversation)?.state === state) return;
      const note = { state, ts: Date.now() };
      received.set(conversation, note);
      tell(conversation, note);
    },
    async offline() {
      sent.clear();
      // Nobody is typing to us while we cannot hear them stop.
      for (const [jid, note] of received) if (note.state !== 'active') tell(jid, { state: 'active', ts: Date.now() });
      received.clear();
    },
    current() {
      return Object.fromEntries(received);
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
