/**
 * Avatars (XEP-0084, XEP-0153): images by their SHA-1 (the avatar id), each stored once however many
 * contacts show it, and which one each contact (or our account) shows now. The worker writes them
 * (src/worker/avatar.ts) only after checking the hash, type and size; pages read them with `avatarOf`.
 */
import type { Change } from '../shared/api.js';
import type { AvatarRecord, AvatarRef } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    avatars: { key: string; value: AvatarRecord };
    avatarRefs: { key: string; value: AvatarRef };
  }
}

/** Version 12: the images, by hash, and who shows which. */
export const AVATARS_SCHEMA: SchemaPart = [
  { version: 12, run: (db) => {
    db.createObjectStore('avatars', { keyPath: 'hash' });
    db.createObjectStore('avatarRefs', { keyPath: 'jid' });
  } },
];

const CHANGED: Change = { stores: ['avatarRefs'] };

export async function hasAvatar(db: ParleyDb, hash: string): Promise<boolean> {
  return (await db.getKey('avatars', hash)) !== undefined;
}

/** Keeps a checked image (its hash is its key) for whoever shows it. */
export async function putAvatar(db: ParleyDb, avatar: AvatarRecord): Promise<void> {
  await db.put('avatars', avatar);
}

/** `jid` shows the image `hash` (stored before), or none when null; no change when it is the same. */
export async function setAvatarOf(db: ParleyDb, jid: string, hash: string | null): Promise<Change | null> {
  const old = await db.get('avatarRefs', jid);
  if ((old?.hash ?? null) === hash) return null;
  if (hash === null) await db.delete('avatarRefs', jid);
  else await db.put('avatarRefs', { jid, hash });
  return CHANGED;
}

/** The image `jid` shows, if any is stored. */
export async function avatarOf(db: ParleyDb, jid: string): Promise<AvatarRecord | undefined> {
  const tx = db.transaction(['avatarRefs', 'avatars']);
  const ref = await tx.objectStore('avatarRefs').get(jid);
  return ref && tx.objectStore('avatars').get(ref.hash);
}
