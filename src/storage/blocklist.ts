/**
 * Our blocklist (XEP-0191) as the server last told it, so pages list it and the message plugin drops
 * what blocked senders send. The worker writes it (src/worker/blocking.ts); pages read `listBlocked`.
 */
import type { Change } from '../shared/api.js';
import type { BlockedRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    blocked: { key: string; value: BlockedRecord };
  }
}

/** Version 10: the blocked store. */
export const BLOCKLIST_SCHEMA: SchemaPart = [
  { version: 10, run: (db) => {
    db.createObjectStore('blocked', { keyPath: 'jid' });
  } },
];

const CHANGED: Change = { stores: ['blocked'] };

/** Blocked JIDs, sorted. */
export async function listBlocked(db: ParleyDb): Promise<string[]> {
  return (await db.getAllKeys('blocked')).sort();
}

/** The whole list, as the server sent it at login. */
export async function replaceBlocked(db: ParleyDb, jids: readonly string[]): Promise<Change> {
  const tx = db.transaction('blocked', 'readwrite');
  await tx.store.clear();
  await Promise.all([...jids.map((jid) => tx.store.put({ jid })), tx.done]);
  return CHANGED;
}

/** A push: these were blocked or unblocked; an unblock of nothing named unblocks everyone (XEP-0191 §3.4). */
export async function applyBlockPush(db: ParleyDb, block: boolean, jids: readonly string[]): Promise<Change> {
  const tx = db.transaction('blocked', 'readwrite');
  if (!block && !jids.length) await tx.store.clear();
  await Promise.all([...jids.map((jid) => (block ? tx.store.put({ jid }) : tx.store.delete(jid))), tx.done]);
  return CHANGED;
}
