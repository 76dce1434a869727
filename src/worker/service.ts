/**
 * The worker's side of the Comlink API: one account, one session, shared by every page.
 * Pages read IndexedDB themselves; this tells them what changed on the `parley` BroadcastChannel.
 */
import { bareJid, isBareJid, resourceOf } from '../shared/jid.js';
import { EVENTS_CHANNEL, type Change, type JoinResult, type LoginOptions, type ParleyApi, type RoomListing, type Status, type UploadSlot, type WorkerEvent } from '../shared/api.js';
import type { AccountRecord, Affiliation, ChatState, ChatStateNote, ContactTime, FastTokenRecord, Role, Show } from '../shared/records.js';
import type { AuthResult } from './auth.js';
import { getAccount, listContacts } from '../storage/read.js';
import { DB_NAME, openParleyDb, type ParleyDb } from '../storage/db.js';
import { clearAll, markRead, removeRequest, saveAccount, setMuted } from '../storage/write.js';
import type { WebPushSubscription } from '../shared/push.js';
import { LoginError, transportRefusal } from './auth.js';
import { carbons } from './carbons.js';
import { chatStates, type ChatStatePlugin } from './chatstates.js';
import { corrections, type CorrectionPlugin } from './correction.js';
import { retractions, type RetractionPlugin } from './retraction.js';
import { csi, Visibility, type CsiPlugin } from './csi.js';
import { blocking, type BlockingPlugin, type BlockingSupport } from './blocking.js';
import { caps } from './caps.js';
import { discoverWebSocket } from './host-meta.js';
import { entityTime, type EntityTimePlugin } from './entity-time.js';
import { buildIdle } from './idle.js';
import { softwareVersion } from './software-version.js';
import { markers, type MarkersPlugin } from './markers.js';
import { mds, type MdsPlugin } from './mds.js';
import { nicks, type NickPlugin } from './nick.js';
import { avatars, type AvatarPlugin } from './avatar.js';
import { cards, type CardPlugin } from './vcard.js';
import type { Card } from '../shared/card.js';
import { isWebUrl } from '../shared/attachment.js';
import { uploads, type UploadPlugin } from './upload.js';
import { mam, type MamPlugin } from './mam.js';
import { messages, type MessagePlugin } from './message.js';
import { moderation, type ModerationPlugin } from './moderation.js';
import { muc, type MucPlugin } from './muc.js';
import { outbox } from './outbox.js';
import { presence, type PresencePlugin } from './presence.js';
import { pubsub } from './pubsub.js';
import { gatewayAddress, push, type PushPlugin } from './push.js';
import { reactions, type ReactionPlugin } from './reactions.js';
import { receipts } from './receipts.js';
import { replies, type ReplyPlugin } from './replies.js';
import { roster, type RosterPlugin } from './roster.js';
import { AccountOwner } from './lock.js';
import { alsoArchived } from './plugin.js';
import { Session } from './session.js';

interface Running {
  session: Session;
  roster: RosterPlugin;
  presence: PresencePlugin;
  mam: MamPlugin;
  messages: MessagePlugin;
  csi?: CsiPlugin;
  chatStates?: ChatStatePlugin;
  reactions?: ReactionPlugin;
  replies?: ReplyPlugin;
  corrections?: CorrectionPlugin;
  retractions?: RetractionPlugin;
  markers?: MarkersPlugin;
  mds?: MdsPlugin;
  push?: PushPlugin;
  muc?: MucPlugin;
  moderation?: ModerationPlugin;
  time?: EntityTimePlugin;
  blocking?: BlockingPlugin;
  people?: { nicks: NickPlugin; avatars: AvatarPlugin; cards: CardPlugin; uploads: UploadPlugin };
}

const CHANGE_BATCH_MS = 16;
/** A page shown again checks the rooms at most this often. */
const CHECK_ON_LOOK_MS = 5_000;

const WAITING = 'Parley is connected in another window of this site; this one takes over when that one closes.';
const NEWER = 'A newer version of Parley took over: reload this page.';
const UPDATED = 'Parley was updated: reload this page.';
const STOLEN = 'Another tab took over the Parley connection.';

