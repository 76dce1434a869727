/** What IndexedDB holds. The worker writes these; pages only read them. */

export type Subscription = 'none' | 'to' | 'from' | 'both';
export type Show = 'chat' | 'away' | 'xa' | 'dnd';

export interface StoredKeys {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-1';
  salt: string;
  iterations: number;
  clientKey: string;
  serverKey: string;
}

/** A FAST token (XEP-0484): logs in without the password until it expires or the password changes. */
export interface FastTokenRecord {
  mechanism: string;
  token: string;
  expiry: string;
}

export interface AccountRecord {
  key: 'current';
  jid: string;
  service: string;
  resource: string;
  /** XEP-0388 user-agent id, the same for every login from this install. */
  agentId: string;
  /** Where the server offers FAST, its token; else SCRAM-derived keys; never the password. Neither after a PLAIN login. */
  fast?: FastTokenRecord;
  keys?: StoredKeys;
  allowPlain: boolean;
  /** The page allowed ws:// to a server that is not on this machine. */
  allowInsecure?: boolean;
  presence: { show?: Show; status?: string };
  /** Push wakeups (XEP-0357) enabled through this gateway, with the node it gave this browser. */
  push?: PushRecord;
}

export interface PushRecord {
  /** The gateway component's address. */
  gateway: string;
  node: string;
  /** The browser's push endpoint it was registered for. */
  endpoint: string;
}

export interface RosterItem {
  jid: string;
  name?: string;
  groups: string[];
  subscription: Subscription;
  /** We asked to see their presence and they have not answered yet. */
  pendingOut: boolean;
}

/** An incoming subscription request waiting for the user's answer. */
/** A contact's own nickname (XEP-0172). */
export interface NickRecord {
  jid: string;
  nick: string;
}

/** An avatar image, checked: `hash` is the SHA-1 (hex) of `data`, an image of type `type`. */
export interface AvatarRecord {
  hash: string;
  type: string;
  data: ArrayBuffer;
}

/** Who shows which avatar. */
export interface AvatarRef {
  jid: string;
  hash: string;
}

export interface SubscriptionRequest {
  jid: string;
  ts: number;
}

export interface PresenceRecord {
  jid: string;
  resource: string;
  show?: Show;
  status?: string;
  priority: number;
  /** XEP-0319: since when this resource's user has been away from it (ms since the epoch). */
  idleSince?: number;
}

/** When a contact was last seen online: their last unavailable presence, or the idle time it gave (XEP-0319). */
export interface LastSeenRecord {
  jid: string;
  ts: number;
}

/** A JID on our blocklist (XEP-0191): a bare JID, a domain or a full JID, as the server keeps it. */
export interface BlockedRecord {
  jid: string;
}

/** A contact's clock (XEP-0202): UTC in ms since the epoch, and their offset east of UTC in minutes. */
export interface ContactTime {
  utc: number;
  offset: number;
}

export type Direction = 'in' | 'out';
/**
 * Outgoing: pending (stored, not acked) → sent (server acked) → delivered (receipt) → displayed
 * (the contact saw it, XEP-0333). Incoming: received.
 */
export type MessageState = 'pending' | 'sent' | 'delivered' | 'displayed' | 'received';

/**
 * Who made an edit (correction, reaction) and what it did, to recognise it when it comes again
 * (see src/storage/identity.ts): our server's stanza-id for it, the sender's id, and its effect.
 */
export interface EditRef {
  stanzaId?: string;
  id?: string;
  effect: string;
}

