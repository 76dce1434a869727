import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { ARCHIVE_SCHEMA } from './archive.js';
import { BLOCKLIST_SCHEMA } from './blocklist.js';
import { BOOKMARKS_SCHEMA } from './bookmarks.js';
import { CAPS_SCHEMA } from './caps.js';
import { AVATARS_SCHEMA } from './avatars.js';
import { INVITATIONS_SCHEMA } from './invitations.js';
import { NICKS_SCHEMA } from './nicks.js';
import { ROOMS_SCHEMA } from './rooms.js';
import { LAST_SEEN_SCHEMA } from './last-seen.js';
import type {
  AccountRecord, ConversationRecord, MessageRecord, OutboxRecord, PresenceRecord, RosterItem, StateRecord,
  SubscriptionRequest,
} from '../shared/records.js';

/**
 * Every store and index. A feature that needs a store of its own adds it to this interface from its
 * storage module (`declare module './db.js' { interface ParleySchema { … } }`) and declares the
 * migration that creates it there (a `SchemaPart`, collected below).
 */
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
export type StoreName = StoreNames<ParleySchema>;

export const DB_NAME = 'parley';

export type UpgradeTx = IDBPTransaction<ParleySchema, StoreName[], 'versionchange'>;

/** One schema version: `run` upgrades version - 1 to `version`. Never edit a shipped one. */
export interface Migration {
  readonly version: number;
  run(db: IDBPDatabase<ParleySchema>, tx: UpgradeTx): void;
}

/** The migrations one feature's storage module declares. */
export type SchemaPart = readonly Migration[];

/** The core stores: account, roster, presence, conversations, messages, outbox, protocol state. */
const CORE: SchemaPart = [
  { version: 1, run: (db) => {
    db.createObjectStore('account', { keyPath: 'key' });
    db.createObjectStore('roster', { keyPath: 'jid' });
    db.createObjectStore('requests', { keyPath: 'jid' });
    db.createObjectStore('presence', { keyPath: ['jid', 'resource'] }).createIndex('byJid', 'jid');
    db.createObjectStore('conversations', { keyPath: 'jid' }).createIndex('byLastTs', 'lastTs');
    const messages = db.createObjectStore('messages', { keyPath: 'key' });
    messages.createIndex('byConversation', ['conversation', 'ts']);
    messages.createIndex('byStanzaId', 'stanzaId');
    db.createObjectStore('outbox', { keyPath: 'originId' }).createIndex('byTs', 'ts');
  } },
  { version: 2, run: (db) => {
    db.createObjectStore('state', { keyPath: 'key' });
  } },
  { version: 3, run: (_db, tx) => {
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
  } },
  { version: 5, run: (_db, tx) => {
    // Lookups that used to walk a conversation. Records without the last key part are left out of
    // an index: byArchived holds only messages with an archive id, byOrigin only those with an origin-id.
    const messages = tx.objectStore('messages');
    messages.createIndex('byDirection', ['conversation', 'direction', 'ts']);
    messages.createIndex('byArchived', ['conversation', 'direction', 'ts', 'stanzaId']);
    messages.createIndex('byOrigin', ['conversation', 'originId']);
  } },
];

/** Every feature's part, in version order: each version once, from 1 up, or nothing opens. */
function collect(parts: readonly SchemaPart[]): Migration[] {
  const all = parts.flat().sort((a, b) => a.version - b.version);
  all.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`schema version ${m.version} where ${i + 1} belongs: each version is declared once`);
  });
  return all;
}

const MIGRATIONS = collect([CORE, ARCHIVE_SCHEMA, ROOMS_SCHEMA, BOOKMARKS_SCHEMA, INVITATIONS_SCHEMA, LAST_SEEN_SCHEMA, BLOCKLIST_SCHEMA, NICKS_SCHEMA, AVATARS_SCHEMA, CAPS_SCHEMA]);

export const DB_VERSION = MIGRATIONS.length;

/**
 * Opens (and if needed migrates) the database. Pages and the worker share this so whichever starts
 * first creates the schema; only the worker writes records. When a newer Parley wants to migrate,
 * `blocking` runs (the worker stops writing, then closes); without it the database just closes.
 */
export async function openParleyDb(name = DB_NAME, { blocking }: { blocking?: () => void } = {}): Promise<ParleyDb> {
  const db = await openDB<ParleySchema>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      for (const m of MIGRATIONS.slice(oldVersion)) m.run(db, transaction);
    },
    blocking() {
      // Let it: the next open picks up the new schema.
      if (blocking) blocking();
      else db.close();
    },
  });
  return db;
}

/** The browser refused a write for want of space (the origin's quota). */
export const isQuotaError = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'QuotaExceededError';
