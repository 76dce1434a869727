/**
 * What a hostile account sends a logged-in Parley (test/e2e/hostile-corpus.test.ts), counted by kind
 * so the totals can be reported. Every forged item carries FORGED in whatever text it holds: none of
 * it may reach storage. Payloads that would run script try to set `window.__pwned`.
 */
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Peer } from './peer.js';

/** In every forged text: found anywhere in storage, something forged was stored. */
export const FORGED = 'FORGED';

/** Markup and URLs that run script if they reach an HTML sink, a link or an attribute. */
export const XSS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3">',
  "'><iframe srcdoc=\"<script>parent.__pwned=4</script>\">",
  '<a href="javascript:window.__pwned=5">click</a>',
  '{{constructor.constructor("window.__pwned=6")()}}',
  '${window.__pwned=7}',
];

/** Links that must never become clickable: only http(s) and xmpp do. */
export const BAD_LINKS = [
  'javascript:window.__pwned=8',
  'JaVaScRiPt:window.__pwned=9',
  'java\tscript:window.__pwned=10',
  'data:text/html,<script>window.__pwned=11</script>',
  'data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xMjwvc2NyaXB0Pg==',
  'vbscript:msgbox(13)',
  'https://example.org/" onmouseover="window.__pwned=14',
];

/** Bidi overrides, isolates and zero-width characters, as a name would carry them to pass as another. */
export const TRICKY_NAMES = ['\u202Eboj\u202C', 'bo\u200Bb', '\u2067bob\u2069', 'b\u200Do\u200Cb\uFEFF', '\u061C\u200Ealice'];

export class Corpus {
  readonly counts = new Map<string, number>();

  constructor(private readonly peer: Peer) {}

  /** Sends one input of this kind. */
  async send(kind: string, stanza: Element): Promise<void> {
    this.count(kind);
    await this.peer.xmpp.send(stanza);
  }

  /** Counts one input sent another way (an IQ awaited, a publish to the gateway). */
  count(kind: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }

  /** Sends XML text as one stanza, for what @xmpp/xml cannot serialise (its toString recurses). */
  async raw(kind: string, name: string, text: string): Promise<void> {
    // Stream management queues the element; the socket gets its text.
    await this.send(kind, Object.assign(xml(name), { toString: () => text }));
  }

  table(): string {
    const rows = [...this.counts].map(([kind, n]) => `${String(n).padStart(6)}  ${kind}`);
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return `${rows.join('\n')}\n${String(total).padStart(6)}  in all`;
  }
}

export const NS = {
  carbons: 'urn:xmpp:carbons:2',
  forward: 'urn:xmpp:forward:0',
  mam: 'urn:xmpp:mam:2',
  sid: 'urn:xmpp:sid:0',
  correct: 'urn:xmpp:message-correct:0',
  retract: 'urn:xmpp:message-retract:1',
  reactions: 'urn:xmpp:reactions:0',
  moderate: 'urn:xmpp:message-moderate:1',
  reply: 'urn:xmpp:reply:0',
  muc: 'http://jabber.org/protocol/muc',
  mucUser: 'http://jabber.org/protocol/muc#user',
  roster: 'jabber:iq:roster',
  oob: 'jabber:x:oob',
  nick: 'http://jabber.org/protocol/nick',
  chatstates: 'http://jabber.org/protocol/chatstates',
  receipts: 'urn:xmpp:receipts',
  markers: 'urn:xmpp:chat-markers:0',
  pubsub: 'http://jabber.org/protocol/pubsub',
  pubsubEvent: 'http://jabber.org/protocol/pubsub#event',
  conference: 'jabber:x:conference',
  blocking: 'urn:xmpp:blocking',
};

/** A chat message. */
export const chat = (to: string, body: string, id: string = crypto.randomUUID(), ...children: Element[]) =>
  xml('message', { to, type: 'chat', id }, xml('body', {}, body), ...children);

/** `message` forwarded (XEP-0297), stamped. */
export const forwarded = (message: Element) =>
  xml('forwarded', { xmlns: NS.forward }, xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2020-01-01T00:00:00Z' }), message);

/** A carbon (XEP-0280) of `message` (from `from`), made by whoever sends it. */
export const carbon = (to: string, kind: 'sent' | 'received', message: Element, from?: string) =>
  xml('message', { to, type: 'chat', id: crypto.randomUUID() }, xml(kind, { xmlns: NS.carbons }, forwarded(from ? Object.assign(message, { attrs: { ...message.attrs, from } }) : message)));

/** An archive result (XEP-0313) holding `message`, made by whoever sends it. */
export const mamResult = (to: string, queryid: string | undefined, id: string, message: Element) =>
  xml('message', { to, id: crypto.randomUUID() }, xml('result', { xmlns: NS.mam, ...(queryid ? { queryid } : {}), id }, forwarded(message)));

/** `depth` nested elements of an unknown namespace around a body, as XML text (too deep for @xmpp/xml's serialiser). */
export const deeplyNested = (to: string, depth: number, body: string) =>
  `<message to='${to}' type='chat' id='deep-${depth}'><body>${body}</body><x xmlns='urn:example:deep'>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</x></message>`;
