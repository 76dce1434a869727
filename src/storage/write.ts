/**
 * The worker's writes. Each function is one transaction and returns what changed, which the worker
 * broadcasts to every page. Pages never import this module.
 */
import type { IDBPTransaction } from 'idb';
import type { ParleyDb, ParleySchema, StoreName } from './db.js';
import type { Change } from '../shared/api.js';
import { awaitedLater } from '../shared/later.js';
import { MAX_PRESENCES_PER_CONTACT, MAX_STRANGER_CONVERSATIONS } from '../shared/limits.js';
import type {
  AccountRecord, ConversationRecord, Direction, EditRef, MessageRecord, MessageState, OutboxRecord, PresenceRecord, RosterItem,
  StateRecord,
} from '../shared/records.js';
import { remember, sameEdit, sameMessage, textPrint, withEarlierText } from './identity.js';

export async function saveAccount(db: ParleyDb, account: AccountRecord): Promise<Change> {
  await db.put('account', account);
  return { stores: ['account'] };
}

export async function clearAll(db: ParleyDb): Promise<Change> {
  // Every store the schema has, whichever feature declared it.
  const names = [...db.objectStoreNames] as StoreName[];
  const tx = db.transaction(names, 'readwrite');
  await Promise.all([...names.map((name) => tx.objectStore(name).clear()), tx.done]);
  withConversation.delete(db);
  return { stores: names };
}

export async function replaceRoster(db: ParleyDb, items: RosterItem[]): Promise<Change> {
  const tx = db.transaction('roster', 'readwrite');
  await tx.store.clear();
  await Promise.all([...items.map((item) => tx.store.put(item)), tx.done]);
  return { stores: ['roster'] };
}

/** A roster push: the item as the server now has it, or its removal. */
export async function applyRosterPush(db: ParleyDb, item: RosterItem, removed: boolean): Promise<Change> {
  const tx = db.transaction(['roster', 'requests', 'presence'], 'readwrite');
  if (removed) {
    await tx.objectStore('roster').delete(item.jid);
    const presence = tx.objectStore('presence');
    for (const key of await presence.index('byJid').getAllKeys(item.jid)) await presence.delete(key);
  } else {
    await tx.objectStore('roster').put(item);
    // Once they may see our presence the request is answered, whichever device answered it.
    if (item.subscription === 'from' || item.subscription === 'both') await tx.objectStore('requests').delete(item.jid);
  }
  await tx.done;
  return { stores: ['roster', 'requests', 'presence'] };
}

/** Their request to see us; none once the roster says they do (read in the same transaction as the
 * write: a roster push handled meanwhile may have answered it). */
export async function addRequest(db: ParleyDb, jid: string): Promise<Change> {
  const tx = db.transaction(['roster', 'requests'], 'readwrite');
  const item = await tx.objectStore('roster').get(jid);
  if (item?.subscription !== 'from' && item?.subscription !== 'both') await tx.objectStore('requests').put({ jid, ts: Date.now() });
  await tx.done;
  return { stores: ['requests'] };
}

export async function removeRequest(db: ParleyDb, jid: string): Promise<Change> {
  await db.delete('requests', jid);
  return { stores: ['requests'] };
}

/** A contact's resource coming online, or going offline (`idleSince`: since when, XEP-0319). */
export type PresenceUpdate =
  | { kind: 'available'; presence: PresenceRecord }
  | { kind: 'unavailable'; jid: string; resource: string; idleSince?: number };

/**
 * Contacts' presences that arrived together, in order, in one transaction: a login's hundreds cost
 * one. Someone we do not follow (subscription `to` or `both`) is not shown online, nor is a new
 * resource past MAX_PRESENCES_PER_CONTACT: both come back `ignored`. Going offline removes the
 * resource whoever it is, and is kept as last seen for those we follow.
 */
