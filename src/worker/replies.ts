/**
 * Message Replies (XEP-0461 v0.3) with a quoted Compatibility Fallback (XEP-0428 v0.2): the body
 * starts with "> quoted line" lines for clients that know neither, marked so that ours hide them
 * and show the stored original instead. Fallback ranges count Unicode code points (XEP-0426);
 * stored ranges are converted to JavaScript (UTF-16) offsets.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { MessageRecord, OutgoingReply } from '../shared/records.js';
import { MAX_ID } from '../shared/limits.js';
import type { MessagePlugin } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_REPLY = 'urn:xmpp:reply:0';
export const feature = {
  disco: [NS_REPLY],
  api: (ctx) => ({
    async reply(conversation, key, body, id) {
      const running = ctx.plugins();
      const jid = ctx.contactJid(conversation);
      const originId = await running.replies.reply(jid, key, body, id);
      running.chatStates.noteSent(jid);
      return originId;
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'reply'>>;
export const NS_FALLBACK = 'urn:xmpp:fallback:0';
/** The namespace XEP-0461's own example uses; some clients send it. Read, never written. */
const NS_FALLBACK_ALT = 'urn:xmpp:feature-fallback:0';
/** Longer originals are quoted up to here (in code points), then "…". */
const MAX_QUOTE = 300;

/** What a received reply adds to its stored message. */
export interface ReplyInfo {
  replyTo: { id: string; to?: string };
  /** UTF-16 offsets into the body of the fallback quote; absent when there is none or it was unusable. */
  fallback?: { start: number; end: number };
}

/** The UTF-16 offset of the `points`-th code point of `text`; null when the text is shorter. */
export function codePointOffset(text: string, points: number): number | null {
  if (!Number.isInteger(points) || points < 0) return null;
  let units = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen === points) return units;
    units += ch.length;
    seen += 1;
  }
  return seen === points ? units : null;
}

export const codePointLength = (text: string): number => {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
};

const integer = (value: string | undefined): number | null => (value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : null);

/**
 * The reply a message carries, if any (exactly one <reply> with an id). Its fallback range is kept
 * only when it is a proper part of the body (so the rest is not empty) counted in code points;
 * anything else (no range, several, out of bounds, reversed) leaves the whole body shown.
 */
export function parseReply(el: Element, body: string): ReplyInfo | null {
  const replies = el.getChildren('reply', NS_REPLY);
  if (replies.length !== 1) return null;
  const { id, to } = replies[0]!.attrs as { id?: string; to?: string };
  if (!id || id.length > MAX_ID) return null;
  const info: ReplyInfo = { replyTo: { id, ...(to && to.length <= 3 * 1024 ? { to } : {}) } };
  const fallbacks = [...el.getChildren('fallback', NS_FALLBACK), ...el.getChildren('fallback', NS_FALLBACK_ALT)].filter(
    (f) => f.attrs.for === NS_REPLY,
  );
  const ranges = fallbacks.flatMap((f) => f.getChildren('body'));
  if (ranges.length !== 1) return info;
  const start = integer(ranges[0]!.attrs.start);
  const end = integer(ranges[0]!.attrs.end);
  if (start === null || end === null || start > end) return info;
  const from = codePointOffset(body, start);
  const until = codePointOffset(body, end);
  if (from === null || until === null || from === until) return info;
  // A reply whose whole body is quote says nothing of its own: show it all rather than nothing.
  if ((body.slice(0, from) + body.slice(until)).trim() === '') return info;
  info.fallback = { start: from, end: until };
  return info;
}

/** What a message says without its reply fallback. */
export function displayText(m: Pick<MessageRecord, 'body' | 'fallback'>): string {
  if (!m.fallback) return m.body;
  return m.body.slice(0, m.fallback.start) + m.body.slice(m.fallback.end);
}

/** The "> line" quote of an original, ending in a newline, shortened without splitting a code point. */
export function quoteOf(text: string): string {
  const points = Array.from(text.trim());
  const shown = points.length > MAX_QUOTE ? `${points.slice(0, MAX_QUOTE).join('')}…` : points.join('');
  return shown.split('\n').map((line) => `> ${line}\n`).join('');
}

/** Adds <reply/> and, when the body starts with a quote, its fallback mark, to an outgoing message. */
export function appendReply(stanza: Element, reply: OutgoingReply): Element {
  stanza.append(xml('reply', { xmlns: NS_REPLY, to: reply.to, id: reply.id }));
  if (reply.end > 0) {
    stanza.append(xml('fallback', { xmlns: NS_FALLBACK, for: NS_REPLY }, xml('body', { start: '0', end: String(reply.end) })));
  }
  return stanza;
}

/** The stored fields of an outgoing reply whose body starts with its quote. */
export function outgoingFields(reply: OutgoingReply, body: string): Pick<MessageRecord, 'replyTo' | 'fallback'> {
  const end = codePointOffset(body, reply.end);
  return {
    replyTo: { id: reply.id, to: reply.to, ...(reply.key ? { key: reply.key } : {}) },
    ...(end ? { fallback: { start: 0, end } } : {}),
  };
}

/** The id others know a stored message by (XEP-0461 §3.1: the stanza's id in one-to-one chats). */
export function stanzaIdOf(m: MessageRecord): string | undefined {
  return m.id ?? m.originId;
}

export interface ReplyPlugin extends Plugin {
  /** Sends `body` as a reply to a stored message of `conversation`; resolves with its origin-id (`id` as in MessagePlugin.send). */
  reply(conversation: string, key: string, body: string, id?: string): Promise<string>;
}

export function replies(ctx: PluginContext, messages: MessagePlugin): ReplyPlugin {
  return {
    async reply(conversation, key, body, originId) {
      if (body.trim() === '') throw new Error('Cannot send an empty message.');
      const target = await ctx.db.get('messages', key);
      if (!target || target.conversation !== conversation) throw new Error('That message is not in this conversation.');
      const id = stanzaIdOf(target);
      if (!id) throw new Error('That message cannot be replied to (it has no id).');
      const quote = quoteOf(displayText(target));
      // The author's JID as we know it: theirs as received (full), ours bare (any of our devices).
      const to = target.direction === 'in' ? target.from : ctx.jid;
      return messages.send(conversation, quote + body, { reply: { to, id, key, end: codePointLength(quote) }, ...(originId === undefined ? {} : { id: originId }) });
    },
  };
}
