/**
 * The worker's writes. Each function is one transaction and returns what changed, which the worker
 * broadcasts to every page. Pages never import this module.
 */
import type { ParleyDb, StoreName } from './db.js';
import { STORE_NAMES } from './db.js';
import type { Change } from '../shared/api.js';
import type {
  AccountRecord, MessageRecord, MessageState, OutboxRecord, PresenceRecord, RosterItem,
} from '../shared/records.js';

export async function saveAccount(db: ParleyDb, account: AccountRecord): Promise<Change> {
  await db.put('account', account);
  return { stores: ['account'] };
}

export async function clearAll(db: ParleyDb): Promise<Change> {
  const tx = db.transaction(STORE_NAMES as StoreName[], 'readwrite');
  await Promise.all([...STORE_NAMES.map((name) => tx.objectStore(name).clear()), tx.done]);
  return { stores: [...STORE_NAMES] };
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

export async function addRequest(db: ParleyDb, jid: string): Promise<Change> {
  await db.put('requests', { jid, ts: Date.now() });
  return { stores: ['requests'] };
}

export async function removeRequest(db: ParleyDb, jid: string): Promise<Change> {
  await db.delete('requests', jid);
  return { stores: ['requests'] };
}

export async function putPresence(db: ParleyDb, presence: PresenceRecord): Promise<Change> {
  await db.put('presence', presence);
  return { stores: ['presence'] };
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

/**
 * Stores a message once (by key) and updates its conversation. Returns null when it was already
 * stored, so the caller broadcasts nothing.
 */
export async function storeMessage(db: ParleyDb, message: MessageRecord, outbox?: OutboxRecord): Promise<Change | null> {
  const tx = db.transaction(['messages', 'conversations', 'outbox'], 'readwrite', { durability: 'relaxed' });
  const messages = tx.objectStore('messages');
  if (await messages.getKey(message.key)) {
    tx.abort();
    await tx.done.catch(() => undefined);
    return null;
  }
  await messages.add(message);
  if (outbox) await tx.objectStore('outbox').add(outbox);
  const conversations = tx.objectStore('conversations');
  const conversation = (await conversations.get(message.conversation)) ?? {
    jid: message.conversation, lastTs: 0, unread: 0,
  };
  if (message.ts >= conversation.lastTs) {
    conversation.lastTs = message.ts;
    conversation.last = { body: message.body, direction: message.direction };
  }
  if (message.direction === 'in') conversation.unread += 1;
  await conversations.put(conversation);
  await tx.done;
  return { stores: ['messages', 'conversations', ...(outbox ? ['outbox'] : [])], conversations: [message.conversation] };
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

/** The recipient's client confirmed it (XEP-0184). Null when no such outgoing message is stored. */
export async function markDelivered(db: ParleyDb, key: string): Promise<Change | null> {
  const tx = db.transaction(['messages', 'outbox'], 'readwrite');
  const message = await tx.objectStore('messages').get(key);
  if (!message || message.direction !== 'out' || message.state === 'delivered') {
    await tx.done;
    return null;
  }
  await tx.objectStore('messages').put({ ...message, state: 'delivered' });
  // A receipt proves the server took it too, even if its ack was lost with a connection.
  if (message.originId) await tx.objectStore('outbox').delete(message.originId);
  await tx.done;
  return { stores: ['messages', 'outbox'], conversations: [message.conversation] };
}

export async function markRead(db: ParleyDb, conversation: string): Promise<Change | null> {
  const tx = db.transaction('conversations', 'readwrite');
  const record = await tx.store.get(conversation);
  if (!record || record.unread === 0) {
    await tx.done;
    return null;
  }
  await tx.store.put({ ...record, unread: 0 });
  await tx.done;
  return { stores: ['conversations'] };
}
