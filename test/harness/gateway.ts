/** The push gateway (gateway/) beside a test server, and a Node client registering with it as the worker does. */
import { randomBytes } from 'node:crypto';
import { xml } from '@xmpp/client';
import { startGateway, type Gateway, type GatewayEvent } from '../../gateway/gateway.js';
import { newKeys, type GatewayKeys } from '../../gateway/keys.js';
import type { WebPushSubscription } from '../../src/shared/push.js';
import { buildEnable, buildRegister, buildVapidQuery, parseRegistered, parseVapid } from '../../src/worker/push.js';
import type { ServerOptions, XmppServer } from '../../scripts/lib/server.js';
import type { Peer } from './peer.js';

export const PUSH_DOMAIN = 'push.localhost';

/** For `setup(..., { push })`: the component the gateway connects as. */
export const pushComponent = (): NonNullable<ServerOptions['push']> => ({ domain: PUSH_DOMAIN, secret: randomBytes(12).toString('hex') });

export interface RunningGateway extends Gateway {
  keys: GatewayKeys;
  /** Each with when it happened (ms since the epoch). */
  events: (GatewayEvent & { at: number })[];
}

export async function runGateway(server: XmppServer, secret: string, keys: GatewayKeys = newKeys()): Promise<RunningGateway> {
  const events: RunningGateway['events'] = [];
  const gateway = await startGateway({
    service: `xmpp://127.0.0.1:${server.componentPort}`,
    domain: PUSH_DOMAIN,
    password: secret,
    key: Buffer.from(keys.key, 'base64url'),
    vapid: { publicKey: keys.vapidPublicKey, privateKey: keys.vapidPrivateKey, subject: 'mailto:admin@localhost' },
    allowHttpEndpoints: true,
    log: (m) => process.env.PARLEY_DEBUG && console.log(`[gateway] ${m}`),
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
  });
  return Object.assign(gateway, { keys, events });
}

/** What the worker's push plugin does, from a Node client: key, register, enable. Returns node and secret. */
export async function enablePush(peer: Peer, subscription: WebPushSubscription): Promise<{ key: string; node: string; secret: string }> {
  const key = parseVapid(await peer.xmpp.iqCaller.get(buildVapidQuery(), PUSH_DOMAIN));
  const registered = parseRegistered(await peer.xmpp.iqCaller.set(buildRegister(subscription), PUSH_DOMAIN));
  if (!key || !registered) throw new Error('the gateway did not answer as expected');
  await peer.xmpp.iqCaller.set(buildEnable(PUSH_DOMAIN, registered.node, registered.secret));
  return { key, ...registered };
}

/** A publish as a server sends it (XEP-0357 §7), here forged by whoever sends it. */
export function publishIq(node: string, secret: string) {
  return xml(
    'iq',
    { type: 'set', to: PUSH_DOMAIN, id: randomBytes(6).toString('hex') },
    xml(
      'pubsub',
      { xmlns: 'http://jabber.org/protocol/pubsub' },
      xml('publish', { node }, xml('item', {}, xml('notification', { xmlns: 'urn:xmpp:push:0' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'message-count' }, xml('value', {}, '1')))))),
      xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/pubsub#publish-options')),
        xml('field', { var: 'secret' }, xml('value', {}, secret)))),
    ),
  );
}
