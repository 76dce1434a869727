/**
 * What the push pieces agree on: the Web Push gateway's registration protocol (an IQ namespace of
 * Parley's own, beside XEP-0357), and the payload it sends through the push service. Used by the
 * gateway (Node), the worker and the Service Worker.
 */
import { MAX_PUSH_ENDPOINT, MAX_PUSH_FIELD } from './limits.js';

/** IQs to the gateway component: `<vapid/>` (get, answered with its `key`) and `<register endpoint p256dh auth/>` (set, answered with `node` and `secret`). */
export const NS_PARLEY_PUSH = 'urn:parley:push:0';

/** The browser's subscription as `PushSubscription.toJSON()` gives it. */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * The decrypted push message. Privacy first: the server's XEP-0357 summary, which by default
 * carries no message text, and the account it is for.
 */
export interface PushPayload {
  /** The account's bare JID. */
  to: string;
  count: number;
  sender?: string;
  body?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= MAX_PUSH_FIELD ? v : undefined);

/** The payload from the push message's text, or null if it is not one of ours. */
export function parsePushPayload(data: string): PushPayload | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const to = text(r.to);
  if (!to || !to.includes('@')) return null;
  const count = typeof r.count === 'number' && Number.isFinite(r.count) && r.count >= 0 ? r.count : 1;
  const sender = text(r.sender);
  const body = text(r.body);
  return { to, count, ...(sender ? { sender } : {}), ...(body ? { body } : {}) };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** A subscription fit to send to: https endpoint (or `http:` when allowed), keys of the right shape. */
export function validSubscription(s: unknown, { allowHttp = false } = {}): s is WebPushSubscription {
  if (typeof s !== 'object' || s === null) return false;
  const { endpoint, keys } = s as Partial<WebPushSubscription>;
  if (typeof endpoint !== 'string' || endpoint.length > MAX_PUSH_ENDPOINT) return false;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return false;
  if (typeof keys !== 'object' || keys === null) return false;
  // p256dh: an uncompressed P-256 point (65 bytes, 87 chars); auth: 16 bytes (22 chars).
  return typeof keys.p256dh === 'string' && B64URL.test(keys.p256dh) && keys.p256dh.length === 87
    && typeof keys.auth === 'string' && B64URL.test(keys.auth) && keys.auth.length === 22;
}