export async function storePresence(db: ParleyDb, updates: readonly PresenceUpdate[], now = Date.now()): Promise<{ change: Change | null; ignored: PresenceUpdate[] }> {
  const tx = db.transaction(['roster', 'presence', 'lastSeen'], 'readwrite');
  const presence = tx.objectStore('presence');
  const followed = new Map<string, Promise<boolean>>();
  const follows = (jid: string) => {
    if (!followed.has(jid)) followed.set(jid, tx.objectStore('roster').get(jid).then((item) => item?.subscription === 'to' || item?.subscription === 'both'));
    return followed.get(jid)!;
  };
  const ignored: PresenceUpdate[] = [];
  const stores = new Set<StoreName>();
  for (const update of updates) {
    if (update.kind === 'unavailable') {
      await presence.delete([update.jid, update.resource]);
      stores.add('presence');
      if (!(await follows(update.jid))) continue;
      await tx.objectStore('lastSeen').put({ jid: update.jid, ts: update.idleSince ?? now });
      stores.add('lastSeen');
      continue;
    }
    const { jid, resource } = update.presence;
    const full = (await presence.getKey([jid, resource])) === undefined && (await presence.index('byJid').count(jid)) >= MAX_PRESENCES_PER_CONTACT;
    if (full || !(await follows(jid))) {
      ignored.push(update);
      continue;
    }
    await presence.put(update.presence);
    stores.add('presence');
  }
  await tx.done;
  return { change: stores.size ? { stores: [...stores] } : null, ignored };
}

export async function removePresence(db: ParleyDb, jid: string, resource: string | null): Promise<Change> {
  const tx = db.transaction('presence', 'readwrite');
  const keys = resource === null ? await tx.store.index('byJid').getAllKeys(jid) : [[jid, resource] as [string, string]];
  await Promise.all([...keys.map((key) => tx.store.delete(key)), tx.done]);
  return { stores: ['presence'] };
}

/** Presence is only true while we are online; an offline page must not show stale dots. */
export async function clearPresence(db: ParleyDb): Promise<Change> {
  await db.clear('presence');
  return { stores: ['presence'] };
}

/** Clears presence and returns what it was, to be put back if the stream resumes. */
export async function takePresence(db: ParleyDb): Promise<{ taken: PresenceRecord[]; change: Change }> {
  const tx = db.transaction('presence', 'readwrite');
  const taken = await tx.store.getAll();
  await Promise.all([tx.store.clear(), tx.done]);
  return { taken, change: { stores: ['presence'] } };
}

/** Puts back presence taken at a drop. */
export async function restorePresence(db: ParleyDb, list: PresenceRecord[]): Promise<Change> {
  const tx = db.transaction('presence', 'readwrite');
  await Promise.all([...list.map((p) => tx.store.put(p)), tx.done]);
  return { stores: ['presence'] };
}

type MessageTx<Mode extends IDBTransactionMode = 'readwrite'> = IDBPTransaction<ParleySchema, ('messages' | 'conversations' | 'outbox')[], Mode>;

/** Whether `stored` is a copy of `message`, by the rule in identity.ts. */
const isCopy = (stored: MessageRecord, message: MessageRecord) =>
  stored.conversation === message.conversation && stored.direction === message.direction && sameMessage(stored, message);

/** The stored copy of `message`, by the rule in identity.ts. */
async function findSame<Mode extends IDBTransactionMode>(tx: MessageTx<Mode>, message: MessageRecord): Promise<MessageRecord | undefined> {
  const messages = tx.objectStore('messages');
  const same = (m: MessageRecord) => isCopy(m, message);
  // Both at once: a live message waits for one answer, not two in a row.
  const [byStanzaId, byRef] = await Promise.all([
    message.stanzaId ? messages.index('byStanzaId').getAll(message.stanzaId) : [],
    message.id ? messages.index('byRef').getAll([message.conversation, message.direction, message.id]) : [],
  ]);
  return byStanzaId.find(same) ?? byRef.find(same);
}

/** What one storeMessages call wrote so far (newer than anything looked up before it), and its writes in flight. */
interface Batch {
  written: Map<string, MessageRecord>;
  /** Keys of what it wrote, by the ids a copy shares with it (identity.ts): a copy is found without a scan. */
  byId: Map<string, Set<string>>;
  writes: Promise<unknown>[];
}

/** The ids by which a copy of `m` can be known: its stanza-id, its sender id in its conversation. */
const idsOf = (m: MessageRecord) => [...(m.stanzaId ? [`s ${m.stanzaId}`] : []), ...(m.id ? [`r ${m.conversation} ${m.direction} ${m.id}`] : [])];