function log(message: string, detail?: unknown): void {
  console.warn(`[parley] ${message}`, detail ?? '');
}

export class ParleyService implements ParleyApi {
  private readonly channel = new BroadcastChannel(EVENTS_CHANNEL);
  /** Tells this worker's pages apart from another worker's (two deploys share the channel). */
  private readonly id = crypto.randomUUID();
  private current: Status = { state: 'logged-out' };
  private running: Running | undefined;
  private readonly visibility = new Visibility();
  private pending = { stores: new Set<string>(), conversations: new Set<string>() };
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Serialises login/logout/restore so two tabs cannot start two sessions. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  /** Commands running now: a login or logout waits for them, and they wait for it. */
  private readonly commands = new Set<Promise<unknown>>();
  /** Counts logins and logouts: a restore that waited for the lock is void once one happened. */
  private generation = 0;
  /** Ends a wait for the account's lock (a login or logout here comes first). */
  private waitAbort: AbortController | undefined;
  private readonly owner = new AccountOwner(() => this.retire(NEWER), () => this.retire(STOLEN, { stolen: true }));
  /** Why this worker no longer serves (a newer one took over); it never serves again. */
  private retired: string | undefined;
  private markKnown!: () => void;
  /** Settles once the stored account was read: until then this worker cannot say who is logged in. */
  private readonly known = new Promise<void>((resolve) => (this.markKnown = resolve));
  private markRestored!: () => void;
  /**
   * Settles once the restore at start has its session, or failed, or waits for another worker's lock:
   * a command that arrives while a tab takes over (sent the moment the old leader stopped answering)
   * runs against the restored session instead of failing with "Not logged in".
   */
  private readonly restoring = new Promise<void>((resolve) => (this.markRestored = resolve));

  private constructor(
    private readonly db: ParleyDb,
    /** Take the account's lock by force on the first restore (see TAKEOVER_WORKER_NAME). */
    private steal: boolean,
  ) {
    globalThis.addEventListener?.('online', () => this.running?.session.reconnectNow());
  }

  /** Opens storage and, when keys are stored, logs in again without asking. */
  static async start({ steal = false } = {}): Promise<ParleyService> {
    let service: ParleyService | undefined;
    // A newer schema wants the database: stop writing and hand over instead of staying connected.
    const db = await openParleyDb(DB_NAME, { blocking: () => service?.retire(UPDATED) });
    service = new ParleyService(db, steal);
    void service.restore();
    return service;
  }

  async status(): Promise<Status> {
    await this.known;
    return { ...this.current, worker: this.id };
  }

  login(options: LoginOptions): Promise<void> {
    return this.serially(async () => {
      const jid = bareJid(options.jid.trim());
      if (!isBareJid(jid)) throw new Error('Enter an address like name@example.org.');
      if (!options.password) throw new Error('Enter your password.');
      const refusal = transportRefusal(options.service, options.allowInsecure);
      if (refusal) throw new Error(refusal);
      this.supersede();
      await this.end();
      const previous = await getAccount(this.db);
      const account: AccountRecord = {
        key: 'current',
        jid,
        service: options.service,
        resource: options.resource ?? `parley-${crypto.randomUUID().slice(0, 8)}`,
        agentId: previous?.agentId ?? crypto.randomUUID(),
        allowPlain: options.allowPlain ?? false,
        ...(options.allowInsecure ? { allowInsecure: true } : {}),
        presence: {},
      };
      this.setStatus({ state: 'connecting', jid });
      if (!(await this.own(jid))) throw new Error('Login cancelled.');
      // Another account's data must never show under this one, nor the new session's data be lost:
      // cleared before connecting, not after.
      if (previous && previous.jid !== jid) this.commit(await clearAll(this.db));
      this.setStatus({ state: 'connecting', jid });
      try {
        await this.connect(account, { password: options.password }, false);
      } catch (err) {
        this.owner.release();
        this.setStatus({ state: 'logged-out', error: (err as Error).message });
        throw err;
      }
      this.commit(await saveAccount(this.db, withCredentials(account, this.running?.session.auth ?? {})));
    });
  }

