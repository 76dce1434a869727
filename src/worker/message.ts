/** One-to-one chat messages (RFC 6121 §5) with stable ids (XEP-0359) and delay stamps (XEP-0203). */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { Direction, MessageRecord, OutboxRecord, OutgoingReply } from '../shared/records.js';
import { storeMessage, storeMessages } from '../storage/write.js';
import { arrivalOf, now } from './clock.js';
import { MAX_ID } from './limits.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import { outgoingFields, parseReply, type ReplyInfo } from './replies.js';

export const NS_SID = 'urn:xmpp:sid:0';
export const NS_RECEIPTS = 'urn:xmpp:receipts';
const NS_DELAY = 'urn:xmpp:delay';

/** Longer bodies are dropped (in) or refused (out): no chat message needs more, and storage is finite. */
export const MAX_BODY = 64 * 1024;

export interface ChatMessage {
  from: string;
  body: string;
  id?: string;
  originId?: string;
  /** Only a stanza-id stamped by our own server's archive (`by` = our bare JID) is trusted. */
  stanzaId?: string;
  /**
   * XEP-0203 stamp in ms, never in the future; only one our own server (our domain or account) made,
   * e.g. offline storage. A contact's client may claim any time: order is the server's, not theirs.
   */
  delayed?: number;
  /** XEP-0461 with its XEP-0428 quote range. */
  reply?: ReplyInfo;
  /** Asks for chat markers (XEP-0333). */
  markable?: boolean;
}

const validId = (id: string | undefined) => (id && id.length <= MAX_ID ? id : undefined);

/** Parses an incoming one-to-one message with a body; null for anything else. */
export function parseChatMessage(el: Element, ownJid: string): ChatMessage | null {
  if (el.name !== 'message') return null;
  const type = el.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return null;
  const from = el.attrs.from;
  const body = el.getChildText('body');
  if (!from || body === null || body.trim() === '') return null;
  // Corrections (XEP-0308) and retractions (XEP-0424) carry a body for old clients; correction.ts and retraction.ts apply them.
  if (el.getChild('replace', 'urn:xmpp:message-correct:0') || el.getChild('retract', 'urn:xmpp:message-retract:1')) return null;
  if (body.length > MAX_BODY) throw new RangeError(`message body of ${body.length} characters from ${from} dropped`);
  const stanzaId = ownStanzaId(el, ownJid);
  const stamp = Date.parse(ownStamp(el, ownJid) ?? '');
  const message: ChatMessage = { from, body };
  const id = validId(el.attrs.id);
  const originId = validId(el.getChild('origin-id', NS_SID)?.attrs.id);
  const sid = validId(stanzaId?.attrs.id);
  if (id) message.id = id;
  if (originId) message.originId = originId;
  if (el.getChild('markable', 'urn:xmpp:chat-markers:0')) message.markable = true;
  if (sid) message.stanzaId = sid;
  if (Number.isFinite(stamp)) message.delayed = Math.min(stamp, Date.now());
  const reply = parseReply(el, body);
  if (reply) message.reply = reply;
  return message;
}

/** The stamp of a delay our own server added (`from` our domain or our bare JID), if any. */
function ownStamp(el: Element, ownJid: string): string | undefined {
  const domain = ownJid.slice(ownJid.indexOf('@') + 1);
  const delay = el.getChildren('delay', NS_DELAY).find((d) => d.attrs.from && [domain, ownJid].includes(bareJid(d.attrs.from)));
  return delay?.attrs.stamp;
}

/**
 * The stanza-id our own server's archive stamped (XEP-0359): `by` exactly our bare JID (servers stamp
 * it so; a variant in case or with a resource is someone else's), and only one such claim: a sender
 * may add a forged one that an older server does not strip, and then neither can be told real.
 */
export function ownStanzaId(el: Element, ownJid: string): Element | undefined {
  const claims = el.getChildren('stanza-id', NS_SID).filter((s) => s.attrs.by === ownJid);
  return claims.length === 1 ? claims[0] : undefined;
}

export function buildChatMessage(to: string, body: string, originId: string): Element {
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
 * The stored form of a parsed message; `conversation` is the other party's bare JID. Incoming ones
 * are 'received', outgoing ones (copies of what our other devices sent) 'sent'. Its key is new:
 * whether it is a copy of a stored message is storage's question (src/storage/identity.ts).
 */
export function chatRecord(parsed: ChatMessage, conversation: string, direction: Direction, arrived = now()): MessageRecord {
  const id = parsed.id ?? parsed.originId;
  const record: MessageRecord = {
    key: messageKey(conversation, direction, crypto.randomUUID()),
    conversation,
    direction,
    from: parsed.from,
    body: parsed.body,
    ts: parsed.delayed ?? arrived,
    state: direction === 'in' ? 'received' : 'sent',
  };
  if (id) record.id = id;
  if (parsed.markable) record.markable = true;
  if (parsed.originId) record.originId = parsed.originId;
  if (parsed.stanzaId) record.stanzaId = parsed.stanzaId;
  if (parsed.reply) Object.assign(record, parsed.reply);
  return record;
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
  send(to: string, body: string, options?: { reply?: OutgoingReply; id?: string }): Promise<string>;
}

export function messages(ctx: PluginContext, outbox: OutboxPlugin): MessagePlugin {
  return {
    stanza(el) {
      return this.stanzas!([el]);
    },

    // What arrived together is stored in one transaction, in arrival order.
    async stanzas(batch) {
      const records: MessageRecord[] = [];
      const coarse = new Set<MessageRecord>();
      for (const el of batch) {
        let parsed: ChatMessage | null;
        try {
          parsed = parseChatMessage(el, ctx.jid);
        } catch (err) {
          ctx.log('message dropped', err);
          continue;
        }
        if (!parsed) continue;
        const conversation = bareJid(parsed.from);
        if (conversation === ctx.jid) continue; // our other devices: carbons' job, with their checks
        const record = chatRecord(parsed, conversation, 'in', arrivalOf(el));
        if (parsed.delayed !== undefined) coarse.add(record);
        records.push(record);
      }
      if (records.length) ctx.commit(await storeMessages(ctx.db, records, { coarse: (m) => coarse.has(m) }));
    },

    async send(to, body, options = {}) {
      if (body.trim() === '') throw new Error('Cannot send an empty message.');
      if (body.length > MAX_BODY) throw new Error(`Message too long (${body.length} characters, at most ${MAX_BODY}).`);
      if (options.id !== undefined && (typeof options.id !== 'string' || !options.id || options.id.length > MAX_ID)) throw new Error('Invalid message id.');
      const conversation = bareJid(to);
      const originId = options.id ?? crypto.randomUUID();
      const ts = now();
      const out: OutboxRecord = { originId, to: conversation, body, ts, ...(options.reply ? { reply: options.reply } : {}) };
      // Stored once by its key: a second call with the same id finds it and queues nothing.
      ctx.commit(
        await storeMessage(
          ctx.db,
          { key: messageKey(conversation, 'out', originId), conversation, direction: 'out', from: ctx.jid, body, ts, id: originId, originId, state: 'pending', ...(options.reply ? outgoingFields(options.reply, body) : {}) },
          out,
        ),
      );
      await outbox.queued(out);
      return originId;
    },
  };
}
