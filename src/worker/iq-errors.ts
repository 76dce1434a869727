/**
 * Error replies to IQs (RFC 6120 §8.3.1) without the request's payload. xmpp.js copies the request
 * into its error reply, which RFC 6120 allows but nothing needs: a stranger who knows our full JID
 * could send a request just under the server's stanza-size limit, and our larger echo would make the
 * server end our own stream, every time they sent one.
 */
import type { XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

/** The reply as it goes out: only its <error/> child is kept. */
export function bareErrorReply(stanza: Element): void {
  if (stanza.name !== 'iq' || stanza.attrs.type !== 'error') return;
  stanza.children = stanza.getChildren('error');
}

/** xmpp.js's outgoing middleware runs after the socket write, so this wraps send() itself. */
export function bareErrorReplies(xmpp: XmppClient): void {
  const send = xmpp.send.bind(xmpp);
  xmpp.send = (stanza: Element) => {
    bareErrorReply(stanza);
    return send(stanza);
  };
}
