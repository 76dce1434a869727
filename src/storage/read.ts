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

/** The roster with the nicknames, read once for every view of them (list, names, requests). */
export interface People {
  /** The roster by name, each contact with their own nickname. */
  contacts: Contact[];
  /** Names by bare JID: the one the user gave, else their own nickname; `displayName` covers the rest. */
  names: Map<string, string>;
  /** Nicknames (XEP-0172) by bare JID, contacts' or not. */
  nicks: Map<string, string>;
}

/** Roster and nicknames in one transaction. Presence apart: it changes far more often. */
async function rosterAndNicks(db: ParleyDb): Promise<{ items: RosterItem[]; nicks: Map<string, string> }> {
  const tx = db.transaction(['roster', 'nicks']);
  const [items, records] = await Promise.all([tx.objectStore('roster').getAll(), tx.objectStore('nicks').getAll()]);
  return { items, nicks: new Map(records.map((n) => [n.jid, n.nick])) };
}

function namesOf(items: RosterItem[], nicks: Map<string, string>): Map<string, string> {
  const names = new Map(nicks);
  for (const c of items) if (c.name) names.set(c.jid, c.name);
  return names;
}

/** Every view of the roster at once: the list sorted by name (pages draw it), the names, the nicknames. */
export async function readPeople(db: ParleyDb): Promise<People> {
  const { items, nicks } = await rosterAndNicks(db);
  const contacts = items
    .map((item) => (nicks.has(item.jid) ? { ...item, nick: nicks.get(item.jid)! } : item))
    .sort((a, b) => displayName(a.jid, a).localeCompare(displayName(b.jid, b)));
  return { contacts, names: namesOf(items, nicks), nicks };
}

export const listContacts = async (db: ParleyDb): Promise<Contact[]> => (await readPeople(db)).contacts;

/** Names alone (a notification's sender): the roster is not sorted for them. */
export async function contactNames(db: ParleyDb): Promise<Map<string, string>> {
  const { items, nicks } = await rosterAndNicks(db);
  return namesOf(items, nicks);
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

/**
 * Subscription requests, each with the nickname it came with (XEP-0172 §4.1) or one published;
 * `people` may be a read already made (pages share one).
 */
export async function listRequests(
  db: ParleyDb,
  people: (db: ParleyDb) => Promise<Pick<People, 'nicks'>> = rosterAndNicks,
): Promise<(SubscriptionRequest & { nick?: string })[]> {
  const [requests, { nicks }] = await Promise.all([db.getAll('requests'), people(db)]);
  return requests.map((r) => (nicks.has(r.jid) ? { ...r, nick: nicks.get(r.jid)! } : r));
}

/** Conversations, most recent activity first. */
export async function listConversations(db: ParleyDb): Promise<ConversationRecord[]> {
  return (await db.getAllFromIndex('conversations', 'byLastTs')).reverse();
}

export function getConversation(db: ParleyDb, jid: string): Promise<ConversationRecord | undefined> {
  return db.get('conversations', jid);
}

/** Unread messages per conversation, of conversations read already. */
export const unreadOf = (conversations: readonly ConversationRecord[]): Map<string, number> => new Map(conversations.map((c) => [c.jid, c.unread]));

/** Unread messages in all these conversations. */
export const unreadTotal = (conversations: readonly ConversationRecord[]): number => conversations.reduce((n, c) => n + c.unread, 0);

/** Unread messages per conversation. */
export async function unreadCounts(db: ParleyDb): Promise<Map<string, number>> {
  return unreadOf(await db.getAll('conversations'));
}

/** Unread messages in all conversations. */
export async function totalUnread(db: ParleyDb): Promise<number> {
  return unreadTotal(await db.getAll('conversations'));
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
