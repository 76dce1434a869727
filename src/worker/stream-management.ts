/** XEP-0198 stream management, as xmpp.js does it, with the repairs Parley needs. */
import type { XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

const NS_SM = 'urn:xmpp:sm:3';

/**
 * xmpp.js 0.14 zeroes its inbound counter a microtask after <enabled/>, by which time stanzas that
 * came in the same read have been counted; its next ack is then too low and the server closes the
 * stream ("acknowledged less stanzas than already acknowledged"). Zero it when <enabled/> is parsed
 * instead, and ignore that late reset.
 */
export function fixInboundCount(xmpp: XmppClient): void {
  const sm = xmpp.streamManagement;
  let inbound = sm.inbound;
  let ignoreReset = false;
  Object.defineProperty(sm, 'inbound', {
    get: () => inbound,
    set: (value: number) => {
      if (value === 0 && ignoreReset) return;
      inbound = value;
    },
  });
  xmpp.on('nonza', (el: Element) => {
    if (!el.is('enabled', NS_SM)) return;
    inbound = 0;
    ignoreReset = true;
    // xmpp.js resets from a promise continuation, which runs before any timer.
    setTimeout(() => (ignoreReset = false));
  });
}

/**
 * Resolves once a pending <enable/> is answered (or after 5 s, or at once if none). Stanzas sent
 * before the server enables are counted by us but not by it, which ends the stream as well.
 */
export function smSettled(xmpp: XmppClient): Promise<void> {
  const sm = xmpp.streamManagement;
  if (!sm.enableSent || sm.enabled) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      xmpp.removeListener('nonza', onNonza);
      resolve();
    };
    const onNonza = (el: Element) => {
      if (el.is('enabled', NS_SM) || el.is('failed', NS_SM)) setTimeout(done); // after xmpp.js handled it
    };
    const timer = setTimeout(done, 5000);
    xmpp.on('nonza', onNonza);
  });
}