  logout(): Promise<void> {
    this.waitAbort?.abort(); // a login waiting for the lock is given up at once
    return this.serially(async () => {
      this.supersede();
      // The server stops waking this browser for an account that is no longer here.
      if (this.current.state === 'online') await this.running?.push?.disable().catch((err: unknown) => log('push not disabled at logout', err));
      await this.end();
      const account = await getAccount(this.db);
      // Clearing is writing: only the account's owner may, and another worker owns it.
      if (account && this.owner.jid !== account.jid && !(await this.owner.tryAcquire(account.jid))) throw new Error(WAITING);
      this.commit(await clearAll(this.db));
      this.owner.release();
      this.setStatus({ state: 'logged-out' });
    });
  }

  send(to: string, body: string, id?: string): Promise<string> {
    return this.command(async () => {
      const running = this.plugins();
      const jid = await this.conversationJid(to);
      if (running.muc && (await this.isRoom(jid))) return running.muc.send(jid, body, id);
      const originId = await running.messages.send(jid, body, { ...(id === undefined ? {} : { id }), ...(jid.includes('/') ? { occupant: true as const } : {}) });
      running.chatStates?.noteSent(jid);
      return originId;
    });
  }

  reply(conversation: string, key: string, body: string, id?: string): Promise<string> {
    return this.command(async () => {
      const running = this.plugins();
      const jid = this.contactJid(conversation);
      if (!running.replies) throw new Error('Not logged in.');
      const originId = await running.replies.reply(jid, key, body, id);
      running.chatStates?.noteSent(jid);
      return originId;
    });
  }

  react(conversation: string, key: string, emojis: string[]): Promise<void> {
    return this.command(async () => {
      const running = this.plugins();
      if (!Array.isArray(emojis) || !emojis.every((e) => typeof e === 'string')) throw new Error('Reactions must be a list of emoji.');
      await running.reactions?.react(this.contactJid(conversation), key, emojis);
    });
  }

  async chatStates(): Promise<Record<string, ChatStateNote>> {
    return this.running?.chatStates?.current() ?? {};
  }

  setChatState(to: string, state: ChatState): Promise<void> {
    return this.command(async () => {
      // Typing in a room would tell every occupant; rooms are left out.
      const jid = this.contactJid(to);
      if (this.current.state === 'online' && !(await this.isRoom(jid))) await this.running?.chatStates?.set(jid, state);
    });
  }

  addContact(jid: string, name?: string): Promise<void> {
    return this.command(() => this.onlinePlugins().roster.add(this.contactJid(jid), name?.trim() || undefined));
  }

  removeContact(jid: string): Promise<void> {
    return this.command(() => this.onlinePlugins().roster.remove(this.contactJid(jid)));
  }

  approve(jid: string): Promise<void> {
    return this.command(async () => {
      const { presence: p } = this.onlinePlugins();
      const contact = this.contactJid(jid);
      await p.answer(contact, 'subscribed');
      const item = await this.db.get('roster', contact);
      // Approving someone means wanting to see them too, as every mainstream client does.
      if (!item || ((item.subscription === 'none' || item.subscription === 'from') && !item.pendingOut)) {
        await p.answer(contact, 'subscribe');
      }
    });
  }

  deny(jid: string): Promise<void> {
    return this.command(() => this.onlinePlugins().presence.answer(this.contactJid(jid), 'unsubscribed'));
  }

  cancelSubscription(jid: string): Promise<void> {
    return this.command(() => this.onlinePlugins().presence.answer(this.contactJid(jid), 'unsubscribed'));
  }