export interface MessageRecord {
  /**
   * Local primary key, unique and meaningless. Messages we send: `<conversation> out <origin-id>`,
   * the UUID we made. Everything received: a generated id; finding a stored copy goes by stanza-id
   * or by [conversation, direction, id] (src/storage/identity.ts).
   */
  key: string;
  conversation: string;
  direction: Direction;
  from: string;
  body: string;
  ts: number;
  /** The stanza's own `id` (its origin-id when it has none), which XEP-0333/0308/0444 refer to in one-to-one chats. */
  id?: string;
  /** The sender asked for chat markers (XEP-0333). */
  markable?: boolean;
  originId?: string;
  stanzaId?: string;
  state: MessageState;
  /** XEP-0461: the message this one answers (`key` when we sent it and know the original's key). */
  replyTo?: { id: string; to?: string; key?: string };
  /** XEP-0428: UTF-16 offsets of the reply's quote in `body`, hidden when the original is shown. */
  fallback?: { start: number; end: number };
  /** A file shared by its URL, the body (XEP-0066, XEP-0363): shown as the file, not as text. */
  oob?: string;
  /** XEP-0444: emoji → bare JIDs of who reacted with it; each sender's latest set only. */
  reactions?: Record<string, string[]>;
  /** Earlier texts of a corrected message (XEP-0308), oldest first, each with when it was replaced. */
  edits?: { body: string; ts: number }[];
  /** Retracted by its sender (XEP-0424): `body` is empty and `edits` gone; only the fact remains. */
  retracted?: boolean;
  retractedTs?: number;
  /** Corrections and reactions already applied to it, newest last, so a replay changes nothing. */
  applied?: EditRef[];
  /**
   * In a room: who may edit it (XEP-0421 `occupant-id:<id>` where the room offers it, else the
   * occupant's full JID in the room; our bare JID for ours), and the nick it was said under.
   */
  author?: string;
  nick?: string;
  /** In a room: it names our nick (counted apart from ordinary unread). */
  mention?: boolean;
  /** XEP-0425: a room moderator took it back (`body` is empty, as retracted): who, and why. */
  moderated?: { by: string; reason?: string };
}

/** XEP-0085. */
export type ChatState = 'active' | 'composing' | 'paused' | 'inactive' | 'gone';

export interface ConversationRecord {
  jid: string;
  lastTs: number;
  /** The newest message; `fallback` as in MessageRecord, so the preview can leave the reply quote out. */
  last?: { body: string; direction: Direction; fallback?: { start: number; end: number } };
  unread: number;
  /** No notifications for it (push). */
  muted?: boolean;
  /** Unread messages that name our nick in a room (also counted in `unread`). */
  mentions?: number;
}

/** XEP-0045 roles and affiliations. */
export type Role = 'moderator' | 'participant' | 'visitor' | 'none';
export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none';

/** A room the user is in (or wants to be in again after a new session): kept until they leave it. */
export interface RoomRecord {
  jid: string;
  nick: string;
  password?: string;
  /** What the room told us: its name (disco), subject, and who set it. */
  name?: string;
  subject?: string;
  subjectBy?: string;
  /** `joined` once the room accepted us in this session; `joining` while we wait; `out` after a drop. */
  state: 'joining' | 'joined' | 'out';
  /** Why we are out of it (kicked, banned, the room was destroyed…), in words for the user. */
  reason?: string;
  role?: Role;
  affiliation?: Affiliation;
  /** Ours in the room (XEP-0421), when it offers them: a worker taking over the stream needs it. */
  occupantId?: string;
  /** MUC-Sub (ejabberd): its messages come to us whether we are in it or not. */
  subscribed?: boolean;
}

/**
 * One occupant of a room as its presence says. Transient like contacts' presence: stored so pages
 * render the list without asking the worker, and cleared for a room when we leave it or go offline.
 */
export interface OccupantRecord {
  room: string;
  nick: string;
  role: Role;
  affiliation: Affiliation;
  /** The real JID where the room shows it (non-anonymous rooms, or to moderators). */
  jid?: string;
  occupantId?: string;
  show?: Show;
}

/** A contact's last chat state and when it came (typing goes stale if they vanish). Kept in memory only. */
export interface ChatStateNote {
  state: ChatState;
  ts: number;
}

/** A reply waiting to be sent: whom and what it answers, and its quote's end in code points (XEP-0426). */
export interface OutgoingReply {
  to: string;
  id: string;
  key?: string;
  end: number;
}

interface OutboxBase {
  /** The stanza's id and origin-id (XEP-0359); for a message, chosen by the page that sent it. */
  originId: string;
  to: string;
  /** Sending order, shared by messages and edits. */
  ts: number;
  /** Stream-management stream and sequence number it was last sent as, to settle it on resumption. */
  sm?: { id: string; seq: number };
  /** To a room (XEP-0045): sent as `groupchat`; the room's reflection of it is its acknowledgement. */
  groupchat?: true;
  /** To an occupant of a room (`to` is its full JID): a private message, marked as one (XEP-0045 §7.5). */
  occupant?: true;
}

