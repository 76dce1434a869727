import type { Card } from './card.js';
import type { DataForm, FormValues } from './form-model.js';
import type { Affiliation, ChatState, ChatStateNote, ContactTime, MessageRecord, Role, Show } from './records.js';
import type { WebPushSubscription } from './push.js';

/**
 * Connection state as every page shows it. `waiting`: another worker of this origin (another deploy
 * or `worker-url`) owns the account's connection; `error` says whether this one takes over later.
 */
export type ConnectionState = 'logged-out' | 'connecting' | 'online' | 'offline' | 'waiting';

export interface Status {
  state: ConnectionState;
  jid?: string;
  /** Why the last login or connection attempt failed, or why this worker waits, in words for the user. */
  error?: string;
  /** What is going wrong while the session runs and loses data until it is solved (storage full), in words for the user. */
  warning?: string;
  /** Which worker says so: two workers of one origin share the events channel, and a page heeds its own. */
  worker?: string;
  /**
   * Counts the worker's announcements: its answer to `status()` and its events travel on different
   * channels and may arrive in either order, so a page keeps the newest.
   */
  seq?: number;
}

export interface LoginOptions {
  jid: string;
  password: string;
  /** WebSocket URL (RFC 7395), e.g. wss://example.org/xmpp-websocket. */
  service: string;
  /** PLAIN sends the password itself; only when the page says so. */
  allowPlain?: boolean;
  /** Credentials over unencrypted ws:// to a server that is not on this machine; only when the page says so. */
  allowInsecure?: boolean;
  resource?: string;
}

/** Which stored data changed in one worker transaction. */
export interface Change {
  stores: string[];
  /** Conversations whose messages changed. */
  conversations?: string[];
  /**
   * Messages this change stored for the first time, when there are few (see ChangeBatch): a page
   * shows them from here at once instead of after reading them back.
   */
  added?: MessageRecord[];
}

/** Everything the worker tells pages, on the `parley` BroadcastChannel. */
export type WorkerEvent =
  | { type: 'change'; change: Change }
  | { type: 'status'; status: Status }
  /** A contact's chat state (XEP-0085): transient, never stored; `chatStates()` gives the current ones. */
  | { type: 'chatState'; jid: string; note: ChatStateNote };

export const EVENTS_CHANNEL = 'parley';

/**
 * The name of a dedicated worker started by a tab that took the lead from a frozen one: it takes the
 * account's lock by force (the frozen worker cannot release it), and the frozen one stops when it thaws.
 */
export const TAKEOVER_WORKER_NAME = 'parley-takeover';

/** How a join ended. */
export type JoinResult =
  | { status: 'joined'; nick: string; /** We created the room (status 201). */ created: boolean }
  | { status: 'nick-conflict'; /** A nick to offer instead. */ suggestion: string }
  | { status: 'password-required' }
  | { status: 'banned' }
  | { status: 'members-only' }
  | { status: 'not-allowed'; text?: string }
  | { status: 'full' }
  | { status: 'error'; text: string };

export interface RoomListing {
  jid: string;
  name?: string;
  /** muc#roominfo_occupants where the room tells it (asked of each room by disco#info). */
  occupants?: number;
}

/** A server's account creation form (XEP-0077), as `<parley-form>` shows it. */
export interface RegistrationForm {
  /** The server's data form, or its legacy fields made one; a CAPTCHA's image is a field's `media`. */
  form: DataForm;
  /** Where the server sends people to create an account instead (http or https), if it does. */
  url?: string;
}