function wrote({ written, byId }: Batch, record: MessageRecord): void {
  written.set(record.key, record);
  for (const id of idsOf(record)) byId.set(id, (byId.get(id) ?? new Set()).add(record.key));
}

function copyWritten({ written, byId }: Batch, message: MessageRecord): MessageRecord | undefined {
  for (const id of idsOf(message)) {
    for (const key of byId.get(id) ?? []) {
      const m = written.get(key)!;
      if (isCopy(m, message)) return m;
    }
  }
  return undefined;
}

/**
 * Adds a message unless a copy is stored (identity.ts): `found` is what was stored before the
 * batch wrote anything; what it wrote since is newer and looked at first. The writes are not
 * waited for one by one: the transaction keeps their order, and a failed one fails the batch.
 * A copy of our own pending message seen in the archive proves the server has it: it leaves the
 * outbox. Returns the stored copy, null when new.
 */
function addOnce(tx: MessageTx, message: MessageRecord, found: MessageRecord | undefined, batch: Batch, placed = false): MessageRecord | null {
  const messages = tx.objectStore('messages');
  const existing = (found && batch.written.get(found.key)) ?? found ?? copyWritten(batch, message);
  if (!existing) {
    batch.writes.push(awaitedLater(messages.add(message)));
    wrote(batch, message);
    return null;
  }
  const archived = !existing.stanzaId && message.stanzaId;
  const proven = existing.state === 'pending' && message.stanzaId;
  // Only what others sent moves: our own messages keep the place we gave them when they were typed.
  const moved = placed && existing.direction === 'in' && existing.ts !== message.ts;
  if (archived || proven || moved) {
    const updated: MessageRecord = { ...existing, stanzaId: message.stanzaId ?? existing.stanzaId, state: proven ? 'sent' : existing.state, ts: moved ? message.ts : existing.ts };
    batch.writes.push(awaitedLater(messages.put(updated)));
    wrote(batch, updated);
    if (proven && existing.originId) batch.writes.push(awaitedLater(tx.objectStore('outbox').delete(existing.originId)));
  }
  return moved ? { ...existing, ts: message.ts } : existing;
}

/** Whether a copy of each message is stored, in one transaction: a receipt confirms only that (XEP-0184). */
export async function areStored(db: ParleyDb, list: MessageRecord[]): Promise<boolean[]> {
  const tx = db.transaction(['messages', 'conversations', 'outbox']);
  const found: boolean[] = [];
  for (const message of list) found.push((await findSame(tx, message)) !== undefined);
  await tx.done;
  return found;
}

/** How much later than the server sent it a message's arrival may be noted (see storeMessages). */
const LATE_ARRIVAL_MS = 10_000;

/**
 * Stores messages once each, in one transaction, and updates their conversations. Incoming ones
 * count as unread unless `unread` is false (history seen for the first time). Null when nothing changed.
 */
