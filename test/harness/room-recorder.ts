/** Stands in for the MUC plugin where group-chat features are tested alone: records what they ask of it. */
import type { JoinResult } from '../../src/shared/api.js';
import type { RoomJoiner } from '../../src/worker/bookmarks.js';

export class RoomRecorder implements RoomJoiner {
  /** `join ROOM as NICK [with PASSWORD]`, `leave ROOM`, in order. */
  calls: string[] = [];
  /** Rooms joined now. */
  now = new Set<string>();

  async join(room: string, nick: string, options?: { password?: string }): Promise<JoinResult> {
    this.calls.push(`join ${room} as ${nick}${options?.password ? ` with ${options.password}` : ''}`);
    this.now.add(room);
    return { status: 'joined', nick, created: false };
  }

  async leave(room: string): Promise<void> {
    this.calls.push(`leave ${room}`);
    this.now.delete(room);
  }

  joined = (): string[] => [...this.now];
}
