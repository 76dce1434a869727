import { unwrap, wrap } from 'idb';
import type { ParleyDb } from './db.js';
import { shownFrom } from './archive.js';
import { displayName } from '../shared/names.js';
export { listLastSeen } from './last-seen.js';
export { listBlocked } from './blocklist.js';
export { listInvitations } from './invitations.js';
export { listBookmarks } from './bookmarks.js';
import type {
  AccountRecord, ConversationRecord, MessageRecord, OccupantRecord, PresenceRecord, RoomRecord, RosterItem, SubscriptionRequest,
} from '../shared/records.js';

export interface Contact extends RosterItem {
  /** Their own nickname (XEP-0172), shown where the user gave no name. */
  nick?: string;
}

const SHOW_RANK: Record<string, number> = { chat: 0, '': 1, away: 2, dnd: 3, xa: 4 };
const mostAvailable = (a: PresenceRecord, b: PresenceRecord) => (SHOW_RANK[a.show ?? ''] ?? 1) - (SHOW_RANK[b.show ?? ''] ?? 1) || b.priority - a.priority;

export function getAccount(db: ParleyDb): Promise<AccountRecord | undefined> {
  return db.get('account', 'current');
}

/** The roster by name, each contact with their own nickname. Presence apart: it changes far more often. */
export async function listContacts(db: ParleyDb): Promise<Contact[]> {
  const tx = db.transaction(['roster', 'nicks']);
  const [items, nicks] = await Promise.all([tx.objectStore('roster').getAll(), tx.objectStore('nicks').getAll()]);
  const nickOf = new Map(nicks.map((n) => [n.jid, n.nick]));
  return items
    .map((item) => (nickOf.has(item.jid) ? { ...item, nick: nickOf.get(item.jid) } : item))
    .sort((a, b) => displayName(a.jid, a).localeCompare(displayName(b.jid, b)));
}

/** Every contact's available resources, most available first: as many records as resources online. */
export async function listPresence(db: ParleyDb): Promise<Map<string, PresenceRecord[]>> {
  const byJid = new Map<string, PresenceRecord[]>();
  for (const p of await db.getAll('presence')) byJid.set(p.jid, [...(byJid.get(p.jid) ?? []), p]);
  for (const resources of byJid.values()) resources.sort(mostAvailable);
  return byJid;
}

/** `jid`'s available resources, most available first. */
export async function presenceOf(db: ParleyDb, jid: string): Promise<PresenceRecord[]> {
  return (await db.getAllFromIndex('presence', 'byJid', jid)).sort(mostAvailable);
}

/** Subscription requests, each with the nickname it came with (XEP-0172 §4.1) or one published. */
export async function listRequests(db: ParleyDb): Promise<(SubscriptionRequest & { nick?: string })[]> {
  const tx = db.transaction(['requests', 'nicks']);
  const [requests, nicks] = await Promise.all([tx.objectStore('requests').getAll(), tx.objectStore('nicks').getAll()]);
  const nickOf = new Map(nicks.map((n) => [n.jid, n.nick]));
  return requests.map((r) => (nickOf.has(r.jid) ? { ...r, nick: nickOf.get(r.jid) } : r));
}

/** Conversations, most recent activity first. */
export async function listConversations(db: ParleyDb): Promise<ConversationRecord[]> {
  return (await db.getAllFromIndex('conversations', 'byLastTs')).reverse();
}

export function getConversation(db: ParleyDb, jid: string): Promise<ConversationRecord | undefined> {
  return db.get('conversations', jid);
}

/** Unread messages per conversation. */
export async function unreadCounts(db: ParleyDb): Promise<Map<string, number>> {
  return new Map((await db.getAll('conversations')).map((c) => [c.jid, c.unread]));
}

/** Unread messages in all conversations. */
export async function totalUnread(db: ParleyDb): Promise<number> {
  return (await db.getAll('conversations')).reduce((n, c) => n + c.unread, 0);
}

/** Contacts' names by bare JID: the one the user gave, else their own nickname; `displayName` covers the rest. */
export async function contactNames(db: ParleyDb): Promise<Map<string, string>> {
  const tx = db.transaction(['roster', 'nicks']);
  const [roster, nicks] = await Promise.all([tx.objectStore('roster').getAll(), tx.objectStore('nicks').getAll()]);
  return new Map([
    ...nicks.map((n) => [n.jid, n.nick] as const),
    ...roster.flatMap((c) => (c.name ? [[c.jid, c.name] as const] : [])),
  ]);
}