  setPresence(show?: Show, status?: string): Promise<void> {
    return this.command(async () => {
      const account = await getAccount(this.db);
      if (!account) throw new Error('Not logged in.');
      this.mayWrite();
      const text = status?.trim().slice(0, 1024);
      this.commit(await saveAccount(this.db, { ...account, presence: { ...(show ? { show } : {}), ...(text ? { status: text } : {}) } }));
      if (this.current.state === 'online') await this.plugins().presence.announce(show, text);
    });
  }

  correct(conversation: string, key: string, body: string): Promise<void> {
    return this.command(async () => {
      const running = this.plugins();
      if (!running.corrections) throw new Error('Not logged in.');
      await running.corrections.correct(this.contactJid(conversation), key, body);
    });
  }

  retract(conversation: string, key: string): Promise<void> {
    return this.command(async () => {
      const running = this.plugins();
      if (!running.retractions) throw new Error('Not logged in.');
      await running.retractions.retract(this.contactJid(conversation), key);
    });
  }

  pushKey(gateway: string): Promise<string> {
    return this.command(() => this.pushPlugin().key(gatewayAddress(gateway)));
  }

  pushEnable(gateway: string, subscription: WebPushSubscription): Promise<void> {
    return this.command(() => this.pushPlugin().enable(gatewayAddress(gateway), subscription));
  }

  pushDisable(): Promise<void> {
    return this.command(() => this.pushPlugin().disable());
  }

  mute(conversation: string, muted: boolean): Promise<void> {
    return this.command(async () => {
      this.plugins();
      this.commit(await setMuted(this.db, this.contactJid(conversation), !!muted));
    });
  }

  // People (names, avatars, cards).
  setNick(nick: string): Promise<void> {
    return this.command(async () => {
      if (!nick.trim()) throw new Error('A nickname cannot be empty.');
      await this.people().nicks.publish(nick);
    });
  }

  setAvatar(image: ArrayBuffer, size: { width: number; height: number }): Promise<void> {
    return this.command(() => this.people().avatars.publish(new Uint8Array(image), size));
  }

  card(jid: string): Promise<Card> {
    return this.command(() => this.people().cards.card(this.contactJid(jid)));
  }

  setCard(card: Card): Promise<void> {
    return this.command(() => this.people().cards.publish(card));
  }

  async uploadLimit(): Promise<number | null | undefined> {
    const service = await this.command(() => this.people().uploads.service());
    return service && service.maxBytes;
  }

  uploadSlot(file: { name: string; size: number; type: string }): Promise<UploadSlot> {
    return this.command(() => this.people().uploads.slot(file));
  }

  sendFile(to: string, url: string): Promise<string> {
    return this.command(async () => {
      if (!isWebUrl(url)) throw new Error('Only an http(s) address can be shared as a file.');
      return this.plugins().messages.send(this.contactJid(to), url, { oob: true });
    });
  }

  private people(): NonNullable<Running['people']> {
    const running = this.onlinePlugins();
    if (!running.people) throw new Error('Not logged in.');
    return running.people;
  }

  private pushPlugin(): PushPlugin {
    const running = this.onlinePlugins();
    if (!running.push) throw new Error('Not logged in.');
    return running.push;
  }

  joinRoom(room: string, nick: string, password?: string): Promise<JoinResult> {
    return this.command(() => this.mucPlugin().join(room, nick, password ? { password } : {}));
  }

  createRoom(room: string, nick: string, config?: Record<string, string[]>): Promise<JoinResult> {
    return this.command(async () => {
      const plugin = this.mucPlugin();
      const result = await plugin.join(room, nick);
      // A new room stays locked until its owner submits a configuration (XEP-0045 §10.1).
      if (result.status === 'joined' && result.created) await plugin.configureWith(room, config ?? {});
      return result;
    });
  }

  leaveRoom(room: string): Promise<void> {
    return this.command(() => this.mucPlugin().leave(room));
  }

  configureRoom(room: string, config: Record<string, string[]>): Promise<void> {
    return this.command(() => this.mucPlugin().configureWith(room, config));
  }

  setSubject(room: string, subject: string): Promise<void> {
    return this.command(() => this.mucPlugin().setSubject(room, String(subject)));
  }

