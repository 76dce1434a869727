/**
 * Archive sync bookkeeping, one record per archive (`ArchiveSync`): where forward sync resumes and
 * the holes left when the server no longer knew that place. Pages use `shownFrom` so a hole is never
 * shown as if nothing were missing; the worker writes the rest, one transaction per function.
 */
import type { ParleyDb, SchemaPart } from './db.js';
import type { ArchiveGap, ArchiveSync, StateRecord } from '../shared/records.js';

/** Version 4: one sync record per archive (ArchiveSync) replaces the single cursor `mam` of our own archive. */
export const ARCHIVE_SCHEMA: SchemaPart = [
  { version: 4, run: (_db, tx) => {
    const state = tx.objectStore('state');
    void (async () => {
      const legacy = (await state.get('mam')) as { last?: string } | undefined;
      const account = await tx.objectStore('account').get('current');
      if (legacy?.last !== undefined && account) await state.put({ key: `archive:${account.jid}`, last: legacy.last, gaps: [] });
      await state.delete('mam');
    })();
  } },
];

export const syncKey = (archive: string): ArchiveSync['key'] => `archive:${archive}`;

/** The stored record of `archive` (read at its key), or an empty one. */
function syncOf(record: StateRecord | undefined, archive: string): ArchiveSync {
  return record && 'gaps' in record ? record : { key: syncKey(archive), gaps: [] };
}

export async function readSync(db: ParleyDb, archive: string): Promise<ArchiveSync> {
  return syncOf(await db.get('state', syncKey(archive)), archive);
}

/** One read-modify-write of an archive's record. */
async function update(db: ParleyDb, archive: string, change: (sync: ArchiveSync) => ArchiveSync): Promise<void> {
  const tx = db.transaction('state', 'readwrite');
  await tx.store.put(change(syncOf(await tx.store.get(syncKey(archive)), archive)));
  await tx.done;
}

/** A contiguous page was stored up to archive id `last`: forward sync resumes after it. */
export function advanceSync(db: ParleyDb, archive: string, last: string): Promise<void> {
  return update(db, archive, ({ emptied: _emptied, ...sync }) => ({ ...sync, last }));
}

/** Sync found the archive empty: the next one pages forward from its start. */
export function syncedEmpty(db: ParleyDb, archive: string): Promise<void> {
  return update(db, archive, ({ last: _last, ...sync }) => ({ ...sync, emptied: true }));
}

/**
 * Sync restarted from the archive's newest messages (`last` the newest id) because the server no
 * longer knew where we were: a hole opens below the run starting at `gap.above` (stored at `gap.ts`).
 */
export function openGap(db: ParleyDb, archive: string, last: string, gap: Pick<ArchiveGap, 'forgotten' | 'above' | 'ts' | 'below'>): Promise<void> {
  return update(db, archive, (sync) => ({ ...sync, last, gaps: [...sync.gaps, { ...gap, progress: {}, crossed: [] }] }));
}

/** The run above the newest hole reaches further down (more of the newest messages were paged in). */
export function lowerGap(db: ParleyDb, archive: string, above: string, ts: number): Promise<void> {
  return update(db, archive, (sync) => {
    const newest = sync.gaps.at(-1);
    return newest ? { ...sync, gaps: [...sync.gaps.slice(0, -1), { ...newest, above, ts }] } : sync;
  });
}

/** The server has nothing older than the run above the hole `forgotten` names: no hole is left to fill. */
export function closeGap(db: ParleyDb, archive: string, forgotten: string): Promise<void> {
  return update(db, archive, (sync) => ({ ...sync, gaps: sync.gaps.filter((gap) => gap.forgotten !== forgotten) }));
}

/** The newest hole `conversation` has not crossed yet (paging back meets the newest first). */
export function nextGap(sync: ArchiveSync, conversation: string): ArchiveGap | undefined {
  return [...sync.gaps].reverse().find((gap) => !gap.crossed.includes(conversation));
}

/**
 * Paging back through the hole `forgotten` names, `conversation` got down to archive id `to.id`
 * (stored at `to.ts`), or across it (`to` = 'crossed').
 */
export function progressGap(db: ParleyDb, archive: string, forgotten: string, conversation: string, to: { id: string; ts: number } | 'crossed'): Promise<void> {
  return update(db, archive, (sync) => ({
    ...sync,
    gaps: sync.gaps.map((gap) => {
      if (gap.forgotten !== forgotten) return gap;
      const { [conversation]: _was, ...progress } = gap.progress;
      return to === 'crossed'
        ? { ...gap, progress, crossed: [...gap.crossed, conversation] }
        : { ...gap, progress: { ...progress, [conversation]: to } };
    }),
  }));
}

/** Which of these archive ids are stored already, each with its stored time. */
export async function storedTimes(db: ParleyDb, ids: string[]): Promise<Map<string, number>> {
  const index = db.transaction('messages').store.index('byStanzaId');
  const found = await Promise.all(ids.map(async (id) => [id, (await index.get(id))?.ts] as const));
  return new Map(found.filter((f): f is readonly [string, number] => f[1] !== undefined));
}

/**
 * The time from which a conversation's stored messages can be shown without hiding a hole: the top
 * of the newest hole it has not crossed and has messages above. -Infinity when there is none. Older
 * stored messages come back once paging back (the worker's loadOlder) has crossed the hole.
 */
export async function shownFrom(db: ParleyDb, conversation: string): Promise<number> {
  const tx = db.transaction(['account', 'state', 'messages', 'rooms']);
  // One round trip, not three in a row (a cold open waits for it): every archive's record (ours and
  // one per room) is read beside the account and the room.
  const [account, room, syncs] = await Promise.all([
    tx.objectStore('account').get('current'),
    tx.objectStore('rooms').getKey(conversation),
    tx.objectStore('state').getAll(IDBKeyRange.bound(syncKey(''), syncKey('\uffff'))),
  ]);
  if (!account) return -Infinity;
  // A room's history comes from the room's own archive, with holes of its own.
  const archive = room !== undefined ? conversation : account.jid;
  const sync = syncOf(syncs.find((s) => s.key === syncKey(archive)), archive);
  const index = tx.objectStore('messages').index('byConversation');
  for (const gap of [...sync.gaps].reverse()) {
    if (gap.crossed.includes(conversation)) continue;
    const from = gap.progress[conversation]?.ts ?? gap.ts;
    if (await index.getKey(IDBKeyRange.bound([conversation, from], [conversation, Infinity]))) return from;
  }
  return -Infinity;
}
