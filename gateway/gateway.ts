/**
 * The Web Push gateway: an XMPP component (XEP-0114) acting as the XEP-0357 App Server. Clients ask
 * it for its VAPID key and register their browser's push subscription (NS_PARLEY_PUSH); it answers
 * with a node and a secret (gateway/seal.ts) which the client enables on its own server. The
 * server's publishes are sent on as Web Push (RFC 8030) with an encrypted payload (RFC 8291) and
 * VAPID (RFC 8292), by the `web-push` library.
 */
import { createRequire } from 'node:module';
import { component, type Component } from '@xmpp/component';
import type { Element, XmlFactory } from '@xmpp/xml';
import webpush from 'web-push';
import { NS_PARLEY_PUSH, validSubscription, type PushPayload } from '../src/shared/push.js';
import { Sealer } from './seal.js';

// The component's IQ callee keeps a reply's payload only if it is an instance of the @xmpp/xml its
// own modules load; npm nests a second copy of that version beside it, which the package exports.
const xml = createRequire(createRequire(import.meta.url).resolve('@xmpp/component'))('@xmpp/xml') as XmlFactory;

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_PUSH = 'urn:xmpp:push:0';
const NS_DATA = 'jabber:x:data';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
/** How long a push service keeps a message for a browser that is offline (RFC 8030 TTL). */
const TTL_S = 24 * 3600;
const SEND_TIMEOUT_MS = 10_000;

export interface Vapid {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact for the push service (RFC 8292 `sub`). */
  subject: string;
}

export interface GatewayOptions {
  /** The server's component listener, e.g. xmpp://127.0.0.1:5347. */
  service: string;
  /** The component's address, e.g. push.example.org. */
  domain: string;
  /** The component secret the server was configured with. */
  password: string;
  /** At least 32 random bytes: seals nodes; the same on every instance and across restarts. */
  key: Buffer;
  vapid: Vapid;
  /** Accept `http:` push endpoints (only for a push service on a test machine). */
  allowHttpEndpoints?: boolean;
  log?: (message: string) => void;
  /** Each publish as it arrives (`received`) and what became of it. */
  onEvent?: (event: GatewayEvent) => void;
}

export type Outcome = 'sent' | 'gone' | 'refused' | 'failed';
export type GatewayEvent = { type: 'received'; node: string } | { type: Outcome; jid?: string; reason?: string };

export interface Gateway {
  readonly component: Component;
  /** A round trip to `server` over the component stream: what the gateway sent before it was handled. */
  ping(server: string): Promise<void>;
  stop(): Promise<void>;
}

/** A publish from the server: the node, the secret it carries, and the summary form (XEP-0357 §7). */
export interface Publish {
  node: string;
  secret?: string;
  summary: Record<string, string>;
}

export function parsePublish(pubsub: Element): Publish | null {
  const publish = pubsub.getChild('publish');
  const node = publish?.attrs.node;
  if (!node) return null;
  const fields = (form: Element | undefined) =>
    Object.fromEntries((form?.getChildren('field') ?? []).map((f) => [f.attrs.var ?? '', f.getChildText('value') ?? '']));
  const summary = fields(publish!.getChild('item')?.getChild('notification', NS_PUSH)?.getChild('x', NS_DATA));
  const secret = fields(pubsub.getChild('publish-options')?.getChild('x', NS_DATA)).secret;
  return { node, ...(secret ? { secret } : {}), summary };
}

/** The payload for a summary: what the server chose to tell, never more. */
export function payloadFor(jid: string, summary: Record<string, string>): PushPayload {
  const count = Number(summary['message-count']);
  const sender = summary['last-message-sender'];
  const body = summary['last-message-body'];
  return { to: jid, count: Number.isFinite(count) && count > 0 ? count : 1, ...(sender ? { sender } : {}), ...(body ? { body } : {}) };
}

