import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type {
  AccountRecord, ConversationRecord, MessageRecord, OutboxRecord, PresenceRecord, RosterItem, StateRecord,
  SubscriptionRequest,
} from '../shared/records.js';

export interface ParleySchema extends DBSchema {
  account: { key: 'current'; value: AccountRecord };
  roster: { key: string; value: RosterItem };
  requests: { key: string; value: SubscriptionRequest };
  presence: { key: [string, string]; value: PresenceRecord; indexes: { byJid: string } };
  conversations: { key: string; value: ConversationRecord; indexes: { byLastTs: number } };
  messages: {
    key: string;
    value: MessageRecord;
    indexes: {
      byConversation: [string, number];
      byStanzaId: string;
      byRef: [string, string, string];
      byDirection: [string, string, number];
      byArchived: [string, string, number, string];
      byOrigin: [string, string];
    };
  };
  outbox: { key: string; value: OutboxRecord; indexes: { byTs: number } };
  /** Protocol bookkeeping the worker needs across restarts (MAM cursors, stream-management state). */
  state: { key: string; value: StateRecord };
}

export type ParleyDb = IDBPDatabase<ParleySchema>;
export type StoreName = 'account' | 'roster' | 'requests' | 'presence' | 'conversations' | 'messages' | 'outbox' | 'state';
export const STORE_NAMES: readonly StoreName[] = [
  'account', 'roster', 'requests', 'presence', 'conversations', 'messages', 'outbox', 'state',
];

export const DB_NAME = 'parley';

type UpgradeTx = IDBPTransaction<ParleySchema, StoreName[], 'versionchange'>;

/** One entry per schema version; entry i upgrades version i to i+1. Never edit a shipped entry. */
const migrations: ((db: IDBPDatabase<ParleySchema>, tx: UpgradeTx) => void)[] = [
  (db) => {
    db.createObjectStore('account', { keyPath: 'key' });
    db.createObjectStore('roster', { keyPath: 'jid' });
    db.createObjectStore('requests', { keyPath: 'jid' });
    db.createObjectStore('presence', { keyPath: ['jid', 'resource'] }).createIndex('byJid', 'jid');
    db.createObjectStore('conversations', { keyPath: 'jid' }).createIndex('byLastTs', 'lastTs');
    const messages = db.createObjectStore('messages', { keyPath: 'key' });
    messages.createIndex('byConversation', ['conversation', 'ts']);
    messages.createIndex('byStanzaId', 'stanzaId');
    db.createObjectStore('outbox', { keyPath: 'originId' }).createIndex('byTs', 'ts');
  },
  (db) => {
    db.createObjectStore('state', { keyPath: 'key' });
  },
  (_db, tx) => {
    // Sender ids repeat, so they stop being keys: edits, reactions and markers find their message here.
    const messages = tx.objectStore('messages');
    messages.createIndex('byRef', ['conversation', 'direction', 'id']);
    // Records from before `id` was kept have it only at the end of their key (the sender's origin-id,
    // else id); archive keys (`archive:<stanza-id>`) had none.
    void (async () => {
      for (let c = await messages.openCursor(); c; c = await c.continue()) {
        const m = c.value;
        const prefix = `${m.conversation} ${m.direction} `;
        const id = m.key.slice(prefix.length);
        if (m.id === undefined && m.key.startsWith(prefix) && !id.startsWith('archive:')) await c.update({ ...m, id });
      }
    })();
  },
  (_db, tx) => {
    // One sync record per archive (ArchiveSync) replaces the single cursor `mam` of the own archive.
    const state = tx.objectStore('state');
    void (async () => {
      const legacy = (await state.get('mam')) as { last?: string } | undefined;
      const account = await tx.objectStore('account').get('current');
      if (legacy?.last !== undefined && account) await state.put({ key: `archive:${account.jid}`, last: legacy.last, gaps: [] });
      await state.delete('mam');
    })();
  },
  (_db, tx) => {
    // Lookups that used to walk a conversation. Records without the last key part are left out of
    // an index: byArchived holds only messages with an archive id, byOrigin only those with an origin-id.
    const messages = tx.objectStore('messages');
    messages.createIndex('byDirection', ['conversation', 'direction', 'ts']);
    messages.createIndex('byArchived', ['conversation', 'direction', 'ts', 'stanzaId']);
    messages.createIndex('byOrigin', ['conversation', 'originId']);
  },
];

export const DB_VERSION = migrations.length;

/**
 * Opens (and if needed migrates) the database. Pages and the worker share this so whichever starts
 * first creates the schema; only the worker writes records. When a newer Parley wants to migrate,
 * `blocking` runs (the worker stops writing, then closes); without it the database just closes.
 */
export async function openParleyDb(name = DB_NAME, { blocking }: { blocking?: () => void } = {}): Promise<ParleyDb> {
  const db = await openDB<ParleySchema>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      for (let v = oldVersion; v < DB_VERSION; v++) migrations[v]!(db, transaction);
    },
    blocking() {
      // Let it: the next open picks up the new schema.
      if (blocking) blocking();
      else db.close();
    },
  });
  return db;
}