  changeNick(room: string, nick: string): Promise<void> {
    return this.command(() => this.mucPlugin().changeNick(room, String(nick)));
  }

  setRole(room: string, nick: string, role: Role, reason?: string): Promise<void> {
    return this.command(() => this.mucPlugin().setRole(room, String(nick), oneOf(role, ['moderator', 'participant', 'visitor', 'none']), reason));
  }

  setAffiliation(room: string, jid: string, affiliation: Affiliation, reason?: string): Promise<void> {
    return this.command(() => this.mucPlugin().setAffiliation(room, this.contactJid(jid), oneOf(affiliation, ['owner', 'admin', 'member', 'outcast', 'none']), reason));
  }

  destroyRoom(room: string, reason?: string): Promise<void> {
    return this.command(() => this.mucPlugin().destroy(room, reason));
  }

  discoverRooms(service?: string): Promise<RoomListing[]> {
    return this.command(async () => {
      const jid = this.current.jid;
      return this.mucPlugin().discover(service?.trim() || `conference.${jid?.slice(jid.indexOf('@') + 1) ?? ''}`);
    });
  }

  moderate(room: string, key: string, reason?: string): Promise<void> {
    return this.command(async () => {
      const running = this.onlinePlugins();
      if (!running.moderation) throw new Error('Not logged in.');
      await running.moderation.moderate(this.contactJid(room), String(key), reason);
    });
  }

  private mucPlugin(): MucPlugin {
    const running = this.onlinePlugins();
    if (!running.muc) throw new Error('Not logged in.');
    return running.muc;
  }

  private async isRoom(jid: string): Promise<boolean> {
    return (await this.db.getKey('rooms', jid)) !== undefined;
  }

  loadOlder(conversation: string): Promise<boolean> {
    return this.command(async () => this.onlinePlugins().mam.loadOlder(await this.conversationJid(conversation)));
  }

  async pageVisible(page: string, visible: boolean): Promise<void> {
    const wasActive = this.visibility.active;
    if (this.running?.csi) await this.running.csi.pageVisible(page, visible);
    else this.visibility.set(page, visible);
    // Someone looks again: make sure the rooms they see still have us (XEP-0410), not waiting for the timer.
    if (visible && this.current.state === 'online') void this.running?.muc?.checkRooms(CHECK_ON_LOOK_MS);
    // Our presence says whether the user is away from every page (XEP-0319).
    if (wasActive !== this.visibility.active && this.current.state === 'online' && this.running) {
      const { show, status } = (await getAccount(this.db))?.presence ?? {};
      await this.running.presence.announce(show, status);
    }
  }

  /** XEP-0191: blocks `jid` (with a spam report, XEP-0377, when `report`); a request from them goes. */
  block(jid: string, report = false): Promise<void> {
    return this.command(async () => {
      const { blocking: b } = this.onlinePlugins();
      await b!.block(this.contactJid(jid), report);
      this.commit(await removeRequest(this.db, this.contactJid(jid)));
    });
  }

  unblock(jid: string): Promise<void> {
    return this.command(() => this.onlinePlugins().blocking!.unblock(jid));
  }

  async blockingSupport(): Promise<BlockingSupport> {
    return this.running?.blocking?.support() ?? { blocking: false, reporting: false };
  }

  async discover(jid: string, origin?: string): Promise<string> {
    const domain = bareJid(jid.trim()).split('@')[1];
    if (!domain || !isBareJid(bareJid(jid.trim()))) throw new Error('Enter an address like name@example.org.');
    return discoverWebSocket(domain, origin);
  }

  /** XEP-0202: a contact's clock, asked of their most available resource; null when offline or unanswered. */
  contactTime(jid: string): Promise<ContactTime | null> {
    return this.command(async () => {
      const { time } = this.onlinePlugins();
      const resource = (await listContacts(this.db)).find((c) => c.jid === this.contactJid(jid))?.presence[0]?.resource;
      return resource && time ? time.ask(`${this.contactJid(jid)}/${resource}`) : null;
    });
  }