export async function storeMessages(
  db: ParleyDb,
  list: MessageRecord[],
  {
    unread = true,
    outbox,
    order,
    coarse = false,
    placed = false,
  }: {
    unread?: boolean;
    outbox?: OutboxRecord;
    order?: { after: number };
    coarse?: boolean | ((message: MessageRecord) => boolean);
    /**
     * The times are the messages' places in the server's order (a window of the archive): a copy
     * stored earlier by its arrival moves there, as the archive's order is the truth.
     */
    placed?: boolean;
  } = {},
): Promise<Change | null> {
  // Relaxed durability: a crash of the whole OS may lose the last writes, which the next sync refetches.
  list = await withoutNewStrangers(db, list);
  const tx = db.transaction(['messages', 'conversations', 'outbox'], 'readwrite', { durability: 'relaxed' });
  const touched = new Map<string, { lastTs: number; last?: ConversationRecord['last']; unread: number; mentions: number }>();
  // `order`: the list continues a run in the server's order (archive pages), whose stamps have whole
  // seconds. Keep that order: each new one sorts after the one before it, stored earlier or now.
  // `order.after` carries the last position from one call to the next.
  let previous = order?.after ?? -Infinity;
  const moved = new Set<string>();
  const added: MessageRecord[] = [];
  // Every stored copy is asked for at once: a transaction's requests queue without waiting for one
  // another, so a page of the archive waits for one answer, not one per message.
  const lookups = list.map((message) => awaitedLater(findSame(tx, message)));
  // So is each conversation's record, which the new messages update: its answer is in by the time
  // the writes go out, and they all go out together.
  const conversations = tx.objectStore('conversations');
  const stored = new Map([...new Set(list.map((m) => m.conversation))].map((jid) => [jid, awaitedLater(conversations.get(jid))]));
  const batch: Batch = { written: new Map(), byId: new Map(), writes: [] };
  for (const [i, message] of list.entries()) {
    if (order) message.ts = Math.max(message.ts, previous + 0.001);
    // `coarse`: a delay stamp with whole seconds, on a message that came in the stream. Within its
    // second, arrival order is all we know: it goes after whatever is stored for that second. An
    // incoming one also goes after incoming messages noted up to LATE_ARRIVAL_MS later: those came
    // before it in the same stream, and their arrival was noted late (a busy or closing worker).
    if (coarse === true || (coarse && coarse(message))) {
      const { conversation, direction, ts } = message;
      const window = (index: 'byConversation' | 'byDirection', lower: unknown[], upper: unknown[]) =>
        tx.objectStore('messages').index(index).openKeyCursor(IDBKeyRange.bound(lower, upper, false, true), 'prev');
      const latest = await window('byConversation', [conversation, ts], [conversation, ts + 1000]);
      let t = latest ? (latest.key as [string, number])[1] : -Infinity;
      if (direction === 'in') {
        const late = await window('byDirection', [conversation, 'in', ts], [conversation, 'in', ts + 1000 + LATE_ARRIVAL_MS]);
        t = Math.max(t, late ? (late.key as [string, string, number])[2] : -Infinity);
      }
      if (t >= message.ts) message.ts = t + 0.001;
    }
    const existing = addOnce(tx, message, await lookups[i], batch, placed);
    previous = existing ? Math.max(previous, existing.ts) : message.ts;
    if (existing) {
      if (placed) moved.add(message.conversation);
      continue;
    }
    added.push(message);
    const t = touched.get(message.conversation) ?? { lastTs: 0, unread: 0, mentions: 0 };
    if (message.ts >= t.lastTs) {
      t.lastTs = message.ts;
      t.last = { body: message.body, direction: message.direction, ...(message.fallback ? { fallback: message.fallback } : {}) };
    }
    if (unread && message.direction === 'in') t.unread += 1;
    if (unread && message.mention) t.mentions += 1;
    touched.set(message.conversation, t);
  }
  if (order) order.after = previous;
  if (outbox && touched.size) batch.writes.push(awaitedLater(tx.objectStore('outbox').put(outbox)));
  for (const [jid, t] of touched) {
    const c = (await stored.get(jid)!) ?? { jid, lastTs: 0, unread: 0 };
    if (t.lastTs >= c.lastTs && t.last) {
      c.lastTs = t.lastTs;
      c.last = t.last;
    }
    c.unread += t.unread;
    if (t.mentions) c.mentions = (c.mentions ?? 0) + t.mentions;
    batch.writes.push(awaitedLater(conversations.put(c)));
  }
  await Promise.all(batch.writes);
  // A message that moved may have been the newest: the preview follows what is newest now.
  for (const jid of moved) {
    const c = await conversations.get(jid);
    const newest = await tx.objectStore('messages').index('byConversation').openCursor(IDBKeyRange.bound([jid, -Infinity], [jid, Infinity]), 'prev');
    if (!c || !newest || c.lastTs === newest.value.ts) continue;
    const m = newest.value;
    await conversations.put({ ...c, lastTs: m.ts, last: { body: m.body, direction: m.direction, ...(m.fallback ? { fallback: m.fallback } : {}) } });
  }
  await tx.done;
  for (const jid of touched.keys()) withConversation.get(db)?.add(jid);
  if (!touched.size) return list.length ? { stores: ['messages', 'outbox'], conversations: [...new Set(list.map((m) => m.conversation))] } : null;
  // A message placed anew moved among those stored: only a read back shows the new order.
  return { stores: ['messages', 'conversations', 'outbox'], conversations: [...touched.keys()], ...(moved.size ? {} : { added }) };
}

