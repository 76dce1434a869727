/**
 * The rooms we are in right now (XEP-0045), as the envelope stage needs them: a group chat message
 * is believed only from one of these, and our own is recognised by our nick or, where the room
 * offers XEP-0421, our occupant-id (a room that gave us one strips forged ones, so only then is an
 * occupant-id trusted). The MUC plugin keeps it; the session's envelope stage reads it.
 */
import { bareJid } from '../shared/jid.js';

export interface JoinedRoom {
  nick: string;
  /** Ours in this room; set only when the room offers occupant-ids. */
  occupantId?: string;
  /** The room's archive was caught up after joining: what waits in the outbox for it may go. */
  synced?: boolean;
}

export class JoinedRooms {
  private readonly rooms = new Map<string, JoinedRoom>();
  /**
   * MUC-Sub (mucsub.ts keeps it): the rooms whose messages we get without being in them, by bare
   * JID, with our nick there ('' when the service did not say).
   */
  readonly subscribed = new Map<string, string>();

  get(room: string): JoinedRoom | undefined {
    return this.rooms.get(bareJid(room));
  }

  set(room: string, joined: JoinedRoom): void {
    this.rooms.set(bareJid(room), joined);
  }

  delete(room: string): void {
    this.rooms.delete(bareJid(room));
  }

  /** A room whose archive we read: one we are in, else one we subscribed to (known by our nick there). */
  reading(room: string): JoinedRoom | undefined {
    const nick = this.subscribed.get(bareJid(room));
    return this.get(room) ?? (nick === undefined ? undefined : { nick });
  }

  list(): string[] {
    return [...this.rooms.keys()];
  }

  clear(): void {
    this.rooms.clear();
  }
}

/** Who wrote a message in a room, for edits it may make and for recognising our own. */
export function occupantAuthor(
  joined: JoinedRoom,
  from: string,
  claims: { occupantId?: string; realJid?: string },
  ownJid: string,
): { ours: boolean; author: string } {
  const room = bareJid(from);
  const nick = from.slice(room.length + 1);
  // Only a room that gave us an occupant-id vouches for those of others.
  const id = joined.occupantId ? claims.occupantId : undefined;
  const ours = joined.occupantId && id ? id === joined.occupantId : claims.realJid ? bareJid(claims.realJid) === ownJid : nick === joined.nick;
  if (ours) return { ours: true, author: ownJid };
  return { ours: false, author: id ? `occupant-id:${id}` : from };
}