  markRead(conversation: string, upTo?: string): Promise<void> {
    return this.command(async () => {
      // Read state is written by the account's owner; a waiting window's reading is not recorded.
      if (!this.running) return;
      const jid = await this.conversationJid(conversation);
      this.commit(await markRead(this.db, jid, upTo));
      // Markers (XEP-0333) go to the one person who wrote; a room would pass them to everyone.
      if (!(await this.isRoom(jid))) await this.running?.markers?.seen(jid, upTo);
      // Other devices learn only a whole read (XEP-0490 publishes the newest message): never more than was seen.
      if (!upTo || (await this.db.get('conversations', jid))?.unread === 0) await this.running?.mds?.seen(jid);
    });
  }

  /**
   * Logs in again from stored keys once this worker owns the account (another worker of this
   * origin may hold it: then this one waits its turn, and says so).
   */
  private async restore(): Promise<void> {
    try {
      await this.restoreOwned();
    } finally {
      this.markRestored();
    }
  }

  private async restoreOwned(): Promise<void> {
    const stored = await this.serially(async () => {
      const account = await getAccount(this.db);
      const canLogIn = !!(account?.keys || account?.fast);
      if (account && !canLogIn) this.setStatus({ state: 'logged-out', jid: account.jid });
      if (account && canLogIn) this.setStatus({ state: 'connecting', jid: account.jid });
      return canLogIn ? account : undefined;
    }).finally(() => this.markKnown());
    if (!stored) return;
    const generation = this.generation;
    if (!(await this.own(stored.jid))) return;
    await this.serially(async () => {
      if (generation !== this.generation || this.running) return; // a login or logout came first
      // The previous owner may have logged out or changed account while this worker waited.
      const account = await getAccount(this.db);
      if (account?.jid !== stored.jid || !(account.keys || account.fast)) {
        this.owner.release();
        this.setStatus({ state: 'logged-out', ...(account ? { jid: account.jid } : {}) });
        return;
      }
      this.setStatus({ state: 'connecting', jid: account.jid });
      try {
        const refusal = transportRefusal(account.service, account.allowInsecure);
        if (refusal) throw new LoginError(refusal, 'auth');
        await this.connect(account, {}, true);
      } catch (err) {
        await this.forgetKeys(account, err as Error);
        this.owner.release();
      }
    });
  }

  /** A login or logout here comes before a restore still waiting for the account's lock. */
  private supersede(): void {
    this.generation++;
    this.waitAbort?.abort();
  }

  /** Waits for `jid`'s lock, showing that this worker waits; false if a login or logout here cut the wait short. */
  private async own(jid: string): Promise<boolean> {
    const abort = new AbortController();
    this.waitAbort = abort;
    const steal = this.steal;
    this.steal = false;
    try {
      await this.owner.acquire(jid, { steal, signal: abort.signal, waiting: () => {
        this.setStatus({ state: 'waiting', jid, error: WAITING });
        this.markRestored(); // commands now fail with WAITING rather than wait for another worker
      } });
      return true;
    } catch (err) {
      if (abort.signal.aborted) return false;
      throw err;
    } finally {
      if (this.waitAbort === abort) this.waitAbort = undefined;
    }
  }

  /**
   * Gives the account up for good (a newer worker asked, or a newer schema needs the database): the
   * stream is left for the successor to resume, storage closed, the lock freed. `stolen`: the
   * successor already runs, so storage closes first, before anything more is written (not even the
   * stream state: the successor's is newer).
   */
  private retire(reason: string, { stolen = false } = {}): void {
    if (this.retired) return;
    this.retired = reason;
    this.waitAbort?.abort();
    if (stolen) this.db.close();
    void this.serially(async () => {
      const jid = this.owner.jid ?? this.current.jid;
      await this.end({ handOver: true });
      this.db.close();
      this.owner.release();
      this.setStatus({ state: 'waiting', ...(jid ? { jid } : {}), error: reason });
    }, true);
  }

