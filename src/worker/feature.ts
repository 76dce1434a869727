/**
 * What a feature module adds to what others see of Parley, declared in the module itself: caps.ts
 * collects every feature's declaration (features.ts lists the modules) into our disco#info and its
 * XEP-0115 hash, and the service exposes every feature's API methods to pages, instead of one list
 * edited for each new feature. A feature's stores, indexes and migrations are declared by its
 * storage module the same way (src/storage/db.ts, `SchemaPart`).
 */
import type { Change } from '../shared/api.js';
import type { ParleyDb } from '../storage/db.js';
import type { BlockingPlugin } from './blocking.js';
import type { BookmarksPlugin, RoomJoiner } from './bookmarks.js';
import type { InvitationsPlugin } from './invitations.js';
import type { MucSubPlugin } from './mucsub.js';
import type { CapsPlugin } from './caps.js';
import type { ChatStatePlugin } from './chatstates.js';
import type { CorrectionPlugin } from './correction.js';
import type { CsiPlugin } from './csi.js';
import type { EntityTimePlugin } from './entity-time.js';
import type { MamPlugin } from './mam.js';
import type { MarkersPlugin } from './markers.js';
import type { MdsPlugin } from './mds.js';
import type { MessagePlugin } from './message.js';
import type { ModerationPlugin } from './moderation.js';
import type { MucPlugin } from './muc.js';
import type { NickPlugin } from './nick.js';
import type { AvatarPlugin } from './avatar.js';
import type { PresencePlugin } from './presence.js';
import type { PushPlugin } from './push.js';
import type { ReactionPlugin } from './reactions.js';
import type { ReplyPlugin } from './replies.js';
import type { RetractionPlugin } from './retraction.js';
import type { RosterPlugin } from './roster.js';
import type { Session } from './session.js';
import type { UploadPlugin } from './upload.js';
import type { CardPlugin } from './vcard.js';

export interface Feature<Api extends object = object> {
  /** XEP-0030 features it supports, answered in disco#info. */
  readonly disco?: readonly string[];
  /** PEP nodes (XEP-0163) whose notifications it wants: announced as `<node>+notify`. */
  readonly notify?: readonly string[];
  /**
   * Commands it gives pages (their contract is ParleyApi, src/shared/api.ts), made once per worker.
   * Each runs as a command of the service: after any login, logout or restore under way, against
   * one whole session.
   */
  readonly api?: (ctx: ApiContext) => Api;
}

/** The plugins of the session running now (service.ts makes them, in order). */
export interface Running {
  session: Session;
  caps: CapsPlugin;
  roster: RosterPlugin;
  presence: PresencePlugin;
  mam: MamPlugin;
  messages: MessagePlugin;
  csi: CsiPlugin;
  chatStates: ChatStatePlugin;
  reactions: ReactionPlugin;
  replies: ReplyPlugin;
  corrections: CorrectionPlugin;
  retractions: RetractionPlugin;
  markers: MarkersPlugin;
  mds: MdsPlugin;
  push: PushPlugin;
  muc: MucPlugin;
  /** Rooms as the user joins and leaves them: bookmarked on joining, the bookmark removed on leaving. */
  rooms: RoomJoiner;
  bookmarks: BookmarksPlugin;
  invitations: InvitationsPlugin;
  mucsub: MucSubPlugin;
  moderation: ModerationPlugin;
  time: EntityTimePlugin;
  blocking: BlockingPlugin;
  nicks: NickPlugin;
  avatars: AvatarPlugin;
  cards: CardPlugin;
  uploads: UploadPlugin;
}

/** What a feature's API methods may use of the service. */
export interface ApiContext {
  readonly db: ParleyDb;
  /** Tells every page what a storage write changed. */
  commit(change: Change | null): void;
  /** The session's plugins, online or not; throws "Not logged in." (or why this worker may not write). */
  plugins(): Running;
  /** The same, and online: throws "You are offline; try again when connected." otherwise. */
  online(): Running;
  /** Whether the session is online now. */
  isOnline(): boolean;
  /** Our bare JID while logged in. */
  account(): string | undefined;
  /** The bare JID a page named (a contact or a room); throws a clear error for anything else. */
  contactJid(jid: string): string;
  /** Whether `jid` is a room we know (joined or left, still stored). */
  isRoom(jid: string): Promise<boolean>;
}

/** `value` when it is one of `allowed` (a page's argument crosses no type check). */
export function oneOf<T extends string>(value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new Error(`"${String(value)}" is not one of ${allowed.join(', ')}.`);
  return value;
}
