/// <reference lib="webworker" />
/**
 * Parley's Service Worker handlers, for `dist/parley-sw.js` or a site's own Service Worker
 * (`import { installParleyHandlers } from 'parley/sw'`): a push wakes the account's data up and
 * shows what came; a notification click opens the conversation; "Reload to update" skips waiting.
 */
import { parsePushPayload, type PushPayload } from '../shared/push.js';
import { DB_NAME, openParleyDb, type ParleyDb } from '../storage/db.js';
import { getAccount } from '../storage/read.js';
import { accountLockName } from '../worker/lock.js';
import { notifyConversations, TAG, updateBadge } from './notify.js';
import { wake } from './wake.js';

export interface HandlerOptions {
  /** The page a notification click opens (default: the registration's scope). */
  pageUrl?: string;
  /** How long the login and catch-up may take before "New message" is shown instead. */
  timeoutMs?: number;
}

/** Message a page posts to let a waiting Service Worker take over (workbox-window's messageSkipWaiting). */
const SKIP_WAITING = 'SKIP_WAITING';
/** Message a page gets when a notification for a conversation was clicked. */
export const OPEN_CONVERSATION = 'parley-open';

const log = (message: string, detail?: unknown) => console.warn(`[parley sw] ${message}`, detail ?? '');

export function installParleyHandlers(scope: ServiceWorkerGlobalScope, { pageUrl, timeoutMs = 20_000 }: HandlerOptions = {}): void {
  scope.addEventListener('push', (event) => {
    const payload = parsePushPayload(event.data?.text() ?? '');
    if (!payload) return log('push dropped: not a Parley payload');
    event.waitUntil(onPush(scope.registration, payload, timeoutMs));
  });

  scope.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const conversation = (event.notification.data as { conversation?: unknown } | null)?.conversation;
    event.waitUntil(openConversation(scope, typeof conversation === 'string' ? conversation : '', pageUrl ?? scope.registration.scope));
  });

  scope.addEventListener('message', (event) => {
    if ((event.data as { type?: unknown } | null)?.type === SKIP_WAITING) void scope.skipWaiting();
  });
}

async function onPush(registration: ServiceWorkerRegistration, payload: PushPayload, timeoutMs: number): Promise<void> {
  let db: ParleyDb | undefined;
  try {
    db = await openParleyDb(DB_NAME, { blocking: () => db?.close() });
    const account = await getAccount(db);
    if (account?.jid !== payload.to || !(account.keys || account.fast)) return log('push for an account not logged in here', payload.to);
    // One writer: only with the account's lock. Held means a tab's worker is connected and stores it.
    const changed = await navigator.locks.request(accountLockName(account.jid), { ifAvailable: true }, async (lock) => {
      if (!lock) return null;
      const signal = AbortSignal.timeout(timeoutMs);
      return wake(db!, account, { signal, log });
    });
    const shown = changed ? await notifyConversations(registration, db, changed) : 0;
    await updateBadge(db);
    log(changed ? `push handled: caught up, ${shown} notification(s)` : 'push handled: a tab is connected, badge only');
  } catch (err) {
    log('push handled: catch-up failed, "New message" shown', err);
    await registration.showNotification('New message', { ...(payload.sender ? { body: payload.sender } : {}), tag: `${TAG}new` });
  } finally {
    db?.close();
  }
}

/** Focuses a tab of this app at the conversation, or opens one there. */
async function openConversation(scope: ServiceWorkerGlobalScope, conversation: string, pageUrl: string): Promise<void> {
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = windows.find((w) => new URL(w.url).origin === scope.location.origin);
  if (tab) {
    tab.postMessage({ type: OPEN_CONVERSATION, conversation });
    await tab.focus().catch(() => undefined);
    return;
  }
  const url = new URL(pageUrl);
  if (conversation) url.hash = `parley=${encodeURIComponent(conversation)}`;
  await scope.clients.openWindow(url.href);
}
