/**
 * Rooms (XEP-0045) the user is in, their occupants, and the moderation of room messages. The worker
 * writes these, one transaction per function; pages read them through read.ts.
 */
import type { Change } from '../shared/api.js';
import type { OccupantRecord, RoomRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    rooms: { key: string; value: RoomRecord };
    occupants: { key: [string, string]; value: OccupantRecord; indexes: { byRoom: string } };
  }
}

/** Version 6: rooms and their occupants. */
export const ROOMS_SCHEMA: SchemaPart = [
  { version: 6, run: (db) => {
    db.createObjectStore('rooms', { keyPath: 'jid' });
    db.createObjectStore('occupants', { keyPath: ['room', 'nick'] }).createIndex('byRoom', 'room');
  } },
];

export async function putRoom(db: ParleyDb, room: RoomRecord): Promise<Change> {
  await db.put('rooms', room);
  return { stores: ['rooms'] };
}

/** Changes a stored room (nothing when it is not stored: we left it meanwhile). */
export async function updateRoom(db: ParleyDb, jid: string, change: Partial<RoomRecord>): Promise<Change | null> {
  const tx = db.transaction('rooms', 'readwrite');
  const room = await tx.store.get(jid);
  if (room) await tx.store.put({ ...room, ...change, jid });
  await tx.done;
  return room ? { stores: ['rooms'] } : null;
}

/**
 * MUC-Sub: we are subscribed to `jid` under `nick`, or no longer (`nick` undefined). A room not
 * stored yet is stored, as one we are not in: it shows among the conversations while subscribed.
 */
export async function markSubscribed(db: ParleyDb, jid: string, nick?: string): Promise<Change | null> {
  const subscribed = nick !== undefined;
  const tx = db.transaction('rooms', 'readwrite');
  const room = await tx.store.get(jid);
  const change = room ? !!room.subscribed !== subscribed : subscribed;
  if (change) await tx.store.put(room ? { ...room, subscribed } : { jid, nick: nick!, state: 'out', subscribed });
  await tx.done;
  return change ? { stores: ['rooms'] } : null;
}

/** We left the room, or were removed from it: it and its occupants go; its messages stay. */
export async function removeRoom(db: ParleyDb, jid: string): Promise<Change> {
  const tx = db.transaction(['rooms', 'occupants'], 'readwrite');
  await tx.objectStore('rooms').delete(jid);
  await clearIn(tx.objectStore('occupants'), jid);
  await tx.done;
  return { stores: ['rooms', 'occupants'] };
}

/** What clearing a room's occupants needs of the occupants store, in whichever transaction. */
interface OccupantStore {
  index(name: 'byRoom'): { getAllKeys(room: string): Promise<[string, string][]> };
  delete(key: [string, string]): Promise<void>;
}

async function clearIn(store: OccupantStore, room: string): Promise<void> {
  for (const key of await store.index('byRoom').getAllKeys(room)) await store.delete(key);
}

/** Occupant presences that arrived together: each stored, or removed (`gone`), in one transaction. */
export async function applyOccupants(db: ParleyDb, batch: { occupant: OccupantRecord; gone: boolean }[]): Promise<Change | null> {
  if (!batch.length) return null;
  const tx = db.transaction('occupants', 'readwrite');
  for (const { occupant, gone } of batch) {
    if (gone) void tx.store.delete([occupant.room, occupant.nick]);
    else void tx.store.put(occupant);
  }
  await tx.done;
  return { stores: ['occupants'] };
}

/** Occupants are only true while we are in the room: cleared for one room, or all (offline). */
export async function clearOccupants(db: ParleyDb, room?: string): Promise<Change> {
  const tx = db.transaction('occupants', 'readwrite');
  if (room === undefined) await tx.store.clear();
  else await clearIn(tx.store, room);
  await tx.done;
  return { stores: ['occupants'] };
}

/**
 * XEP-0425: a moderator of `room` took back the message the room's archive knows as `stanzaId`.
 * Its text and edit history are deleted, as for a retraction; who moderated it and why are kept.
 * Null when no such message of that room is stored.
 */
export async function applyModeration(db: ParleyDb, room: string, stanzaId: string, moderated: { by: string; reason?: string }, ts: number): Promise<Change | null> {
  const tx = db.transaction(['messages', 'conversations'], 'readwrite');
  const found = (await tx.objectStore('messages').index('byStanzaId').getAll(stanzaId)).find((m) => m.conversation === room);
  if (!found || found.moderated) {
    await tx.done;
    return null;
  }
  const { edits: _edits, applied: _applied, reactions: _reactions, mention: _mention, ...rest } = found;
  await tx.objectStore('messages').put({ ...rest, body: '', retracted: true, retractedTs: ts, moderated });
  const conversations = tx.objectStore('conversations');
  const c = await conversations.get(room);
  if (c?.last && c.lastTs === found.ts) await conversations.put({ ...c, last: { ...c.last, body: '' } });
  await tx.done;
  return { stores: ['messages', 'conversations'], conversations: [room] };
}
