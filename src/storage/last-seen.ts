/**
 * When each contact was last seen (XEP-0319), kept after their presence is gone so an offline
 * contact shows it. The presence plugin writes it; pages read it with `listLastSeen`.
 */
import type { Change } from '../shared/api.js';
import type { LastSeenRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    lastSeen: { key: string; value: LastSeenRecord };
  }
}

/** Version 9: the lastSeen store. */
export const LAST_SEEN_SCHEMA: SchemaPart = [
  { version: 9, run: (db) => {
    db.createObjectStore('lastSeen', { keyPath: 'jid' });
  } },
];

/** Last seen times by bare JID. */
export async function listLastSeen(db: ParleyDb): Promise<Map<string, number>> {
  return new Map((await db.getAll('lastSeen')).map((r) => [r.jid, r.ts]));
}

export async function putLastSeen(db: ParleyDb, record: LastSeenRecord): Promise<Change> {
  await db.put('lastSeen', record);
  return { stores: ['lastSeen'] };
}
