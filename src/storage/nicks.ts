/**
 * Contacts' own nicknames (XEP-0172), by bare JID: shown where the user gave no roster name. The
 * worker writes them (src/worker/nick.ts); pages read them through `contactNames` (read.ts).
 */
import type { Change } from '../shared/api.js';
import type { NickRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    nicks: { key: string; value: NickRecord };
  }
}

/** Version 11: the nicknames store. */
export const NICKS_SCHEMA: SchemaPart = [
  { version: 11, run: (db) => {
    db.createObjectStore('nicks', { keyPath: 'jid' });
  } },
];

const CHANGED: Change = { stores: ['nicks'] };

/** Stores `nick` for `jid`, or forgets it when null; no change when it is the same. */
export async function putNick(db: ParleyDb, jid: string, nick: string | null): Promise<Change | null> {
  const old = await db.get('nicks', jid);
  if ((old?.nick ?? null) === nick) return null;
  if (nick === null) await db.delete('nicks', jid);
  else await db.put('nicks', { jid, nick });
  return CHANGED;
}
