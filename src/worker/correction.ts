/**
 * Last Message Correction (XEP-0308): the sender replaces the text of their last message. Only the
 * sender of a message may correct it, within its conversation; the stored record keeps the previous
 * texts in `edits`.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { MessageRecord, OutgoingCorrection } from '../shared/records.js';
import { applyCorrection } from '../storage/write.js';
import type { ParleyDb } from '../storage/db.js';
import { now } from './clock.js';
import { editOrigin, editTargetOf } from './edit-source.js';
import { MAX_BODY, MAX_ID } from '../shared/limits.js';
import { NS_SID } from './message.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_CORRECT = 'urn:xmpp:message-correct:0';
export const feature = {
  disco: [NS_CORRECT],
  api: (ctx) => ({
    correct: (conversation, key, body) => ctx.plugins().corrections.correct(ctx.contactJid(conversation), key, body),
  }),
} satisfies Feature<Pick<ParleyApi, 'correct'>>;

export class CorrectionError extends Error {
  override name = 'CorrectionError';
}

export interface Correction {
  from: string;
  /** The id of the message it replaces. */
  replaceId: string;
  body: string;
  id?: string;
}

/** A correction: a chat message (in a room, groupchat) with the new text, naming the original's id (= our origin-id). */
export function buildCorrection(to: string, newBody: string, replaceId: string, originId: string, groupchat = false): Element {
  return xml(
    'message',
    { to, type: groupchat ? 'groupchat' : 'chat', id: originId },
    xml('body', {}, newBody),
    xml('replace', { xmlns: NS_CORRECT, id: replaceId }),
    xml('origin-id', { xmlns: NS_SID, id: originId }),
  );
}

/**
 * Null when the message is no correction (no <replace/>, or an error or group chat message);
 * throws CorrectionError for a malformed one (no or oversized id, several <replace/>, no or oversized body).
 */
export function parseCorrection(el: Element): Correction | null {
  if (el.name !== 'message') return null;
  const replaces = el.getChildren('replace', NS_CORRECT);
  if (replaces.length === 0) return null;
  // Group chat reaches here only from a room we are in (the envelope stage decides).
  const type = el.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal' && type !== 'groupchat') return null;
  const from = el.attrs.from;
  if (!from) throw new CorrectionError('correction without a sender');
  if (replaces.length > 1) throw new CorrectionError(`correction from ${from} with ${replaces.length} <replace/> ignored`);
  const replaceId = replaces[0]!.attrs.id;
  if (!replaceId || replaceId.length > MAX_ID) throw new CorrectionError(`correction from ${from} without a usable id ignored`);
  const body = el.getChildText('body');
  if (body === null || body.trim() === '') throw new CorrectionError(`correction from ${from} without text ignored`);
  if (body.length > MAX_BODY) throw new CorrectionError(`correction of ${body.length} characters from ${from} ignored`);
  const correction: Correction = { from, replaceId, body };
  if (el.attrs.id && el.attrs.id.length <= MAX_ID) correction.id = el.attrs.id;
  return correction;
}

/** Our newest message in a conversation that can still be corrected (not retracted). */
export async function lastOwnMessage(db: ParleyDb, conversation: string): Promise<MessageRecord | undefined> {
  const range = IDBKeyRange.bound([conversation, 'out', -Infinity], [conversation, 'out', Infinity]);
  let cursor = await db.transaction('messages').store.index('byDirection').openCursor(range, 'prev');
  while (cursor?.value.retracted) cursor = await cursor.continue();
  return cursor?.value;
}

export interface CorrectionPlugin extends Plugin {
  /** Replaces the text of our last message in `conversation` (message `key`), stores it and sends the correction. */
  correct(conversation: string, key: string, body: string): Promise<void>;
}

export function corrections(ctx: PluginContext, outbox: OutboxPlugin): CorrectionPlugin {
  return {
    async envelope(env) {
      try {
        const correction = parseCorrection(env.message);
        if (!correction) return;
        const result = await applyCorrection(ctx.db, editTargetOf(env, correction.replaceId), correction.body, now(), editOrigin(env));
        if ('ignored' in result) return ctx.log(`correction from ${correction.from} ignored`, result.ignored);
        ctx.commit(result.change);
      } catch (err) {
        ctx.log('correction dropped', err);
      }
    },

    async correct(conversation, key, body) {
      if (body.trim() === '') throw new Error('A corrected message cannot be empty; retract it instead.');
      if (body.length > MAX_BODY) throw new Error(`Message too long (${body.length} characters, at most ${MAX_BODY}).`);
      const last = await lastOwnMessage(ctx.db, conversation);
      if (!last || last.key !== key) throw new Error('Only your last message in a conversation can be edited.');
      if (last.body === body) return;
      const replaceId = last.id ?? last.originId;
      if (!replaceId) throw new Error('This message has no id to refer to, so it cannot be edited.');
      // Queued before it is shown, so it is sent even if this worker dies now; the outbox sends it
      // after the message it corrects (online or not).
      const room = (await ctx.db.getKey('rooms', conversation)) !== undefined;
      const out: OutgoingCorrection = { kind: 'correction', originId: crypto.randomUUID(), to: conversation, replaceId, body, ts: now(), ...(room ? { groupchat: true as const } : {}) };
      await ctx.db.put('outbox', out);
      // Under its own id, so that its copy coming back (carbon, archive) is known as applied.
      const result = await applyCorrection(ctx.db, { conversation, key, sender: ctx.jid }, body, now(), { id: out.originId });
      if ('ignored' in result) {
        await ctx.db.delete('outbox', out.originId);
        throw new Error(`Edit not stored: ${result.ignored}`);
      }
      ctx.commit(result.change);
      await outbox.queued(out);
    },
  };
}
