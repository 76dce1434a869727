/**
 * Message Delivery Receipts (XEP-0184). Our chat messages ask for one (see buildChatMessage); this
 * answers the requests of others once their message is stored, and marks ours delivered when theirs
 * come back.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { MessageRecord } from '../shared/records.js';
import { areStored, markDelivered } from '../storage/write.js';
import type { Envelope } from './envelope.js';
import { MAX_ID } from '../shared/limits.js';
import { chatRecord, NS_RECEIPTS } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';

export { NS_RECEIPTS };
export const feature: Feature = { disco: [NS_RECEIPTS] };

/** A request we should answer: who asked (full JID), for which message id, and that message as stored. */
export interface ReceiptRequest {
  to: string;
  id: string;
  /** The message it confirms, to check that it (not just one with the same id) was stored. */
  message: MessageRecord;
}

/**
 * A live one-to-one message with a body and an id that asks for a receipt; null otherwise. Copies
 * of messages (carbons, archive results) are never answered: the device that got the original
 * answers for it.
 */
export function parseReceiptRequest(env: Envelope): ReceiptRequest | null {
  const id = env.message.attrs.id;
  if (env.via !== 'live' || !env.message.getChild('request', NS_RECEIPTS) || !id || id.length > MAX_ID) return null;
  let message;
  try {
    message = chatRecord(env); // chat or normal, with a body
  } catch {
    return null; // dropped as too large: not stored, so not confirmed
  }
  return message && { to: env.from, id, message };
}

export function buildReceipt(to: string, id: string, ownId: string): Element {
  return xml('message', { to, id: ownId }, xml('received', { xmlns: NS_RECEIPTS, id }));
}

/** A receipt for one of our messages: who confirms (full JID) and the id of the message confirmed. */
export interface Receipt {
  from: string;
  id: string;
  /** The sender's bare JID: a receipt can only confirm a message that was sent to its sender. */
  conversation: string;
}

/** A live <received/> from a contact; null for anything else. */
export function parseReceipt(env: Envelope): Receipt | null {
  const id = env.message.getChild('received', NS_RECEIPTS)?.attrs.id;
  if (env.via !== 'live' || !id || id.length > MAX_ID) return null;
  return { from: env.from, id, conversation: env.conversation };
}

export function receipts(ctx: PluginContext): Plugin {
  /**
   * XEP-0184 §8: a receipt tells the sender we are online, so only those allowed to see our
   * presence get one.
   */
  async function mayKnowPresence(jid: string): Promise<boolean> {
    const item = await ctx.db.get('roster', jid);
    return item?.subscription === 'from' || item?.subscription === 'both';
  }

  return {
    // Runs after the message plugin has handled the same messages (hooks run in registration order).
    async envelopes(batch) {
      const requests: ReceiptRequest[] = [];
      for (const env of batch) {
        const receipt = parseReceipt(env);
        // One that matches no message of ours changes nothing.
        if (receipt) ctx.commit(await markDelivered(ctx.db, receipt.conversation, receipt.id));
        const request = parseReceiptRequest(env);
        if (request) requests.push(request);
      }
      if (!requests.length) return;
      // Only what is stored is confirmed: a message the message plugin dropped was not delivered,
      // even when another message with its id was.
      const stored = await areStored(ctx.db, requests.map((r) => r.message));
      const allowed = new Map<string, boolean>();
      for (const [i, request] of requests.entries()) {
        if (!stored[i]) continue;
        const contact = bareJid(request.to);
        if (!allowed.has(contact)) allowed.set(contact, await mayKnowPresence(contact));
        if (allowed.get(contact)) await ctx.xmpp.send(buildReceipt(request.to, request.id, crypto.randomUUID()));
      }
    },
  };
}
