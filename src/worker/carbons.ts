/**
 * Message Carbons (XEP-0280) carried in Forwarding (XEP-0297): copies of what our other devices send
 * and receive, so every conversation shows the whole exchange.
 *
 * Security (XEP-0280 §11, the CVE-2017-5589 family): a carbon is only believed when the outer `from`
 * is exactly our own bare JID, i.e. our server made it. Anyone else can wrap any message in
 * <sent/> and claim we wrote it.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { Direction } from '../shared/records.js';
import { storeMessages } from '../storage/write.js';
import { arrivalOf } from './clock.js';
import { chatRecord, parseChatMessage, type ChatMessage } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_CARBONS = 'urn:xmpp:carbons:2';
export const NS_FORWARD = 'urn:xmpp:forward:0';

export function buildEnable(): Element {
  return xml('enable', { xmlns: NS_CARBONS });
}

/** A carbon copy worth storing: a message with a body, as seen from our side. */
export interface Carbon {
  /** 'in': someone wrote to one of our devices; 'out': one of our devices wrote to someone. */
  direction: Direction;
  /** The other party's bare JID. */
  conversation: string;
  message: ChatMessage;
}

/** A message that claims to be a carbon but must not be believed or is unusable; the reason is logged. */
export class CarbonError extends Error {
  override name = 'CarbonError';
}

/** True when a message carries a carbon wrapper (<received/> or <sent/> in the carbons namespace). */
export function isCarbon(el: Element): boolean {
  return el.name === 'message' && wrapperOf(el) !== undefined;
}

function wrapperOf(el: Element): Element | undefined {
  return el.getChild('received', NS_CARBONS) ?? el.getChild('sent', NS_CARBONS);
}

/** Exactly our bare JID: no resource (a full JID of ours is a device, not the server), case-folded. */
function isOwnAccount(from: string | undefined, ownJid: string): boolean {
  return !!from && !from.includes('/') && bareJid(from) === ownJid;
}

/**
 * Parses a carbon. Null when the stanza is no carbon, or is a carbon of nothing we store (no body,
 * chat states, a copy of a message between two of our own devices). Throws CarbonError for a forged
 * or malformed carbon, and RangeError (from parseChatMessage) for an oversized body.
 */
export function parseCarbon(el: Element, ownJid: string): Carbon | null {
  if (el.name !== 'message') return null;
  const wrappers = [...el.getChildren('received', NS_CARBONS), ...el.getChildren('sent', NS_CARBONS)];
  if (wrappers.length === 0) return null;
  if (!isOwnAccount(el.attrs.from, ownJid)) {
    throw new CarbonError(`carbon from ${el.attrs.from ?? 'nobody'} ignored: only our own account sends carbons`);
  }
  if (wrappers.length > 1) throw new CarbonError('carbon with more than one copy ignored');
  const wrapper = wrappers[0]!;
  const forwarded = wrapper.getChildren('forwarded', NS_FORWARD);
  if (forwarded.length !== 1) throw new CarbonError(`carbon with ${forwarded.length} forwarded elements ignored`);
  const inner = forwarded[0]!.getChildren('message');
  if (inner.length !== 1) throw new CarbonError(`carbon with ${inner.length} forwarded messages ignored`);
  const message = inner[0]!;
  // Only a server wraps carbons, and never a carbon in another: nothing legitimate nests them.
  if (wrapperOf(message) || message.getChild('forwarded', NS_FORWARD)) throw new CarbonError('nested carbon ignored');

  const parsed = parseChatMessage(message, ownJid);
  if (!parsed) return null;
  const { from, to } = message.attrs;
  if (!to) throw new CarbonError('carbon of a message without a recipient ignored');
  if (wrapper.name === 'sent') {
    // Our device sent it: it is from us, to them.
    if (bareJid(from!) !== ownJid) throw new CarbonError(`sent carbon of a message from ${from} ignored`);
    const conversation = bareJid(to);
    return conversation === ownJid ? null : { direction: 'out', conversation, message: parsed };
  }
  // One of our devices received it: it is to us, from them.
  if (bareJid(to) !== ownJid) throw new CarbonError(`received carbon of a message to ${to} ignored`);
  const conversation = bareJid(from!);
  return conversation === ownJid ? null : { direction: 'in', conversation, message: parsed };
}

export function carbons(ctx: PluginContext): Plugin {
  // Bind2 (XEP-0386) enables carbons in the login itself where the server offers it.
  let inline = false;
  ctx.xmpp.bind2.use(NS_CARBONS, buildEnable, (el) => (inline = el.is('enabled', NS_CARBONS)));
  return {
    async online() {
      const enabled = inline;
      inline = false;
      if (enabled) return;
      // The server forgets this with the session; a resumed stream keeps it.
      try {
        await ctx.xmpp.iqCaller.set(buildEnable());
      } catch (err) {
        ctx.log('carbons not enabled: messages from other devices will not show here', err);
      }
    },

    async stanza(el) {
      let carbon: Carbon | null;
      try {
        carbon = parseCarbon(el, ctx.jid);
      } catch (err) {
        return ctx.log('carbon dropped', err);
      }
      if (!carbon) return;
      // Same key as the live copy (origin-id, else id), so a message seen both ways is stored once.
      ctx.commit(
        await storeMessages(ctx.db, [chatRecord(carbon.message, carbon.conversation, carbon.direction, arrivalOf(el))], {
          coarse: carbon.message.delayed !== undefined,
        }),
      );
    },
  };
}
