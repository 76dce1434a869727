/**
 * A device running the group-chat plugins of part B (bookmarks, invitations, MUC-Sub) in a real page: a real
 * session over WebSocket, real IndexedDB, the real roster, caps (announcing `+notify`) and presence
 * plugins. The MUC plugin they will be wired to is stood in for by recorders of what they ask of it.
 * Driven by the e2e tests through `window.parleyPlugins`.
 */
import xml from '@xmpp/xml';
import { listBookmarks } from '../../../src/storage/bookmarks.js';
import { listInvitations } from '../../../src/storage/invitations.js';
import { openParleyDb } from '../../../src/storage/db.js';
import type { BookmarkRecord, InvitationRecord } from '../../../src/shared/records.js';
import { bookmarks, type BookmarksPlugin } from '../../../src/worker/bookmarks.js';
import { caps } from '../../../src/worker/caps.js';
import { invitations, type InvitationsPlugin } from '../../../src/worker/invitations.js';
import type { MucSubscription } from '../../../src/shared/api.js';
import { mucsub, type MucSubPlugin, type RoomMessage } from '../../../src/worker/mucsub.js';
import { presence } from '../../../src/worker/presence.js';
import { pubsub } from '../../../src/worker/pubsub.js';
import { roster } from '../../../src/worker/roster.js';
import { Session } from '../../../src/worker/session.js';
import { RoomRecorder } from '../room-recorder.js';

/** What the bookmarks plugin asked the MUC plugin to do. */
const rooms = new RoomRecorder();
/** Room messages MUC-Sub handed on: room, body, archive id, how they came. */
const messages: [string, string, string, string][] = [];
const onRoomMessages = async (batch: RoomMessage[]) => {
  for (const m of batch) messages.push([m.room, m.message.getChildText('body') ?? '', m.archiveId ?? '', m.via]);
};

let session: Session | undefined;
let plugins: { bookmarks: BookmarksPlugin; mucsub: MucSubPlugin; invitations: InvitationsPlugin } | undefined;
let db: Awaited<ReturnType<typeof openParleyDb>> | undefined;
const logs: string[] = [];

const api = {
  async start({ jid, password, service, dbName }: { jid: string; password: string; service: string; dbName: string }): Promise<void> {
    db ??= await openParleyDb(dbName);
    const s = new Session({
      jid,
      service,
      resource: `plugins-${crypto.randomUUID().slice(0, 6)}`,
      credentials: { username: jid.split('@')[0]!, password, allowPlain: false },
      agentId: crypto.randomUUID(),
      db,
      onToken() {},
      commit() {},
      onState() {},
      onAuthLost() {},
      log: (message, detail) => void logs.push(`${message} ${String(detail ?? '')}`),
    });
    const c = s.use(caps);
    s.use(roster);
    s.use((ctx) => presence(ctx, async () => ({}), async () => [await c.element()]));
    const pep = s.use(pubsub);
    plugins = {
      bookmarks: s.use((ctx) => bookmarks(ctx, pep, rooms)),
      mucsub: s.use((ctx) => mucsub(ctx, { received: onRoomMessages })),
      invitations: s.use((ctx) => invitations(ctx, rooms)),
    };
    session = s;
    await s.start();
  },
  async stop(): Promise<void> {
    await session?.stop();
    session = undefined;
  },
  calls: () => [...rooms.calls],
  /** Enters `room` as `nick` with a bare MUC presence: what the MUC plugin will do, for tests that need an occupant. */
  enter: (room: string, nick: string) => session!.xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }))),
  messages: () => [...messages],
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
  invite: (...args: Parameters<InvitationsPlugin['invite']>) => plugins!.invitations.invite(...args),
  accept: (room: string, nick: string) => plugins!.invitations.accept(room, nick),
  decline: (room: string, reason?: string) => plugins!.invitations.decline(room, reason),
  subscribe: (room: string, nick: string) => plugins!.mucsub.subscribe(room, nick),
  unsubscribe: (room: string) => plugins!.mucsub.unsubscribe(room),
  subscriptions: (): Promise<MucSubscription[]> => plugins!.mucsub.subscriptions(),
};

export type PluginPageApi = typeof api;
(globalThis as unknown as { parleyPlugins: PluginPageApi }).parleyPlugins = api;