  /** `password` for a login typed now; without it, what the account has stored. */
  private async connect(account: AccountRecord, { password }: { password?: string }, retry: boolean): Promise<void> {
    const stored = password ? {} : { ...(account.keys ? { keys: account.keys } : {}), ...(account.fast ? { fast: account.fast } : {}) };
    const session = new Session({
      jid: account.jid,
      service: account.service,
      resource: account.resource,
      credentials: { username: account.jid.split('@')[0]!, ...(password ? { password } : {}), ...stored, allowPlain: account.allowPlain },
      agentId: account.agentId,
      onToken: (fast) => void this.tokenChanged(account.jid, fast),
      db: this.db,
      commit: (change) => this.commit(change),
      onState: (state, error) => this.setStatus({ state, jid: account.jid, ...(error ? { error } : {}) }),
      onAuthLost: (err) => void this.serially(async () => {
        await this.end();
        await this.forgetKeys(account, err);
        this.owner.release();
      }),
      log,
    });
    // Order matters: the roster is fetched before initial presence (RFC 6121 §2.2).
    const capsPlugin = session.use(caps);
    const rosterPlugin = session.use(roster);
    const idle = () => (this.visibility.inactiveSince === undefined ? [] : [buildIdle(this.visibility.inactiveSince)]);
    const presencePlugin = session.use((ctx) => presence(ctx, async () => (await getAccount(this.db))?.presence ?? {}, async () => [await capsPlugin.element(), ...idle()]));
    const mamPlugin = session.use(mam);
    // Messages and edits leave through one outbox, in the order they were made.
    const outboxPlugin = session.use((ctx) => outbox(ctx, () => mamPlugin.caughtUp()));
    this.running = {
      session,
      roster: rosterPlugin,
      presence: presencePlugin,
      mam: mamPlugin,
      messages: session.use((ctx) => messages(ctx, outboxPlugin)),
    };
    session.use(carbons);
    this.running.csi = session.use((ctx) => csi(ctx, this.visibility));
    this.running.chatStates = session.use((ctx) => chatStates(ctx, (jid, note) => this.post({ type: 'chatState', jid, note })));
    // After messages: reactions find the message they are for in storage.
    this.running.reactions = session.use((ctx) => alsoArchived(reactions(ctx, outboxPlugin)));
    const messagePlugin = this.running.messages;
    this.running.replies = session.use((ctx) => replies(ctx, messagePlugin));
    // After messages, which leaves corrections and retractions (they carry fallback bodies) to these.
    this.running.corrections = session.use((ctx) => alsoArchived(corrections(ctx, outboxPlugin)));
    this.running.retractions = session.use((ctx) => alsoArchived(retractions(ctx, outboxPlugin)));
    // After messages: a moderation finds the message it takes back in storage.
    this.running.moderation = session.use(moderation);
    this.running.muc = session.use((ctx) => muc(ctx, messagePlugin, mamPlugin, outboxPlugin));
    this.running.markers = session.use(markers);
    const pep = session.use(pubsub);
    this.running.mds = session.use((ctx) => mds(ctx, pep, () => mamPlugin.caughtUp()));
    this.running.people = { nicks: session.use((ctx) => nicks(ctx, pep)), avatars: session.use((ctx) => avatars(ctx, pep)), cards: session.use((ctx) => cards(ctx, pep)), uploads: session.use(uploads) };
    // After messages: a receipt is only sent for what the message plugin has stored.
    session.use(receipts);
    this.running.push = session.use(push);
    this.running.time = session.use(entityTime);
    this.running.blocking = session.use(blocking);
    session.use(softwareVersion);
    try {
      await session.start({ retry });
    } catch (err) {
      this.running = undefined;
      throw err;
    }
  }

  /** A reconnect rotated or lost the FAST token: the stored account follows (a first login stores it itself). */
  private async tokenChanged(jid: string, fast: FastTokenRecord | null): Promise<void> {
    const account = await getAccount(this.db);
    if (account?.jid !== jid || (!account.fast && !account.keys)) return;
    this.commit(await saveAccount(this.db, withCredentials(account, { fast })));
  }