/**
 * The newest `limit` messages of a conversation older than `before`, oldest first. Never across a
 * hole in what is stored (src/storage/archive.ts): fewer come back, and paging back fills it.
 */
export async function listMessages(
  db: ParleyDb,
  conversation: string,
  { limit = 100, before = Infinity }: { limit?: number; before?: number } = {},
): Promise<MessageRecord[]> {
  const index = db.transaction('messages').store.index('byConversation');
  const upper: [string, number] = [conversation, before];
  const newest = unwrap(index) as NewestIndex;
  if (newest.getAllRecords) {
    // One request for the window, beside the hole check, not four one after another.
    const request = newest.getAllRecords({ query: IDBKeyRange.bound([conversation, -Infinity], upper, false, true), count: limit, direction: 'prev' });
    const [from, records] = await Promise.all([shownFrom(db, conversation), wrap(request)]);
    return records.map((r) => r.value).filter((m) => m.ts >= from).reverse();
  }
  const floor: [string, number] = [conversation, await shownFrom(db, conversation)];
  if (indexedDB.cmp(floor, upper) >= 0) return [];
  // Two requests, not one per message: hop to the limit-th newest key, then read forward from it.
  let cursor = await index.openKeyCursor(IDBKeyRange.bound(floor, upper, false, true), 'prev');
  if (!cursor) return [];
  if (limit > 1) cursor = await cursor.advance(limit - 1);
  const lower = cursor ? (cursor.key as [string, number]) : floor;
  const messages = await index.getAll(IDBKeyRange.bound(lower, upper, false, true));
  return messages.slice(-limit);
}

/** IndexedDB's getAllRecords (Chromium 141 on): the last records of a range in one request. */
type NewestIndex = IDBIndex & {
  getAllRecords?(options: { query: IDBKeyRange; count: number; direction: 'prev' }): IDBRequest<{ value: MessageRecord }[]>;
};

/** Messages of a conversation whose text contains `text` (any case), newest first. */
export async function searchMessages(db: ParleyDb, conversation: string, text: string, limit = 200): Promise<MessageRecord[]> {
  const needle = text.toLocaleLowerCase();
  const index = db.transaction('messages').store.index('byConversation');
  const found: MessageRecord[] = [];
  // Read back in chunks (two requests each, as in listMessages), not one request per message.
  for (let before = Infinity; found.length < limit; ) {
    const range = IDBKeyRange.bound([conversation, -Infinity], [conversation, before], false, true);
    let cursor = await index.openKeyCursor(range, 'prev');
    if (!cursor) break;
    cursor = await cursor.advance(SEARCH_CHUNK - 1);
    const lower = cursor ? (cursor.key as [string, number]) : [conversation, -Infinity];
    const chunk = await index.getAll(IDBKeyRange.bound(lower, [conversation, before], false, true));
    for (const m of chunk.reverse()) if (found.length < limit && m.body.toLocaleLowerCase().includes(needle)) found.push(m);
    if (!cursor) break;
    before = lower[1] as number;
  }
  return found;
}

const SEARCH_CHUNK = 500;

export { avatarOf } from './avatars.js';
/** Rooms the user is in (or was removed from, with the reason), by JID. */
export async function listRooms(db: ParleyDb): Promise<Map<string, RoomRecord>> {
  return new Map((await db.getAll('rooms')).map((r) => [r.jid, r]));
}

export function getRoom(db: ParleyDb, jid: string): Promise<RoomRecord | undefined> {
  return db.get('rooms', jid);
}

const ROLE_RANK: Record<string, number> = { moderator: 0, participant: 1, visitor: 2, none: 3 };

/** A room's occupants, moderators first, then by nick. */
export async function listOccupants(db: ParleyDb, room: string): Promise<OccupantRecord[]> {
  const all = await db.getAllFromIndex('occupants', 'byRoom', room);
  return all.sort((a, b) => (ROLE_RANK[a.role] ?? 3) - (ROLE_RANK[b.role] ?? 3) || a.nick.localeCompare(b.nick));
}
