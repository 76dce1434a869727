/** One-to-one chat messages (RFC 6121 §5) with stable ids (XEP-0359) and delay stamps (XEP-0203). */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { parseOob } from './oob.js';
import { bareJid, resourceOf } from '../shared/jid.js';
import type { MessageRecord, OutboxRecord, OutgoingReply } from '../shared/records.js';
import { storeMessage, storeMessages } from '../storage/write.js';
import type { StoredBlocklist } from './blocking.js';
import { now } from './clock.js';
import { NS_SID, type Envelope } from './envelope.js';
import { MAX_BODY, MAX_ID } from '../shared/limits.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import { outgoingFields, parseReply, type ReplyInfo } from './replies.js';

export { NS_SID };
export const NS_RECEIPTS = 'urn:xmpp:receipts';

export interface ChatMessage {
  from: string;
  body: string;
  id?: string;
  originId?: string;
  /** XEP-0461 with its XEP-0428 quote range. */
  reply?: ReplyInfo;
  /** Asks for chat markers (XEP-0333). */
  markable?: boolean;
  /** The file it shares (XEP-0066). */
  oob?: string;
}

const validId = (id: string | undefined) => (id && id.length <= MAX_ID ? id : undefined);

/** Parses a one-to-one message with a body; null for anything else. */
export function parseChatMessage(el: Element): ChatMessage | null {
  if (el.name !== 'message') return null;
  const type = el.attrs.type ?? 'normal';
  // Group chat reaches here only from a room we are in (the envelope stage decides).
  if (type !== 'chat' && type !== 'normal' && type !== 'groupchat') return null;
  const from = el.attrs.from;
  const body = el.getChildText('body');
  if (!from || body === null || body.trim() === '') return null;
  // Corrections (XEP-0308) and retractions (XEP-0424) carry a body for old clients; correction.ts and retraction.ts apply them.
  if (el.getChild('replace', 'urn:xmpp:message-correct:0') || el.getChild('retract', 'urn:xmpp:message-retract:1')) return null;
  // So do room invitations (Prosody adds one): invitations.ts shows them as requests.
  if (el.getChild('x', 'jabber:x:conference') || el.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('invite')) return null;
  if (body.length > MAX_BODY) throw new RangeError(`message body of ${body.length} characters from ${from} dropped`);
  const message: ChatMessage = { from, body };
  const id = validId(el.attrs.id);
  const originId = validId(el.getChild('origin-id', NS_SID)?.attrs.id);
  if (id) message.id = id;
  if (originId) message.originId = originId;
  if (el.getChild('markable', 'urn:xmpp:chat-markers:0')) message.markable = true;
  const reply = parseReply(el, body);
  if (reply) message.reply = reply;
  const oob = parseOob(el, body);
  if (oob) message.oob = oob;
  return message;
}

/** `groupchat`: to a room, which reflects it to every occupant; receipts and markers are not asked of a room. */
export function buildChatMessage(to: string, body: string, originId: string, groupchat = false): Element {
  if (groupchat) {
    return xml(
      'message',
      { to, type: 'groupchat', id: originId },
      xml('body', {}, body),
      xml('origin-id', { xmlns: NS_SID, id: originId }),
      xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' }),
    );
  }
  return xml(
    'message',
    { to, type: 'chat', id: originId },
    xml('body', {}, body),
    xml('origin-id', { xmlns: NS_SID, id: originId }),
    xml('request', { xmlns: NS_RECEIPTS }), // XEP-0184: the UI shows 'delivered' when answered
    xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' }), // XEP-0085: a message ends typing
    xml('markable', { xmlns: 'urn:xmpp:chat-markers:0' }), // XEP-0333: the UI shows 'seen'
  );
}

/**
 * The stored form of a chat message with a body; null for anything else, RangeError for an
 * oversized body. Incoming ones are 'received', outgoing ones (copies of what our other devices
 * sent) 'sent'. Ordered by the stamp our server or archive made, else by arrival. Its key is new:
 * whether it is a copy of a stored message is storage's question (src/storage/identity.ts).
 */