/**
 * Conversations known to exist, per database: only clearAll removes one, so once seen, a
 * conversation stays (the worker is the only writer). Saves a transaction per live message.
 */
const withConversation = new WeakMap<ParleyDb, Set<string>>();

/**
 * `list` without the messages that would open a conversation with a stranger (an incoming one from a
 * bare JID in neither the roster nor the rooms, with no conversation yet) past
 * MAX_STRANGER_CONVERSATIONS such conversations. Counted only when such a message comes.
 */
async function withoutNewStrangers(db: ParleyDb, list: MessageRecord[]): Promise<MessageRecord[]> {
  const had = withConversation.get(db) ?? withConversation.set(db, new Set()).get(db)!;
  // A live message from someone we talk with reads nothing here.
  if (list.every((m) => m.direction === 'out' || had.has(m.conversation))) return list;
  // Read-only, apart from the write: readers of the roster and rooms do not wait for messages being stored.
  const tx = db.transaction(['conversations', 'roster', 'rooms'], 'readonly');
  const has = async (store: 'conversations' | 'roster' | 'rooms', jid: string) => (await tx.objectStore(store).getKey(jid)) !== undefined;
  const asked = new Map<string, Promise<boolean>>();
  const hasConversation = async (jid: string) => {
    if (had.has(jid)) return true;
    const yes = await has('conversations', jid);
    if (yes) had.add(jid);
    return yes;
  };
  // An occupant of a room we are in (a full JID) is vouched for by the room.
  const lookup = async (jid: string) => jid.includes('/') || (await hasConversation(jid)) || (await has('roster', jid)) || (await has('rooms', jid));
  // Once per sender: a page of the archive is mostly one person's.
  const known = (jid: string) => asked.get(jid) ?? asked.set(jid, lookup(jid)).get(jid)!;
  let strangers: Set<string> | undefined;
  const kept: MessageRecord[] = [];
  for (const message of list) {
    const jid = message.conversation;
    if (message.direction === 'out' || strangers?.has(jid) || (await known(jid))) {
      kept.push(message);
      continue;
    }
    if (!strangers) {
      const contacts = new Set([...(await tx.objectStore('roster').getAllKeys()), ...(await tx.objectStore('rooms').getAllKeys())]);
      strangers = new Set((await tx.objectStore('conversations').getAllKeys()).filter((c) => !c.includes('/') && !contacts.has(c)));
    }
    if (strangers.size >= MAX_STRANGER_CONVERSATIONS) continue;
    strangers.add(jid);
    kept.push(message);
  }
  await tx.done;
  return kept;
}

/** One message; see storeMessages. */
export function storeMessage(db: ParleyDb, message: MessageRecord, outbox?: OutboxRecord): Promise<Change | null> {
  return storeMessages(db, [message], outbox ? { outbox } : {});
}

/** The server took the message: it leaves the outbox. */
export async function markSent(db: ParleyDb, key: string, originId: string, state: MessageState = 'sent'): Promise<Change> {
  const tx = db.transaction(['messages', 'outbox'], 'readwrite');
  const message = await tx.objectStore('messages').get(key);
  if (message && message.state === 'pending') await tx.objectStore('messages').put({ ...message, state });
  await tx.objectStore('outbox').delete(originId);
  await tx.done;
  return { stores: ['messages', 'outbox'], conversations: message ? [message.conversation] : [] };
}

/**
 * The message of `conversation` in `direction` its sender sent with `id`. Ids repeat (see
 * identity.ts): the newest such message is the one meant, as a reference names a recent message.
 */
async function newestWithId<Mode extends IDBTransactionMode>(
  tx: IDBPTransaction<ParleySchema, ('messages' | 'conversations' | 'outbox')[] | 'messages'[], Mode>,
  conversation: string,
  direction: Direction,
  id: string,
): Promise<MessageRecord | undefined> {
  const all = await tx.objectStore('messages').index('byRef').getAll([conversation, direction, id]);
  return all.reduce<MessageRecord | undefined>((newest, m) => (newest && newest.ts > m.ts ? newest : m), undefined);
}

/**
 * The recipient's client (`conversation`) confirmed our message `id` (XEP-0184). Null when no such
 * outgoing message is stored.
 */
