/**
 * Push on the page side: permission, the browser's push subscription, and the worker's
 * registration with the gateway. Started from a user gesture only (no permission prompt on load).
 */
import type { Remote } from 'comlink';
import type { ParleyApi } from '../shared/api.js';
import type { WebPushSubscription } from '../shared/push.js';
import type { ParleyDb } from '../storage/db.js';
import { getAccount } from '../storage/read.js';

/** `unsupported`: no Service Worker or Push API here; `denied`: the user blocked notifications. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

/**
 * Gets the browser's subscription for the gateway's VAPID key. The default asks the browser's push
 * service (`PushManager.subscribe`); a page may supply its own where that service is out of reach.
 */
export type Subscribe = (registration: ServiceWorkerRegistration, vapidKey: string) => Promise<WebPushSubscription>;

export interface PushControl {
  state(): Promise<PushState>;
  /** Asks for notification permission, subscribes this browser and enables push via `gateway` (e.g. push.example.org). */
  enable(options: { gateway: string; subscribe?: Subscribe }): Promise<void>;
  /** Disables push on the server and drops the browser's subscription. */
  disable(): Promise<void>;
}

const supported = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager === 'function' && typeof Notification === 'function';

export const pushSubscribe: Subscribe = async (registration, vapidKey) => {
  const current = await registration.pushManager.getSubscription();
  const key = fromBase64Url(vapidKey);
  // A subscription made for another gateway's key cannot carry this one's pushes.
  if (current && !sameKey(current.options.applicationServerKey, key)) await current.unsubscribe();
  const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return sub.toJSON() as WebPushSubscription;
};

export function pushControl(api: Remote<ParleyApi>, db: Promise<ParleyDb>): PushControl {
  return {
    async state() {
      if (!supported()) return 'unsupported';
      if (Notification.permission === 'denied') return 'denied';
      return Notification.permission === 'granted' && (await getAccount(await db))?.push ? 'on' : 'off';
    },
    async enable({ gateway, subscribe = pushSubscribe }) {
      if (!supported()) throw new Error('This browser cannot receive push notifications.');
      if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are blocked for this site.');
      const registration = await navigator.serviceWorker.ready;
      const key = await api.pushKey(gateway);
      await api.pushEnable(gateway, await subscribe(registration, key));
    },
    async disable() {
      await api.pushDisable();
      if (!supported()) return;
      const registration = await navigator.serviceWorker.getRegistration();
      await (await registration?.pushManager.getSubscription())?.unsubscribe();
    },
  };
}

function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}
