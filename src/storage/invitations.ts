/**
 * Room invitations waiting for an answer, one per room, stored so pages show them as requests. The
 * worker writes them (src/worker/invitations.ts); pages read them with `listInvitations`.
 */
import type { Change } from '../shared/api.js';
import type { InvitationRecord } from '../shared/records.js';
import type { ParleyDb, SchemaPart } from './db.js';

declare module './db.js' {
  interface ParleySchema {
    invitations: { key: string; value: InvitationRecord };
  }
}

/** Version 8: the invitations store. */
export const INVITATIONS_SCHEMA: SchemaPart = [
  { version: 8, run: (db) => {
    db.createObjectStore('invitations', { keyPath: 'room' });
  } },
];

const CHANGED: Change = { stores: ['invitations'] };

/** Waiting invitations, newest first. */
export async function listInvitations(db: ParleyDb): Promise<InvitationRecord[]> {
  return (await db.getAll('invitations')).sort((a, b) => b.ts - a.ts);
}

export function getInvitation(db: ParleyDb, room: string): Promise<InvitationRecord | undefined> {
  return db.get('invitations', room);
}

export async function putInvitation(db: ParleyDb, invitation: InvitationRecord): Promise<Change> {
  await db.put('invitations', invitation);
  return CHANGED;
}

/** Answered (accepted or declined): the request goes. */
export async function deleteInvitation(db: ParleyDb, room: string): Promise<Change> {
  await db.delete('invitations', room);
  return CHANGED;
}
