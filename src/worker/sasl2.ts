/**
 * After a SASL2 (XEP-0388) login that resumed or enabled stream management inline, ejabberd 24.12
 * still lists <sm/> in the features that follow; xmpp.js would then resume or enable again, fail,
 * and drop its stream state while the server keeps it. Drop that <sm/> before xmpp.js sees it.
 */
import type { XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { smAnswers } from './stream-management.js';

const NS_SASL2 = 'urn:xmpp:sasl:2';
const NS_SM = 'urn:xmpp:sm:3';
const NS_STREAMS = 'http://etherx.jabber.org/streams';

export function noSmAfterInline(xmpp: XmppClient): void {
  let inlineDone = false;
  xmpp.on('status', (status: string) => {
    if (status === 'connecting') inlineDone = false;
  });
  // Wraps the parser's callback: it runs before any listener or middleware sees the element.
  const onElement = xmpp._onElement.bind(xmpp);
  xmpp._onElement = (el: Element) => {
    if (el.is('success', NS_SASL2) && smAnswers(el).some((a) => a.name !== 'failed')) inlineDone = true;
    if (inlineDone && el.is('features', NS_STREAMS)) el.children = el.children.filter((c) => typeof c === 'string' || !c.is('sm', NS_SM));
    onElement(el);
  };
}
