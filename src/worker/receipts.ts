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
import { NS_CARBONS } from './carbons.js';
import { MAX_ID } from './limits.js';
import { chatRecord, NS_RECEIPTS, parseChatMessage } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';

export { NS_RECEIPTS };

const NS_MAM = 'urn:xmpp:mam:2';

/** A request we should answer: who asked (full JID), for which message id, and that message as stored. */
export interface ReceiptRequest {
  to: string;
  id: string;
  /** The message it confirms, to check that it (not just one with the same id) was stored. */
  message: MessageRecord;
}

/**
 * A one-to-one message with a body and an id that asks for a receipt, from someone other than
 * ourselves; null otherwise. Copies of messages (carbons, archive results) are never answered:
 * they come from our own account, and the device that got the original answers for it.
 */
export function parseReceiptRequest(el: Element, ownJid: string): ReceiptRequest | null {
  if (el.name !== 'message' || !el.getChild('request', NS_RECEIPTS)) return null;
  if (el.getChild('received', NS_CARBONS) || el.getChild('sent', NS_CARBONS) || el.getChild('result', NS_MAM)) return null;
  let parsed;
  try {
    parsed = parseChatMessage(el, ownJid); // chat or normal, with a sender and a body, no error or groupchat
  } catch {
    return null; // dropped as too large: not stored, so not confirmed
  }
  if (!parsed?.id || bareJid(parsed.from) === ownJid) return null;
  return { to: parsed.from, id: parsed.id, message: chatRecord(parsed, bareJid(parsed.from), 'in') };
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

/** An incoming <received/>; null for anything else (errors echo our payloads back, so not those). */
export function parseReceipt(el: Element, ownJid: string): Receipt | null {
  if (el.name !== 'message') return null;
  const type = el.attrs.type ?? 'normal';
  if (type === 'error' || type === 'groupchat') return null;
  const received = el.getChild('received', NS_RECEIPTS);
  const id = received?.attrs.id;
  const from = el.attrs.from;
  if (!id || id.length > MAX_ID || !from || bareJid(from) === ownJid) return null;
  return { from, id, conversation: bareJid(from) };
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
    stanza(el) {
      return this.stanzas!([el]);
    },

    // Runs after the message plugin has handled the same stanzas (hooks run in registration order).
    async stanzas(batch) {
      const requests: ReceiptRequest[] = [];
      for (const el of batch) {
        const receipt = parseReceipt(el, ctx.jid);
        // One that matches no message of ours changes nothing.
        if (receipt) ctx.commit(await markDelivered(ctx.db, receipt.conversation, receipt.id));
        const request = parseReceiptRequest(el, ctx.jid);
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