export async function markDelivered(db: ParleyDb, conversation: string, id: string): Promise<Change | null> {
  const tx = db.transaction(['messages', 'outbox'], 'readwrite');
  const message = await newestWithId(tx, conversation, 'out', id);
  if (!message || message.state === 'delivered') {
    await tx.done;
    return null;
  }
  // States only move forward: a receipt that comes after the displayed marker leaves it displayed.
  if (message.state !== 'displayed') await tx.objectStore('messages').put({ ...message, state: 'delivered' });
  // A receipt proves the server took it too, even if its ack was lost with a connection.
  if (message.originId) await tx.objectStore('outbox').delete(message.originId);
  await tx.done;
  return { stores: ['messages', 'outbox'], conversations: [message.conversation] };
}

/**
 * The contact saw our message `id` (XEP-0333), and so everything we sent before it: those show as
 * displayed. Null when no such message of ours is stored.
 */
export async function markDisplayed(db: ParleyDb, conversation: string, id: string): Promise<Change | null> {
  const tx = db.transaction(['messages', 'outbox'], 'readwrite');
  const target = await newestWithId(tx, conversation, 'out', id);
  if (!target) {
    await tx.done;
    return null;
  }
  // The marker can overtake the server's ack: seen proves the server took it, so it leaves the outbox
  // (as on a receipt) and its state moves forward from pending too. Earlier pending ones may truly be unsent.
  const taken = target.state === 'pending' && target.originId;
  if (taken) await tx.objectStore('outbox').delete(target.originId!);
  const range = IDBKeyRange.bound([conversation, 'out', -Infinity], [conversation, 'out', target.ts]);
  let cursor = await tx.objectStore('messages').index('byDirection').openCursor(range, 'prev');
  // Walk back our messages until one already marked: everything before it was marked then too.
  while (cursor && cursor.value.state !== 'displayed') {
    const m = cursor.value;
    if (m.state !== 'pending' || m.key === target.key) await cursor.update({ ...m, state: 'displayed' });
    cursor = await cursor.continue();
  }
  await tx.done;
  return { stores: taken ? ['messages', 'outbox'] : ['messages'], conversations: [conversation] };
}

/** Incoming messages of `conversation` stored after `ts`: counted by the index, not walked. */
function countIncomingAfter(tx: IDBPTransaction<ParleySchema, ('messages' | 'conversations')[], 'readwrite'>, conversation: string, ts: number): Promise<number> {
  return tx.objectStore('messages').index('byDirection').count(IDBKeyRange.bound([conversation, 'in', ts], [conversation, 'in', Infinity], true, false));
}

/** Mutes or unmutes a conversation's notifications. */
export async function setMuted(db: ParleyDb, conversation: string, muted: boolean): Promise<Change> {
  const tx = db.transaction('conversations', 'readwrite');
  const record = (await tx.store.get(conversation)) ?? { jid: conversation, lastTs: 0, unread: 0 };
  const { muted: _was, ...rest } = record;
  await tx.store.put(muted ? { ...rest, muted: true } : rest);
  await tx.done;
  return { stores: ['conversations'], conversations: [conversation] };
}

/**
 * The user saw `conversation` up to its incoming message `upTo` (a key), or all of it without one:
 * unread becomes the incoming messages stored after that one, never more than now.
 */
export async function markRead(db: ParleyDb, conversation: string, upTo?: string): Promise<Change | null> {
  const tx = db.transaction(['messages', 'conversations'], 'readwrite');
  const record = await tx.objectStore('conversations').get(conversation);
  let unread = 0;
  if (record?.unread && upTo !== undefined) {
    const seen = await tx.objectStore('messages').get(upTo);
    if (!seen || seen.conversation !== conversation) {
      await tx.done;
      return null;
    }
    unread = await countIncomingAfter(tx, conversation, seen.ts);
  }
  if (!record || record.unread <= unread) {
    await tx.done;
    return null;
  }
  // Mentions are among the unread: never more of them than unread messages are left.
  await tx.objectStore('conversations').put({ ...record, unread, ...(record.mentions ? { mentions: Math.min(record.mentions, unread) } : {}) });
  await tx.done;
  return { stores: ['conversations'], conversations: [conversation] };
}

