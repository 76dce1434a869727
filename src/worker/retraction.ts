/**
 * Message Retraction (XEP-0424, version 0.4 / `urn:xmpp:message-retract:1`): the sender asks for a message
 * to be taken back. A retraction from the message's sender deletes its text (and edit history) from
 * storage; the record keeps `retracted` so the log says so. From anyone else it is ignored.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { OutgoingRetraction } from '../shared/records.js';
import { applyRetraction } from '../storage/write.js';
import { now } from './clock.js';
import { editTargetOf } from './edit-source.js';
import { MAX_ID } from '../shared/limits.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_RETRACT = 'urn:xmpp:message-retract:1';
export const feature = {
  disco: [NS_RETRACT],
  api: (ctx) => ({
    retract: (conversation, key) => ctx.plugins().retractions.retract(ctx.contactJid(conversation), key),
  }),
} satisfies Feature<Pick<ParleyApi, 'retract'>>;
export const NS_FALLBACK = 'urn:xmpp:fallback:0';
/** XEP-0424 §3: what clients without retraction support show (a XEP-0245 /me). */
export const RETRACTION_FALLBACK = "/me retracted a previous message, but it's unsupported by your client.";

export class RetractionError extends Error {
  override name = 'RetractionError';
}

export interface Retraction {
  from: string;
  /** The id of the retracted message (its stanza id, which is our origin-id). */
  id: string;
}

/** `groupchat`: in a room, where `retractId` is the room's stanza-id for the message (XEP-0424 §5). */
export function buildRetraction(to: string, retractId: string, ownId: string, groupchat = false): Element {
  return xml(
    'message',
    { to, type: groupchat ? 'groupchat' : 'chat', id: ownId },
    xml('retract', { xmlns: NS_RETRACT, id: retractId }),
    xml('fallback', { xmlns: NS_FALLBACK, for: NS_RETRACT }),
    xml('body', {}, RETRACTION_FALLBACK),
    xml('store', { xmlns: 'urn:xmpp:hints' }), // XEP-0334: archived even by servers that do not know it
  );
}

/** Null when the message retracts nothing; throws RetractionError for a malformed retraction. */
export function parseRetraction(el: Element): Retraction | null {
  if (el.name !== 'message') return null;
  const retracts = el.getChildren('retract', NS_RETRACT);
  if (retracts.length === 0) return null;
  // Group chat reaches here only from a room we are in (the envelope stage decides).
  const type = el.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal' && type !== 'groupchat') return null;
  const from = el.attrs.from;
  if (!from) throw new RetractionError('retraction without a sender');
  if (retracts.length > 1) throw new RetractionError(`retraction from ${from} with ${retracts.length} <retract/> ignored`);
  const id = retracts[0]!.attrs.id;
  if (!id || id.length > MAX_ID) throw new RetractionError(`retraction from ${from} without a usable id ignored`);
  return { from, id };
}

export interface RetractionPlugin extends Plugin {
  /** Retracts one of our messages: deletes its text here and asks the contact's clients to do the same. */
  retract(conversation: string, key: string): Promise<void>;
}

export function retractions(ctx: PluginContext, outbox: OutboxPlugin): RetractionPlugin {
  return {
    async envelope(env) {
      try {
        const retraction = parseRetraction(env.message);
        if (!retraction) return;
        const result = await applyRetraction(ctx.db, editTargetOf(env, retraction.id), now());
        if ('ignored' in result) return ctx.log(`retraction from ${retraction.from} ignored`, result.ignored);
        ctx.commit(result.change);
      } catch (err) {
        ctx.log('retraction dropped', err);
      }
    },

    async retract(conversation, key) {
      const message = await ctx.db.get('messages', key);
      if (!message || message.conversation !== conversation) throw new Error('No such message in this conversation.');
      if (message.direction !== 'out') throw new Error('Only your own messages can be retracted.');
      if (message.retracted) return;
      const room = (await ctx.db.getKey('rooms', conversation)) !== undefined;
      // In a room a message is named by the id the room gave it.
      const id = room ? message.stanzaId : (message.id ?? message.originId);
      if (!id) throw new Error('This message has no id to refer to, so it cannot be retracted.');
      // Queued before the text goes, so the contact is asked too even if this worker dies now.
      const out: OutgoingRetraction = { kind: 'retraction', originId: crypto.randomUUID(), to: conversation, retractId: id, ts: now(), ...(room ? { groupchat: true as const } : {}) };
      await ctx.db.put('outbox', out);
      const result = await applyRetraction(ctx.db, { conversation, key, sender: ctx.jid }, now());
      if ('ignored' in result) {
        await ctx.db.delete('outbox', out.originId);
        throw new Error(`Retraction not stored: ${result.ignored}`);
      }
      ctx.commit(result.change);
      await outbox.queued(out);
    },
  };
}