export function chatRecord(env: Envelope, ownNick?: string): MessageRecord | null {
  const parsed = parseChatMessage(env.message);
  if (!parsed) return null;
  const { conversation, direction } = env;
  const id = parsed.id ?? parsed.originId;
  const record: MessageRecord = {
    key: messageKey(conversation, direction, crypto.randomUUID()),
    conversation,
    direction,
    from: parsed.from,
    body: parsed.body,
    ts: env.delay?.stamp ?? env.arrived,
    state: direction === 'in' ? 'received' : 'sent',
  };
  if (id) record.id = id;
  if (parsed.markable) record.markable = true;
  if (parsed.originId) record.originId = parsed.originId;
  // Our archive's id for it: its identity (src/storage/identity.ts).
  if (env.archive) record.stanzaId = env.archive.id;
  if (parsed.reply) Object.assign(record, parsed.reply);
  if (parsed.oob) record.oob = parsed.oob;
  if (env.room) {
    record.author = env.sender;
    const nick = resourceOf(env.from);
    if (nick) record.nick = nick;
    if (direction === 'in' && ownNick && mentions(parsed.body, ownNick)) record.mention = true;
  }
  return record;
}

/** Whether `body` names `nick` as a word of its own (any case): "@ann" and "ann:" do, "annex" does not. */
export function mentions(body: string, nick: string): boolean {
  const escaped = nick.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(body);
}

/** Storage key of a message; ours use our origin-id, which we made unique. */
export function messageKey(conversation: string, direction: 'in' | 'out', id: string): string {
  return `${conversation} ${direction} ${id}`;
}

export interface MessagePlugin extends Plugin {
  /**
   * Stores the message and queues it; resolves with its origin-id. `id`, chosen by the page, makes a
   * retry of a call whose answer was lost store and send nothing new.
   */
  send(to: string, body: string, options?: { reply?: OutgoingReply; id?: string; oob?: true; room?: { nick: string }; occupant?: true }): Promise<string>;
}

export function messages(ctx: PluginContext, outbox: OutboxPlugin, blocklist: Pick<StoredBlocklist, 'blocks'>): MessagePlugin {
  return {
    // Live messages and carbons that arrived together are stored in one transaction, in arrival order.
    async envelopes(batch) {
      const records: MessageRecord[] = [];
      const coarse = new Set<MessageRecord>();
      for (const env of batch) {
        if (env.direction === 'in' && (await blocklist.blocks(env.from))) {
          ctx.log('message from a blocked sender dropped', env.from);
          continue;
        }
        let record: MessageRecord | null;
        try {
          record = chatRecord(env, env.room ? ctx.rooms.get(env.conversation)?.nick : undefined);
        } catch (err) {
          ctx.log('message dropped', err);
          continue;
        }
        if (!record) continue;
        if (env.delay) coarse.add(record);
        records.push(record);
      }
      if (records.length) ctx.commit(await storeMessages(ctx.db, records, { coarse: (m) => coarse.has(m) }));
    },

    async send(to, body, options = {}) {
      if (body.trim() === '') throw new Error('Cannot send an empty message.');
      if (body.length > MAX_BODY) throw new Error(`Message too long (${body.length} characters, at most ${MAX_BODY}).`);
      if (options.id !== undefined && (typeof options.id !== 'string' || !options.id || options.id.length > MAX_ID)) throw new Error('Invalid message id.');
      // An occupant of a room (a private message) is a full JID; anyone else a bare one.
      const conversation = options.occupant ? to : bareJid(to);
      const originId = options.id ?? crypto.randomUUID();
      const ts = now();
      const room = options.room;
      const out: OutboxRecord = { originId, to: conversation, body, ts, ...(options.reply ? { reply: options.reply } : {}), ...(options.oob ? { oob: true } : {}), ...(room ? { groupchat: true as const } : {}), ...(options.occupant ? { occupant: true as const } : {}) };
      // Stored once by its key: a second call with the same id finds it and queues nothing.
      ctx.commit(
        await storeMessage(
          ctx.db,
          { key: messageKey(conversation, 'out', originId), conversation, direction: 'out', from: ctx.jid, body, ts, id: originId, originId, state: 'pending', ...(options.reply ? outgoingFields(options.reply, body) : {}), ...(options.oob ? { oob: body } : {}), ...(room ? { author: ctx.jid, nick: room.nick } : {}) },
          out,
        ),
      );
      await outbox.queued(out);
      return originId;
    },
  };
}