/**
 * XEP-0490: another device of the user displayed `conversation` up to the message with archive id
 * `stanzaId`. Unread becomes the incoming messages stored after it, never more than now (the
 * displayed state only moves forward). `found` is false when that message is not stored (yet).
 */
export async function markDisplayedUpTo(db: ParleyDb, conversation: string, stanzaId: string): Promise<{ found: boolean; change: Change | null }> {
  const tx = db.transaction(['messages', 'conversations'], 'readwrite');
  const messages = tx.objectStore('messages');
  const target = await messages.index('byStanzaId').get(stanzaId);
  if (!target || target.conversation !== conversation) {
    await tx.done;
    return { found: false, change: null };
  }
  const unread = await countIncomingAfter(tx, conversation, target.ts);
  const record = await tx.objectStore('conversations').get(conversation);
  if (!record || record.unread <= unread) {
    await tx.done;
    return { found: true, change: null };
  }
  await tx.objectStore('conversations').put({ ...record, unread, ...(record.mentions ? { mentions: Math.min(record.mentions, unread) } : {}) });
  await tx.done;
  return { found: true, change: { stores: ['conversations'], conversations: [conversation] } };
}

export async function putState(db: ParleyDb, record: StateRecord): Promise<void> {
  await db.put('state', record);
}

export async function deleteState(db: ParleyDb, key: StateRecord['key']): Promise<void> {
  await db.delete('state', key);
}

/** Outcome of an edit to a stored message: what changed, or why it was refused (to be logged). */
export type EditResult = { change: Change; record: MessageRecord } | { ignored: string };

type EditTx = IDBPTransaction<ParleySchema, ('messages' | 'conversations')[], 'readwrite'>;

/**
 * Which message an edit names: by local key (our own commands), or as its sender named it: their
 * id in that conversation and direction, else (some clients) our archive's stanza-id.
 */
export type EditTarget = { conversation: string; sender: string } & ({ key: string } | { direction: Direction; id: string; stanzaId?: string });

/** The message `target` names, only within its conversation; it must have come from `target.sender` (bare JID). */
async function editTarget(tx: EditTx, target: EditTarget): Promise<MessageRecord | string> {
  const messages = tx.objectStore('messages');
  const { conversation, sender } = target;
  const name = 'key' in target ? target.key : target.id;
  const found = 'key' in target
    ? await messages.get(target.key)
    : ((await newestWithId(tx, conversation, target.direction, target.id)) ??
      (target.stanzaId ? await messages.index('byStanzaId').get(target.stanzaId) : undefined));
  if (!found || found.conversation !== conversation) return `no message ${name} in ${conversation}`;
  // In a room the author is the occupant (records.ts), never the room's bare JID.
  const from = found.author ?? found.from.split('/')[0]!.toLowerCase();
  if (from !== (found.author ? sender : sender.toLowerCase())) return `message ${name} was sent by ${from}, not ${sender}`;
  if (found.retracted) return `message ${name} is retracted`;
  return found;
}

/** The conversation preview shows the text of its newest message: keep it in step with an edit. */
async function updatePreview(tx: EditTx, record: MessageRecord): Promise<boolean> {
  const conversations = tx.objectStore('conversations');
  const c = await conversations.get(record.conversation);
  if (!c?.last || c.lastTs !== record.ts) return false;
  await conversations.put({ ...c, last: { ...c.last, body: record.body } });
  return true;
}

/**
 * One transaction: find the message `target` may change, store `edit` of it (or log why `edit`
 * declined), keep the preview true.
 */
async function applyEdit(db: ParleyDb, target: EditTarget, edit: (found: MessageRecord) => MessageRecord | string): Promise<EditResult> {
  const tx = db.transaction(['messages', 'conversations'], 'readwrite');
  const found = await editTarget(tx, target);
  const record = typeof found === 'string' ? found : edit(found);
  if (typeof record === 'string') {
    await tx.done;
    return { ignored: record };
  }
  await tx.objectStore('messages').put(record);
  const preview = await updatePreview(tx, record);
  await tx.done;
  return { change: { stores: preview ? ['messages', 'conversations'] : ['messages'], conversations: [record.conversation] }, record };
}

