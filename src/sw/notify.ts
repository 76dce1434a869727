/** What a push shows: one notification per conversation with the sender's name and text, and the badge. */
import type { ParleyDb } from '../storage/db.js';
import { localPart } from '../shared/names.js';
import { contactNames, getConversation, totalUnread } from '../storage/read.js';

export const TAG = 'parley:';

/**
 * Shows (or replaces) the notification of each conversation the catch-up changed whose newest message
 * is incoming, unless muted. Not by unread count alone: a first sync (an archive that was empty
 * before) stores what it finds as history, not unread, and it is still what the push was for.
 */
export async function notifyConversations(registration: ServiceWorkerRegistration, db: ParleyDb, changed: Iterable<string>): Promise<number> {
  let shown = 0;
  const names = await contactNames(db);
  for (const jid of changed) {
    const c = await getConversation(db, jid);
    if (!c || c.muted || c.last?.direction !== 'in') continue;
    const name = names.get(jid) ?? localPart(jid);
    // Shown as text by the system: nothing in it is markup.
    await registration.showNotification(c.unread > 1 ? `${name} (${c.unread})` : name, {
      body: c.last.body,
      tag: TAG + jid,
      data: { conversation: jid },
    });
    shown++;
  }
  return shown;
}

/** The app badge shows the total unread, as the page does (where the browser has badges). */
export async function updateBadge(db: ParleyDb): Promise<void> {
  const total = await totalUnread(db);
  const nav = navigator as Navigator & { setAppBadge?(n: number): Promise<void>; clearAppBadge?(): Promise<void> };
  await (total ? nav.setAppBadge?.(total) : nav.clearAppBadge?.())?.catch(() => undefined);
}