const stanzaError = (type: 'cancel' | 'auth' | 'wait' | 'modify', condition: string) => xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
const domainOf = (jid: string) => jid.replace(/\/.*$/, '').replace(/^[^@]*@/, '');
const bare = (jid: string) => jid.replace(/\/.*$/, '');

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const sealer = new Sealer(o.key);
  const log = o.log ?? ((m: string) => console.log(`[push gateway] ${m}`));
  const emit = o.onEvent ?? (() => undefined);
  const allowHttp = !!o.allowHttpEndpoints;
  const xmpp = component({ service: o.service, domain: o.domain, password: o.password });
  xmpp.on('error', (err) => log(`component error: ${err.message}`));

  xmpp.iqCallee.get(NS_PARLEY_PUSH, 'vapid', () => xml('vapid', { xmlns: NS_PARLEY_PUSH, key: o.vapid.publicKey }));

  xmpp.iqCallee.set(NS_PARLEY_PUSH, 'register', ({ stanza, element }) => {
    const from = stanza.attrs.from ?? '';
    const subscription = { endpoint: element.attrs.endpoint, keys: { p256dh: element.attrs.p256dh, auth: element.attrs.auth } };
    // A user registers for their own account only: the node names the JID the server vouched for.
    if (!from.includes('@')) return stanzaError('auth', 'forbidden');
    if (!validSubscription(subscription, { allowHttp })) return stanzaError('modify', 'bad-request');
    const { node, secret } = sealer.seal({ jid: bare(from), subscription });
    return xml('register', { xmlns: NS_PARLEY_PUSH, node, secret });
  });

  xmpp.iqCallee.set(NS_PUBSUB, 'pubsub', async ({ stanza, element }) => {
    const publish = parsePublish(element);
    if (!publish) return stanzaError('modify', 'bad-request');
    emit({ type: 'received', node: publish.node });
    const refuse = (reason: string, error: Element) => {
      log(`publish refused, nothing sent: ${reason}`);
      emit({ type: 'refused', reason });
      return error;
    };
    const registration = sealer.open(publish.node, { allowHttp });
    if (!registration) return refuse(`unknown node from ${stanza.attrs.from}`, stanzaError('cancel', 'item-not-found'));
    const { jid, subscription } = registration;
    if (!publish.secret || !sealer.verify(publish.node, publish.secret)) return refuse(`wrong secret for ${jid} from ${stanza.attrs.from}`, stanzaError('auth', 'not-authorized'));
    // Publishes come from the account's own server (its domain), never from another entity.
    if (stanza.attrs.from !== domainOf(jid) && bare(stanza.attrs.from ?? '') !== jid) {
      return refuse(`publish for ${jid} from ${stanza.attrs.from}`, stanzaError('auth', 'forbidden'));
    }
    const payload = JSON.stringify(payloadFor(jid, publish.summary));
    let status: number;
    try {
      const request = webpush.generateRequestDetails(subscription, payload, { vapidDetails: o.vapid, TTL: TTL_S, urgency: 'high', contentEncoding: 'aes128gcm' });
      const res = await fetch(request.endpoint, { method: request.method, headers: request.headers, body: new Uint8Array(request.body as Buffer), signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
      status = res.status;
    } catch (err) {
      log(`push service unreachable for ${jid}: ${(err as Error).message}`);
      emit({ type: 'failed', jid, reason: (err as Error).message });
      return stanzaError('wait', 'remote-server-timeout');
    }
    if (status === 404 || status === 410) {
      // The browser dropped the subscription: the server removes the registration on this error.
      log(`subscription of ${jid} is gone (${status}): registration dropped`);
      emit({ type: 'gone', jid, reason: String(status) });
      return stanzaError('cancel', 'item-not-found');
    }
    if (status < 200 || status >= 300) {
      log(`push service answered ${status} for ${jid}`);
      emit({ type: 'failed', jid, reason: String(status) });
      return stanzaError('wait', 'resource-constraint');
    }
    emit({ type: 'sent', jid });
    return true;
  });

  await xmpp.start();
  log(`online as ${o.domain}`);
  return {
    component: xmpp,
    async ping(server) {
      await xmpp.iqCaller.request(xml('iq', { type: 'get', to: server }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    },
    async stop() {
      xmpp.reconnect.stop();
      await xmpp.stop().catch(() => undefined);
    },
  };
}
