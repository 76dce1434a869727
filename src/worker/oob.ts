/**
 * Out of Band Data (XEP-0066) on messages: a file shared by its URL (an upload, XEP-0363) is sent as
 * the body with `<x xmlns='jabber:x:oob'>` naming the same URL, so other clients show the file too.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { isWebUrl } from '../shared/attachment.js';

export const NS_OOB = 'jabber:x:oob';

export const buildOob = (url: string): Element => xml('x', { xmlns: NS_OOB }, xml('url', {}, url));

/** The URL a message shares: only when its `<x/>` names exactly the body (else the body says something else) and it is http(s). */
export function parseOob(message: Element, body: string): string | null {
  const url = message.getChild('x', NS_OOB)?.getChildText('url')?.trim();
  return url && url === body.trim() && isWebUrl(url) ? url : null;
}
