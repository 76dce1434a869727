/**
 * A device running the bookmarks and invitations plugins in a real page: a real session over WebSocket,
 * real IndexedDB, the real roster, caps (announcing `+notify`) and presence plugins. The MUC plugin is
 * stood in for by a recorder of what they ask of it, for what the app cannot show: which nick and
 * password a join was asked with, what another device or a forger changes. Driven by the e2e tests
 * through `window.parleyPlugins`.
 */
import { listBookmarks } from '../../../src/storage/bookmarks.js';
import { listInvitations } from '../../../src/storage/invitations.js';
import { openParleyDb } from '../../../src/storage/db.js';
import type { BookmarkRecord, InvitationRecord } from '../../../src/shared/records.js';
import { bookmarks, type BookmarksPlugin } from '../../../src/worker/bookmarks.js';
import { caps } from '../../../src/worker/caps.js';
import { invitations, type InvitationsPlugin } from '../../../src/worker/invitations.js';
import { presence } from '../../../src/worker/presence.js';
import { pubsub } from '../../../src/worker/pubsub.js';
import { roster } from '../../../src/worker/roster.js';
import { Session } from '../../../src/worker/session.js';
import { RoomRecorder } from '../room-recorder.js';

/** What the bookmarks plugin asked the MUC plugin to do. */
const rooms = new RoomRecorder();

let session: Session | undefined;
let plugins: { bookmarks: BookmarksPlugin; invitations: InvitationsPlugin } | undefined;
let db: Awaited<ReturnType<typeof openParleyDb>> | undefined;
const logs: string[] = [];

const api = {
  async start({ jid, password, service, dbName }: { jid: string; password: string; service: string; dbName: string }): Promise<void> {
    db ??= await openParleyDb(dbName);
    // Online means every plugin's online work is done, initial presence included: a message to the
    // bare JID before that finds no available resource.
    let online!: () => void;
    const ready = new Promise<void>((resolve) => (online = resolve));
    const s = new Session({
      jid,
      service,
      resource: `plugins-${crypto.randomUUID().slice(0, 6)}`,
      credentials: { username: jid.split('@')[0]!, password, allowPlain: false },
      agentId: crypto.randomUUID(),
      db,
      onToken() {},
      commit() {},
      onState: (state) => state === 'online' && online(),
      onAuthLost() {},
      log: (message, detail) => void logs.push(`${message} ${String(detail ?? '')}`),
    });
    const c = s.use(caps);
    s.use(roster);
    s.use((ctx) => presence(ctx, async () => ({}), async () => [await c.element()]));
    const pep = s.use(pubsub);
    plugins = {
      bookmarks: s.use((ctx) => bookmarks(ctx, pep, rooms)),
      invitations: s.use((ctx) => invitations(ctx, rooms)),
    };
    session = s;
    await s.start();
    await ready;
  },
  async stop(): Promise<void> {
    await session?.stop();
    session = undefined;
  },
  calls: () => [...rooms.calls],
  logs: () => [...logs],
  storedBookmarks: (): Promise<BookmarkRecord[]> => listBookmarks(db!),
  /** The user joined `room` (as the MUC plugin would have), which bookmarks it. */
  bookmarkJoined: (room: string, nick: string, password?: string) => {
    rooms.now.add(room);
    return plugins!.bookmarks.joined(room, nick, password);
  },
  /** The user left `room` for good. */
  forget: (room: string) => {
    rooms.now.delete(room);
    return plugins!.bookmarks.forget(room);
  },
  storedInvitations: (): Promise<InvitationRecord[]> => listInvitations(db!),
  accept: (room: string, nick: string) => plugins!.invitations.accept(room, nick),
};

export type PluginPageApi = typeof api;
(globalThis as unknown as { parleyPlugins: PluginPageApi }).parleyPlugins = api;
