/**
 * What SASL2 (XEP-0388) changes for stream management: a resumption or an enable can come inline in
 * <success/>, and xmpp.js handles them there without the <resumed/>/<enabled/> nonzas Parley's
 * stream-management code listens for.
 */
import type { XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

const NS_SASL2 = 'urn:xmpp:sasl:2';
const NS_BIND2 = 'urn:xmpp:bind:0';
const NS_SM = 'urn:xmpp:sm:3';
const NS_STREAMS = 'http://etherx.jabber.org/streams';

/** The stream-management elements a SASL2 success carries inline: <resumed/>, or <enabled/>/<failed/> in <bound/>. */
export function inlineSmOf(success: Element): Element[] {
  if (!success.is('success', NS_SASL2)) return [];
  const bound = success.getChild('bound', NS_BIND2);
  return [...success.getChildren('resumed', NS_SM), ...success.getChildren('failed', NS_SM), ...(bound?.getChildElements().filter((el) => el.getNS() === NS_SM) ?? [])];
}

/**
 * Sees every element before xmpp.js's middleware:
 * - repeats inline SM answers as nonzas (after xmpp.js took the success), so that counting and
 *   persistence treat them as the top-level ones;
 * - drops <sm/> from the features that follow a login that already resumed or enabled inline:
 *   ejabberd 24.12 still lists it, and xmpp.js would then resume or enable again, fail, and drop its
 *   stream state while the server keeps it.
 */
export function inlineSm(xmpp: XmppClient): void {
  let inlineDone = false;
  xmpp.on('status', (status: string) => {
    if (status === 'connecting') inlineDone = false;
  });
  const onElement = xmpp._onElement.bind(xmpp);
  xmpp._onElement = (el: Element) => {
    if (inlineDone && el.is('features', NS_STREAMS)) el.children = el.children.filter((c) => typeof c === 'string' || !c.is('sm', NS_SM));
    onElement(el);
    // Read after xmpp.js's listeners: a success refused as unproven (auth.ts) has been emptied by then.
    const inline = inlineSmOf(el);
    if (inline.some((c) => c.name !== 'failed')) inlineDone = true;
    for (const child of inline) xmpp.emit('nonza', child);
  };
}