  private async forgetKeys(account: AccountRecord, err: Error): Promise<void> {
    const { keys: _keys, fast: _fast, ...rest } = account;
    this.commit(await saveAccount(this.db, rest));
    this.setStatus({ state: 'logged-out', jid: account.jid, error: err instanceof LoginError ? err.message : String(err) });
  }

  /** Ends the session; the archive catch-up stops first, so nothing is written after this returns. */
  private async end({ handOver = false } = {}): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await running.mam.stop();
    await (handOver ? running.session.detach() : running.session.stop());
  }

  private plugins(): Running {
    if (!this.running) {
      this.mayWrite();
      throw new Error('Not logged in.');
    }
    return this.running;
  }

  /** Throws the reason this worker may not write now, if it may not. */
  private mayWrite(): void {
    if (this.retired) throw new Error(this.retired);
    if (this.current.state === 'waiting') throw new Error(WAITING);
  }

  private onlinePlugins(): Running {
    const running = this.plugins();
    if (this.current.state !== 'online') throw new Error('You are offline; try again when connected.');
    return running;
  }

  /**
   * A conversation's JID: a contact's or a room's bare JID, or an occupant's full JID for private
   * messages in a room we are in.
   */
  private async conversationJid(jid: string): Promise<string> {
    const bare = this.contactJid(jid);
    const nick = resourceOf(jid.trim());
    return nick && (await this.isRoom(bare)) ? `${bare}/${nick}` : bare;
  }

  private contactJid(jid: string): string {
    const bare = bareJid(jid.trim());
    if (!isBareJid(bare)) throw new Error(`"${jid}" is not a valid address (name@example.org).`);
    return bare;
  }

  /** Login, logout, restore and retiring: one at a time, each after the commands already running. */
  private serially<T>(run: () => Promise<T>, retiring = false): Promise<T> {
    const exclusive = async () => {
      if (this.retired && !retiring) throw new Error(this.retired);
      await Promise.allSettled([...this.commands]);
      return run();
    };
    const next = this.lifecycle.then(exclusive, exclusive);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  /** A command runs against one whole session: never during a login or logout, nor across one. */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    await this.restoring;
    for (let lifecycle = this.lifecycle; ; lifecycle = this.lifecycle) {
      await lifecycle;
      if (lifecycle === this.lifecycle) break; // none started meanwhile
    }
    const running = run();
    this.commands.add(running);
    void running.catch(() => undefined).finally(() => this.commands.delete(running));
    return running;
  }

  private setStatus(status: Status): void {
    this.current = status;
    this.post({ type: 'status', status: { ...status, worker: this.id } });
  }

  /**
   * Changes are merged for up to one frame before pages hear of them: a burst of 500 stanzas
   * then costs pages a few re-reads, not 500.
   */
  private commit(change: Change | null): void {
    if (!change) return;
    for (const store of change.stores) this.pending.stores.add(store);
    for (const jid of change.conversations ?? []) this.pending.conversations.add(jid);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const { stores, conversations } = this.pending;
      this.pending = { stores: new Set(), conversations: new Set() };
      this.post({ type: 'change', change: { stores: [...stores], conversations: [...conversations] } });
    }, CHANGE_BATCH_MS);
  }

  private post(event: WorkerEvent): void {
    this.channel.postMessage(event);
  }
}

/** `value` when it is one of `allowed` (a page's argument crosses no type check). */
function oneOf<T extends string>(value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new Error(`"${String(value)}" is not one of ${allowed.join(', ')}.`);
  return value;
}

/** What a login leaves to store: a FAST token where the server gives one (then no SCRAM keys), else the keys. */
function withCredentials(account: AccountRecord, { keys, fast }: AuthResult): AccountRecord {
  const { keys: oldKeys, fast: oldFast, ...rest } = account;
  const token = fast === undefined ? oldFast : fast ?? undefined;
  if (token) return { ...rest, fast: token };
  const scram = keys ?? oldKeys;
  return scram ? { ...rest, keys: scram } : rest;
}
