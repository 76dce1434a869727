/**
 * A database as an earlier Parley shipped it, written with the raw IndexedDB API (not today's
 * migrations), so a test can open it with today's code and check what the migration kept.
 */
type Shipped = 2 | 3 | 4;

export function shippedDb(name: string, version: Shipped, records: { store: string; value: object }[]): Promise<void> {
  return new Promise<void>((ok, fail) => {
    const r = indexedDB.open(name, version);
    r.onupgradeneeded = () => {
      const d = r.result;
      for (const [store, keyPath] of [['account', 'key'], ['roster', 'jid'], ['requests', 'jid'], ['state', 'key']] as const) d.createObjectStore(store, { keyPath });
      d.createObjectStore('presence', { keyPath: ['jid', 'resource'] }).createIndex('byJid', 'jid');
      d.createObjectStore('conversations', { keyPath: 'jid' }).createIndex('byLastTs', 'lastTs');
      const messages = d.createObjectStore('messages', { keyPath: 'key' });
      messages.createIndex('byConversation', ['conversation', 'ts']);
      messages.createIndex('byStanzaId', 'stanzaId');
      // Version 3 found messages by their sender's id; version 4 changed records, not indexes.
      if (version >= 3) messages.createIndex('byRef', ['conversation', 'direction', 'id']);
      d.createObjectStore('outbox', { keyPath: 'originId' }).createIndex('byTs', 'ts');
      for (const { store, value } of records) r.transaction!.objectStore(store).put(value);
    };
    r.onsuccess = () => (r.result.close(), ok());
    r.onerror = () => fail(r.error);
  });
}
