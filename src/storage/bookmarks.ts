/**
 * Bookmarked rooms, stored so pages list them before the network answers. The worker writes them
 * (src/worker/bookmarks.ts), one transaction per function; pages read them with `listBookmarks`.
 */
import type { Change } from '../shared/api.js';
import type { BookmarkRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    bookmarks: { key: string; value: BookmarkRecord };
  }
}

/** Version 7: the bookmarks store. */
export const BOOKMARKS_SCHEMA: SchemaPart = [
  { version: 7, run: (db) => {
    db.createObjectStore('bookmarks', { keyPath: 'jid' });
  } },
];

const CHANGED: Change = { stores: ['bookmarks'] };

/** Every bookmark, by room address. */
export async function listBookmarks(db: ParleyDb): Promise<BookmarkRecord[]> {
  return (await db.getAll('bookmarks')).sort((a, b) => (a.name ?? a.jid).localeCompare(b.name ?? b.jid));
}

/** The server's whole list replaces what was stored. */
export async function replaceBookmarks(db: ParleyDb, bookmarks: BookmarkRecord[]): Promise<Change> {
  const tx = db.transaction('bookmarks', 'readwrite');
  await tx.store.clear();
  await Promise.all([...bookmarks.map((b) => tx.store.put(b)), tx.done]);
  return CHANGED;
}

export async function putBookmark(db: ParleyDb, bookmark: BookmarkRecord): Promise<Change> {
  await db.put('bookmarks', bookmark);
  return CHANGED;
}

/** Deletes the bookmark of `room`; null when there was none (already deleted by another caller). */
export async function deleteBookmark(db: ParleyDb, room: string): Promise<Change | null> {
  const tx = db.transaction('bookmarks', 'readwrite');
  const had = (await tx.store.getKey(room)) !== undefined;
  if (had) await tx.store.delete(room);
  await tx.done;
  return had ? CHANGED : null;
}