/** The commands a page can give. Data is read from IndexedDB, not through this. */
export interface ParleyApi {
  status(): Promise<Status>;
  /** Resolves once online; rejects with the reason (wrong password, unreachable server, …). */
  login(options: LoginOptions): Promise<void>;
  /** Ends the session and deletes everything stored for the account. */
  logout(): Promise<void>;
  /**
   * XEP-0077: opens a stream of its own to `domain` at `service` (no login) and returns the server's
   * account creation form; the stream waits for `register` (or `cancelRegistration`).
   */
  registrationForm(options: { service: string; domain: string; allowInsecure?: boolean }): Promise<RegistrationForm>;
  /**
   * Answers that form with the values `<parley-form>` emitted; resolves with the new account's bare
   * JID (then log in with it). A refusal (name taken, wrong CAPTCHA…) rejects in words for the user
   * and leaves the form open for another answer. Nothing is stored.
   */
  register(values: FormValues): Promise<string>;
  cancelRegistration(): Promise<void>;
  /** Changes our password on the server, then logs in again with it, so what is stored for reconnecting works. */
  changePassword(password: string): Promise<void>;
  /** Removes our account from the server; then everything stored goes, as at logout. */
  removeAccount(): Promise<void>;
  /**
   * Stores the message, then sends it; resolves with its origin-id. `id`, chosen by the page (a
   * UUID), becomes the origin-id: calling again with the same id after a lost answer (the tab
   * running the worker closed mid-call) stores and sends nothing new.
   */
  send(to: string, body: string, id?: string): Promise<string>;
  /** XEP-0461: sends `body` as a reply to the stored message `key` of `conversation`, quoting it; `id` as in send. */
  reply(conversation: string, key: string, body: string, id?: string): Promise<string>;
  /** XEP-0444: sets our whole set of reactions to the stored message `key` (empty removes ours); queued while offline. */
  react(conversation: string, key: string, emojis: string[]): Promise<void>;
  addContact(jid: string, name?: string): Promise<void>;
  removeContact(jid: string): Promise<void>;
  /** Lets them see our presence, and asks for theirs if we do not have it yet. */
  approve(jid: string): Promise<void>;
  deny(jid: string): Promise<void>;
  /** Revokes their subscription to our presence. */
  cancelSubscription(jid: string): Promise<void>;
  setPresence(show?: Show, status?: string): Promise<void>;
  /**
   * The user saw the conversation up to its incoming message `upTo` (a stored key: the newest one on
   * screen), or all of it without one. Unread drops to what came after it; the contact is told (XEP-0333).
   */
  markRead(conversation: string, upTo?: string): Promise<void>;
  /** A page became visible or hidden (or went away); the client is active while any page is visible. */
  pageVisible(page: string, visible: boolean): Promise<void>;
  /** What the user is doing in a conversation (XEP-0085); ignored while offline. */
  setChatState(to: string, state: ChatState): Promise<void>;
  /** Contacts' current chat states by bare JID (later ones come as `chatState` events). */
  chatStates(): Promise<Record<string, ChatStateNote>>;
  /** Fetches older messages of a conversation from the server archive; true when there are no more. */
  loadOlder(conversation: string): Promise<boolean>;
  /** Replaces the text of our last message in a conversation (XEP-0308); refuses any other message. Queued while offline. */
  correct(conversation: string, key: string, body: string): Promise<void>;
  /** Retracts one of our messages (XEP-0424): its text is deleted here and the contact is asked to delete it (queued while offline). */
  retract(conversation: string, key: string): Promise<void>;
  /** Push (XEP-0357): the VAPID public key of the push gateway `gateway` (a component address), to subscribe the browser with. */
  pushKey(gateway: string): Promise<string>;
  /** Registers the browser's push subscription with the gateway and enables it on our server. */
  pushEnable(gateway: string, subscription: WebPushSubscription): Promise<void>;
  /** Disables push on our server. */
  pushDisable(): Promise<void>;
  /** No notifications for a conversation, or again. */
  mute(conversation: string, muted: boolean): Promise<void>;
  /** XEP-0045: enters `room` as `nick`; the answer says whether we are in, or why not. A room joined is bookmarked (XEP-0402) to be joined at login. */
  joinRoom(room: string, nick: string, password?: string): Promise<JoinResult>;
  /**
   * Joins `room`, and if that created it, configures it: `config` (field var → values) in place of
   * the room's defaults, or its defaults as they are (an instant room).
   */
  createRoom(room: string, nick: string, config?: Record<string, string[]>): Promise<JoinResult>;
  /** Leaves the room for good: its bookmark goes too, and its MUC-Sub subscription. */
  leaveRoom(room: string): Promise<void>;
  /** Changes the room's configuration (owners): field var → values. */
  configureRoom(room: string, config: Record<string, string[]>): Promise<void>;
  setSubject(room: string, subject: string): Promise<void>;
  changeNick(room: string, nick: string): Promise<void>;
  /** Kick is role 'none'; voice is 'participant', taking it 'visitor'; 'moderator'. */
  setRole(room: string, nick: string, role: Role, reason?: string): Promise<void>;
  /** Ban is 'outcast'; 'member', 'admin', 'owner'; 'none' takes any away. */
  setAffiliation(room: string, jid: string, affiliation: Affiliation, reason?: string): Promise<void>;
  destroyRoom(room: string, reason?: string): Promise<void>;
  /** Rooms on a conference service (default: conference.<our domain>). */
  discoverRooms(service?: string): Promise<RoomListing[]>;
  /** XEP-0425: as a moderator, takes back the stored room message `key` for everyone. */
  moderate(room: string, key: string, reason?: string): Promise<void>;
  /** XEP-0191: blocks `jid` (with a spam report, XEP-0377, when `report` and the server takes them); their request goes. */
  block(jid: string, report?: boolean): Promise<void>;
  unblock(jid: string): Promise<void>;
  /** Whether our server offers blocking and reporting (known once online). */
  blockingSupport(): Promise<{ blocking: boolean; reporting: boolean }>;
  /**
   * XEP-0156: the WebSocket URL of the address's (or a bare domain's) server, from its domain's host-meta (served at
   * `origin`, by default `https://<domain>`); rejects with what was wrong.
   */
  discover(jid: string, origin?: string): Promise<string>;
  /** XEP-0202: a contact's clock, from their most available resource; null when they are offline or do not say. */
  contactTime(jid: string): Promise<ContactTime | null>;
  // People (names, avatars, cards): what others see of us.
  /** Publishes our nickname (XEP-0172), shown to contacts who gave us no name. */
  setNick(nick: string): Promise<void>;
  /** Publishes our avatar (XEP-0084): an image the page cropped and sized (`squareAvatar`); refuses one that is no image or over 1 MB. */
  setAvatar(image: ArrayBuffer, size: { width: number; height: number }): Promise<void>;
  /** A contact's card (or ours): vCard4 (XEP-0292), else vcard-temp (XEP-0054); fields are plain text. */
  card(jid: string): Promise<Card>;
  /** Publishes our card as vCard4. */
  setCard(card: Card): Promise<void>;
  /** Our server's upload limit in bytes (XEP-0363); null without an upload service, undefined when it states none. */
  uploadLimit(): Promise<number | null | undefined>;
  /** A slot for a file (the page PUTs it, see `uploadFile`); rejects a file over the limit before asking. */
  uploadSlot(file: { name: string; size: number; type: string }): Promise<UploadSlot>;
  /** Sends a shared file's URL as the body, with XEP-0066 data naming it; resolves with its origin-id. */
  sendFile(to: string, url: string): Promise<string>;
  // Group chat beyond joining: forms cross as plain data (the worker parses the server's form with
  // `parseForm`, src/shared/forms.ts; a page shows it in `<parley-form>` and the values it emits are
  // answered with `buildSubmit`). Bookmarks and invitations are read from storage (`listBookmarks`,
  // `listInvitations`).
  /** The room's configuration form (XEP-0045 §10.2), for its owner. */
  roomConfig(room: string): Promise<DataForm>;
  /** Answers it with the values `<parley-form>` emitted; rejects with what is wrong with them. */
  submitRoomConfig(room: string, values: FormValues): Promise<void>;
  /** Invites `jid` to `room`: directly (XEP-0249), or through the room (`mediated`, for members-only rooms). */
  invite(room: string, jid: string, options?: { reason?: string; password?: string; mediated?: boolean }): Promise<void>;
  /** Joins the room of a stored invitation as `nick` (bookmarking it); the request goes. Rejects with why the room refused. */
  acceptInvitation(room: string, nick: string): Promise<void>;
  /** Tells the inviter no (through the room for a mediated invitation); the request goes. */
  declineInvitation(room: string, reason?: string): Promise<void>;
  /** MUC-Sub (ejabberd): a room's messages and subject without joining it. */
  subscribeRoom(room: string, nick: string, password?: string): Promise<void>;
  unsubscribeRoom(room: string): Promise<void>;
  roomSubscriptions(): Promise<MucSubscription[]>;
  /** Whether a room, or a MUC service (for a room not made yet), offers MUC-Sub. */
  canSubscribe(jid: string): Promise<boolean>;
}

/** Where to PUT a file and with which headers, and the URL it is then shared by (XEP-0363). */
export interface UploadSlot {
  put: string;
  get: string;
  headers: Record<string, string>;
}

/** A room we receive through MUC-Sub (ejabberd), as its MUC service lists it. */
export interface MucSubscription {
  room: string;
  nick?: string;
  /** The nodes subscribed to (messages, subject…). */
  events: string[];
}