/** A message waiting to be sent (no `kind`: records stored before edits were queued). */
export interface OutgoingMessage extends OutboxBase {
  kind?: 'message';
  body: string;
  /** XEP-0461: sent as a reply. */
  reply?: OutgoingReply;
  /** The body is a shared file's URL, sent with XEP-0066 too. */
  oob?: true;
}

/** XEP-0308: the new text of the message whose id is `replaceId`. */
export interface OutgoingCorrection extends OutboxBase {
  kind: 'correction';
  replaceId: string;
  body: string;
}

/** XEP-0424: take back the message whose id is `retractId`. */
export interface OutgoingRetraction extends OutboxBase {
  kind: 'retraction';
  retractId: string;
}

/** XEP-0444: our whole set of reactions to the message whose id is `target`. */
export interface OutgoingReactions extends OutboxBase {
  kind: 'reactions';
  target: string;
  emojis: string[];
}

/** What waits in the outbox, sent in `ts` order and removed once the server has it. */
export type OutboxRecord = OutgoingMessage | OutgoingCorrection | OutgoingRetraction | OutgoingReactions;

/**
 * What is known of one archive (XEP-0313; keyed by its JID: our bare JID, later each room): where
 * forward sync resumes, and the holes in what is stored. Only archive pages move `last`, never a
 * live message: a live message says nothing about what came before it.
 */
export interface ArchiveSync {
  key: `archive:${string}`;
  /** The newest archive id stored from a contiguous run of pages; none before the first page. */
  last?: string;
  /** Without `last`: sync found the archive empty, so all it holds later is new. */
  emptied?: true;
  /** Holes between runs, oldest first. */
  gaps: ArchiveGap[];
}

/**
 * A hole: the server no longer knew where we had stopped (its archive expired), so sync took the
 * newest messages instead. What lies between is fetched per conversation as the user pages back.
 */
export interface ArchiveGap {
  /** The archive id sync had stopped at, which the server no longer knew: names the hole. */
  forgotten: string;
  /** Archive id of the oldest message of the run above the hole, and its stored time. */
  above: string;
  ts: number;
  /**
   * Stored time of the message the forgotten cursor named: paging back has crossed the hole when it
   * meets a stored message no newer (live messages stored above it prove nothing). Unset when that
   * message is not stored: then any stored message.
   */
  below?: number;
  /** Per conversation paging back into the hole: the oldest archive id fetched so far, and its stored time. */
  progress: Record<string, { id: string; ts: number }>;
  /** Conversations that paged back across the hole (met what was stored below it, or the archive's start). */
  crossed: string[];
}

/** Enough of a XEP-0198 stream to resume it from a new worker. */
export interface SmState {
  key: 'sm';
  id: string;
  /** Full JID the stream was bound to. */
  jid: string;
  inbound: number;
  outbound: number;
}

/** Per conversation: the start of the archive was reached paging back. */
export interface ArchiveStart {
  key: `start:${string}`;
}

export type StateRecord = ArchiveSync | SmState | ArchiveStart;

/** A bookmarked room (XEP-0402, or XEP-0048 where the server keeps those), keyed by its bare JID. */
export interface BookmarkRecord {
  jid: string;
  name?: string;
  /** Join it at login. */
  autojoin: boolean;
  nick?: string;
  password?: string;
}

/**
 * An invitation to a room waiting for the user's answer, one per room (the newest). `direct`
 * (XEP-0249): the inviter sent it, and it is only their suggestion; `mediated` (XEP-0045): the
 * room relayed it, naming the inviter.
 */
export interface InvitationRecord {
  room: string;
  kind: 'direct' | 'mediated';
  /**
   * Who invites: a bare JID; for a mediated one from a room that hides real JIDs, the inviter's
   * occupant JID (`room/nick`).
   */
  from: string;
  reason?: string;
  password?: string;
  ts: number;
}