/** The correction or reaction stanza itself, to recognise it when it comes again. */
export type EditOrigin = Omit<EditRef, 'effect'>;

/**
 * XEP-0308: `sender` replaced the text of a message of theirs in `conversation`. The previous text
 * goes into its edit history. Refused for unknown messages, other senders and retracted messages.
 * A replay (the same correction, `origin`, again) or a correction to the text it already has
 * changes nothing.
 */
export function applyCorrection(db: ParleyDb, target: EditTarget, body: string, ts: number, origin?: EditOrigin): Promise<EditResult> {
  return applyEdit(db, target, (found) => {
    const ref: EditRef | undefined = origin && { ...origin, effect: `correct ${textPrint(body)}` };
    if (ref && found.applied?.some((done) => sameEdit(done, ref))) return 'correction applied before';
    if (found.body === body) return 'correction to the text it has';
    const edits = withEarlierText(found.edits, { body: found.body, ts });
    return { ...found, body, edits, ...(ref ? { applied: remember(found.applied, ref) } : {}) };
  });
}

/**
 * XEP-0424: `sender` retracted a message of theirs. Its text and edit history are deleted from
 * storage, not hidden: the record keeps only `retracted` so the log can say so.
 */
export function applyRetraction(db: ParleyDb, target: EditTarget, ts: number): Promise<EditResult> {
  // A retraction again finds the message retracted, and is refused: nothing changes. The corrections
  // remembered go too (they hold texts); any replay of them is refused as the message is retracted.
  return applyEdit(db, target, ({ edits: _edits, applied: _applied, ...rest }) => ({ ...rest, body: '', retracted: true, retractedTs: ts }));
}

/**
 * XEP-0444: `sender`'s whole current set of reactions to a message of `conversation`, replacing their
 * previous one. The target is found by one of `keys`, else by the id its sender gave it in that
 * conversation; null when no such message is stored (a reaction to another conversation's message
 * finds nothing) or when this reaction (`origin`) was applied before: a replay must not bring an
 * older set back.
 */
export async function setReactions(
  db: ParleyDb,
  conversation: string,
  target: { keys: string[]; id: string },
  sender: string,
  emojis: string[],
  origin?: EditOrigin,
): Promise<Change | null> {
  const tx = db.transaction(['messages'], 'readwrite');
  const store = tx.objectStore('messages');
  let message: MessageRecord | undefined;
  for (const key of target.keys) {
    message = await store.get(key);
    if (message) break;
  }
  if (!message) {
    const both = [await newestWithId(tx, conversation, 'in', target.id), await newestWithId(tx, conversation, 'out', target.id)];
    message = both.reduce<MessageRecord | undefined>((newest, m) => (!m || (newest && newest.ts > m.ts) ? newest : m), undefined);
  }
  if (!message) {
    // XEP-0444 names a message by its origin-id, which some clients make different from its id.
    const all = await store.index('byOrigin').getAll([conversation, target.id]);
    message = all.reduce<MessageRecord | undefined>((newest, m) => (newest && newest.ts > m.ts ? newest : m), undefined);
  }
  // In a room, the id the room gave it (XEP-0444 §4.2).
  message ??= (await store.index('byStanzaId').getAll(target.id)).find((m) => m.conversation === conversation);
  const ref: EditRef | undefined = origin && { ...origin, effect: `react ${sender} ${emojis.join(' ')}` };
  if (!message || message.conversation !== conversation || (ref && message.applied?.some((done) => sameEdit(done, ref)))) {
    await tx.done;
    return null;
  }
  const reactions: Record<string, string[]> = {};
  for (const [emoji, who] of Object.entries(message.reactions ?? {})) {
    const rest = who.filter((jid) => jid !== sender);
    if (rest.length) reactions[emoji] = rest;
  }
  for (const emoji of emojis) reactions[emoji] = [...(reactions[emoji] ?? []), sender];
  const { reactions: _old, ...rest } = message;
  const applied = ref ? { applied: remember(message.applied, ref) } : {};
  await store.put(Object.keys(reactions).length ? { ...rest, ...applied, reactions } : { ...rest, ...applied });
  await tx.done;
  return { stores: ['messages'], conversations: [conversation] };
}
