/**
 * Push wakeups (XEP-0357) through Parley's Web Push gateway: the gateway's VAPID key, registering
 * the browser's subscription with it (NS_PARLEY_PUSH), and enabling or disabling the node it gives
 * on our own server, with the secret as a publish option. The stored account remembers it.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { NS_PARLEY_PUSH, validSubscription, type WebPushSubscription } from '../shared/push.js';
import type { PushRecord } from '../shared/records.js';
import { getAccount } from '../storage/read.js';
import { saveAccount } from '../storage/write.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_PUSH = 'urn:xmpp:push:0';
const NS_DATA = 'jabber:x:data';
const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

/** A gateway is a component: a domain, no user part. */
export function gatewayAddress(jid: string): string {
  const domain = String(jid).trim().toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$|^localhost$/.test(domain)) throw new Error(`"${jid}" is not a push gateway address (push.example.org).`);
  return domain;
}

export const buildVapidQuery = (): Element => xml('vapid', { xmlns: NS_PARLEY_PUSH });

/** The gateway's VAPID public key (base64url) from its answer, or null. */
export function parseVapid(el: Element | undefined): string | null {
  const key = el?.is('vapid', NS_PARLEY_PUSH) ? el.attrs.key : undefined;
  return key && /^[A-Za-z0-9_-]{80,100}$/.test(key) ? key : null;
}

export const buildRegister = (s: WebPushSubscription): Element =>
  xml('register', { xmlns: NS_PARLEY_PUSH, endpoint: s.endpoint, p256dh: s.keys.p256dh, auth: s.keys.auth });

export function parseRegistered(el: Element | undefined): { node: string; secret: string } | null {
  const { node, secret } = el?.is('register', NS_PARLEY_PUSH) ? el.attrs : {};
  return node && secret ? { node, secret } : null;
}

export function buildEnable(gateway: string, node: string, secret: string): Element {
  return xml(
    'enable',
    { xmlns: NS_PUSH, jid: gateway, node },
    xml(
      'x',
      { xmlns: NS_DATA, type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, PUBLISH_OPTIONS)),
      xml('field', { var: 'secret' }, xml('value', {}, secret)),
    ),
  );
}

export const buildDisable = (gateway: string, node: string): Element => xml('disable', { xmlns: NS_PUSH, jid: gateway, node });

export interface PushPlugin extends Plugin {
  /** The gateway's VAPID key, for `PushManager.subscribe`. */
  key(gateway: string): Promise<string>;
  /** Registers the subscription with the gateway and enables its node on our server. */
  enable(gateway: string, subscription: WebPushSubscription): Promise<void>;
  /** Disables the node on our server (if one is enabled) and forgets it. */
  disable(): Promise<void>;
}

export function push(ctx: PluginContext): PushPlugin {
  const remember = async (record: PushRecord | undefined) => {
    const account = await getAccount(ctx.db);
    if (!account) return;
    const { push: _old, ...rest } = account;
    ctx.commit(await saveAccount(ctx.db, record ? { ...rest, push: record } : rest));
  };
  const disable = async () => {
    const current = (await getAccount(ctx.db))?.push;
    if (!current) return;
    await ctx.xmpp.iqCaller.set(buildDisable(current.gateway, current.node));
    await remember(undefined);
  };
  return {
    async key(gateway) {
      const key = parseVapid(await ctx.xmpp.iqCaller.get(buildVapidQuery(), gateway));
      if (!key) throw new Error(`${gateway} did not give a push key.`);
      return key;
    },
    async enable(gateway, subscription) {
      // Its shape only: which endpoints it sends to is the gateway's policy.
      if (!validSubscription(subscription, { allowHttp: true })) throw new Error('Not a push subscription the gateway can use.');
      const registered = parseRegistered(await ctx.xmpp.iqCaller.set(buildRegister(subscription), gateway));
      if (!registered) throw new Error(`${gateway} did not register this browser for push.`);
      // One node per browser: the one this browser had before goes first.
      await disable().catch((err) => ctx.log('previous push node not disabled', err));
      await ctx.xmpp.iqCaller.set(buildEnable(gateway, registered.node, registered.secret));
      await remember({ gateway, node: registered.node, endpoint: subscription.endpoint });
    },
    disable,
  };
}

export const feature = {
  api: (ctx) => ({
    pushKey: (gateway) => ctx.online().push.key(gatewayAddress(gateway)),
    pushEnable: (gateway, subscription) => ctx.online().push.enable(gatewayAddress(gateway), subscription),
    pushDisable: () => ctx.online().push.disable(),
  }),
} satisfies Feature<Pick<ParleyApi, 'pushKey' | 'pushEnable' | 'pushDisable'>>;
