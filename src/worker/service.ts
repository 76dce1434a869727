/**
 * The worker's side of the Comlink API: one account, one session, shared by every page.
 * Pages read IndexedDB themselves; this tells them what changed on the `parley` BroadcastChannel.
 */
import { bareJid, isBareJid, resourceOf } from '../shared/jid.js';
import { EVENTS_CHANNEL, type LoginOptions, type ParleyApi, type Status, type WorkerEvent } from '../shared/api.js';
import type { AccountRecord, FastTokenRecord } from '../shared/records.js';
import type { AuthResult } from './auth.js';
import { getAccount } from '../storage/read.js';
import { DB_NAME, isQuotaError, openParleyDb, type ParleyDb } from '../storage/db.js';
import { clearAll, markRead, saveAccount, setMuted } from '../storage/write.js';
import { LoginError, transportRefusal } from './auth.js';
import { avatars } from './avatar.js';
import { blocking, storedBlocklist } from './blocking.js';
import { bookmarked, bookmarks } from './bookmarks.js';
import { caps } from './caps.js';
import { carbons } from './carbons.js';
import { ChangeBatch } from './change-batch.js';
import { chatStates } from './chatstates.js';
import { corrections } from './correction.js';
import { csi, Visibility } from './csi.js';
import { entityTime } from './entity-time.js';
import type { ApiContext, Feature, Running } from './feature.js';
import { FEATURES, type FeatureApi } from './features.js';
import { buildIdle } from './idle.js';
import { invitations } from './invitations.js';
import { AccountOwner } from './lock.js';
import { mam } from './mam.js';
import { markers } from './markers.js';
import { mds } from './mds.js';
import { messages } from './message.js';
import { moderation } from './moderation.js';
import { muc } from './muc.js';
import { mucsub } from './mucsub.js';
import { nicks } from './nick.js';
import { outbox } from './outbox.js';
import { alsoArchived } from './plugin.js';
import { presence } from './presence.js';
import { pubsub } from './pubsub.js';
import { push } from './push.js';
import { changePassword, removeAccount } from './register.js';
import { reactions } from './reactions.js';
import { receipts } from './receipts.js';
import { replies } from './replies.js';
import { retractions } from './retraction.js';
import { roster } from './roster.js';
import { Session } from './session.js';
import { softwareVersion } from './software-version.js';
import { uploads } from './upload.js';
import { cards } from './vcard.js';

/** A page shown again checks the rooms at most this often. */
const CHECK_ON_LOOK_MS = 5_000;

const WAITING = 'Parley is connected in another window of this site; this one takes over when that one closes.';
const NEWER = 'A newer version of Parley took over: reload this page.';
const UPDATED = 'Parley was updated: reload this page.';
const STOLEN = 'Another tab took over the Parley connection.';
const FULL = 'Storage is full: new messages are not saved on this device. Free some space, then reload.';

function log(message: string, detail?: unknown): void {
  console.warn(`[parley] ${message}`, detail ?? '');
}

// The features' commands are added in the constructor (features.ts declares their types).
export interface ParleyService extends FeatureApi {}

export class ParleyService implements ParleyApi {
  private readonly channel = new BroadcastChannel(EVENTS_CHANNEL);
  /** Tells this worker's pages apart from another worker's (two deploys share the channel). */
  private readonly id = crypto.randomUUID();
  private current: Status = { state: 'logged-out' };
  /** How many status changes this worker announced (see `Status.seq`). */
  private seq = 0;
  private running: Running | undefined;
  /** A write was refused for want of space (QuotaExceededError): said in every status from then on. */
  private storageFull = false;
  private readonly visibility = new Visibility();
  private readonly changes = new ChangeBatch((change) => this.post({ type: 'change', change }));
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
    const ctx: ApiContext = {
      db,
      commit: (change) => this.changes.add(change),
      plugins: () => this.plugins(),
      online: () => this.onlinePlugins(),
      isOnline: () => this.current.state === 'online' && !!this.running,
      account: () => (this.running ? this.current.jid : undefined),
      contactJid: (jid) => this.contactJid(jid),
      isRoom: (jid) => this.isRoom(jid),
    };
    // Each feature's commands, as the feature declares them (features.ts); every one runs as a command.
    const self = this as unknown as Record<string, unknown>;
    for (const feature of FEATURES as readonly Feature[]) {
      if (!feature.api) continue;
      for (const [name, method] of Object.entries(feature.api(ctx) as Record<string, (...args: unknown[]) => Promise<unknown>>)) {
        if (name in self) throw new Error(`two features give the command ${name}`);
        self[name] = (...args: unknown[]) => this.command(() => method(...args));
      }
    }
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
    return { ...this.current, worker: this.id, seq: this.seq };
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
      if (previous && previous.jid !== jid) this.changes.add(await clearAll(this.db));
      this.setStatus({ state: 'connecting', jid });
      try {
        await this.connect(account, { password: options.password }, false);
      } catch (err) {
        this.owner.release();
        this.setStatus({ state: 'logged-out', error: (err as Error).message });
        throw err;
      }
      this.changes.add(await saveAccount(this.db, withCredentials(account, this.running?.session.auth ?? {})));
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
      this.changes.add(await clearAll(this.db));
      this.owner.release();
      this.setStatus({ state: 'logged-out' });
    });
  }

  changePassword(password: string): Promise<void> {
    return this.serially(async () => {
      if (!password) throw new Error('Enter a new password.');
      const running = this.onlinePlugins();
      const account = await getAccount(this.db);
      if (!account) throw new Error('Not logged in.');
      await changePassword(running.session.xmpp, account.jid.split('@')[0]!, password);
      // The stored keys or FAST token came from the old password (servers drop such tokens): log in
      // again with the new one now, so the next reconnect or reload works.
      await this.end();
      try {
        await this.connect(account, { password }, false);
      } catch (err) {
        await this.forgetKeys(account, err as Error);
        this.owner.release();
        throw err;
      }
      this.changes.add(await saveAccount(this.db, withCredentials(account, this.running?.session.auth ?? {})));
    });
  }

  removeAccount(): Promise<void> {
    return this.serially(async () => {
      const running = this.onlinePlugins();
      await removeAccount(running.session.xmpp);
      this.supersede();
      // The server ends the stream; nothing of the account stays here either.
      await this.end();
      this.changes.add(await clearAll(this.db));
      this.owner.release();
      this.setStatus({ state: 'logged-out' });
    });
  }

  send(to: string, body: string, id?: string): Promise<string> {
    return this.command(async () => {
      const running = this.plugins();
      const jid = await this.conversationJid(to);
      if (await this.isRoom(jid)) return running.muc.send(jid, body, id);
      const originId = await running.messages.send(jid, body, { ...(id === undefined ? {} : { id }), ...(jid.includes('/') ? { occupant: true as const } : {}) });
      running.chatStates.noteSent(jid);
      return originId;
    });
  }

  mute(conversation: string, muted: boolean): Promise<void> {
    return this.command(async () => {
      this.plugins();
      this.changes.add(await setMuted(this.db, this.contactJid(conversation), !!muted));
    });
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
    if (visible && this.current.state === 'online') void this.running?.muc.checkRooms(CHECK_ON_LOOK_MS);
    // Our presence says whether the user is away from every page (XEP-0319).
    if (wasActive !== this.visibility.active && this.current.state === 'online' && this.running) {
      const { show, status } = (await getAccount(this.db))?.presence ?? {};
      await this.running.presence.announce(show, status);
    }
  }

  markRead(conversation: string, upTo?: string): Promise<void> {
    return this.command(async () => {
      // Read state is written by the account's owner; a waiting window's reading is not recorded.
      if (!this.running) return;
      const jid = await this.conversationJid(conversation);
      this.changes.add(await markRead(this.db, jid, upTo));
      // Markers (XEP-0333) go to the one person who wrote; a room would pass them to everyone.
      if (!(await this.isRoom(jid))) await this.running?.markers.seen(jid, upTo);
      // Other devices learn only a whole read (XEP-0490 publishes the newest message): never more than was seen.
      if (!upTo || (await this.db.get('conversations', jid))?.unread === 0) await this.running?.mds.seen(jid);
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
    console.debug('[parley] restore: taking the account lock');
    if (!(await this.own(stored.jid))) return;
    console.debug('[parley] restore: lock taken');
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
      commit: (change) => this.changes.add(change),
      onState: (state, error) => this.setStatus({ state, jid: account.jid, ...(error ? { error } : {}) }),
      onAuthLost: (err) => void this.serially(async () => {
        // Only while this session is the one running: an account removed here is gone already.
        if (this.running?.session !== session) return;
        await this.end();
        await this.forgetKeys(account, err);
        this.owner.release();
      }),
      log: (message, detail) => {
        log(message, detail);
        // What did not fit is lost (the stream has acknowledged it): the user must hear of it.
        if (isQuotaError(detail)) this.full();
      },
    });
    // Order matters: the roster is fetched before initial presence (RFC 6121 §2.2).
    const capsPlugin = session.use(caps);
    const rosterPlugin = session.use(roster);
    const idle = () => (this.visibility.inactiveSince === undefined ? [] : [buildIdle(this.visibility.inactiveSince)]);
    const presencePlugin = session.use((ctx) => presence(ctx, async () => (await getAccount(this.db))?.presence ?? {}, async () => [await capsPlugin.element(), ...idle()]));
    const mamPlugin = session.use(mam);
    // Messages and edits leave through one outbox, in the order they were made.
    const outboxPlugin = session.use((ctx) => outbox(ctx, () => mamPlugin.caughtUp()));
    // The message plugin drops what blocked senders send; the blocking plugin writes the list.
    const blocklist = storedBlocklist(this.db);
    const messagePlugin = session.use((ctx) => messages(ctx, outboxPlugin, blocklist));
    session.use(carbons);
    const csiPlugin = session.use((ctx) => csi(ctx, this.visibility));
    const chatStatesPlugin = session.use((ctx) => chatStates(ctx, (jid, note) => this.post({ type: 'chatState', jid, note })));
    // After messages: reactions find the message they are for in storage.
    const reactionsPlugin = session.use((ctx) => alsoArchived(reactions(ctx, outboxPlugin)));
    const repliesPlugin = session.use((ctx) => replies(ctx, messagePlugin));
    // After messages, which leaves corrections and retractions (they carry fallback bodies) to these.
    const correctionsPlugin = session.use((ctx) => alsoArchived(corrections(ctx, outboxPlugin)));
    const retractionsPlugin = session.use((ctx) => alsoArchived(retractions(ctx, outboxPlugin)));
    // After messages: a moderation finds the message it takes back in storage.
    const moderationPlugin = session.use(moderation);
    const mucPlugin = session.use((ctx) => muc(ctx, messagePlugin, mamPlugin, outboxPlugin));
    const markersPlugin = session.use(markers);
    // After messages: a receipt is only sent for what the message plugin has stored.
    session.use(receipts);
    const pep = session.use(pubsub);
    // On the MUC plugin: bookmarks autojoin through it, MUC-Sub hands it the rooms' messages.
    const bookmarksPlugin = session.use((ctx) => bookmarks(ctx, pep, mucPlugin));
    const rooms = bookmarked(mucPlugin, bookmarksPlugin, log);
    // A room that banned us or is no more is not joined again at the next login.
    mucPlugin.onShutOut((room) => void bookmarksPlugin.forget(room).catch((err: unknown) => log(`bookmark of ${room} not removed`, err)));
    this.running = {
      session,
      caps: capsPlugin,
      roster: rosterPlugin,
      presence: presencePlugin,
      mam: mamPlugin,
      messages: messagePlugin,
      csi: csiPlugin,
      chatStates: chatStatesPlugin,
      reactions: reactionsPlugin,
      replies: repliesPlugin,
      corrections: correctionsPlugin,
      retractions: retractionsPlugin,
      moderation: moderationPlugin,
      muc: mucPlugin,
      rooms,
      bookmarks: bookmarksPlugin,
      invitations: session.use((ctx) => invitations(ctx, rooms)),
      mucsub: session.use((ctx) => mucsub(ctx, mucPlugin)),
      markers: markersPlugin,
      mds: session.use((ctx) => mds(ctx, pep, () => mamPlugin.caughtUp())),
      nicks: session.use((ctx) => nicks(ctx, pep)),
      avatars: session.use((ctx) => avatars(ctx, pep)),
      cards: session.use((ctx) => cards(ctx, pep)),
      uploads: session.use(uploads),
      push: session.use(push),
      time: session.use(entityTime),
      blocking: session.use((ctx) => blocking(ctx, blocklist)),
    };
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
    this.changes.add(await saveAccount(this.db, withCredentials(account, { fast })));
  }

  private async forgetKeys(account: AccountRecord, err: Error): Promise<void> {
    const { keys: _keys, fast: _fast, ...rest } = account;
    this.changes.add(await saveAccount(this.db, rest));
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
    const running = run().catch((err: unknown) => {
      if (!isQuotaError(err)) throw err;
      this.full();
      throw new Error('Storage is full: this was not saved. Free some space, then try again.');
    });
    this.commands.add(running);
    void running.catch(() => undefined).finally(() => this.commands.delete(running));
    return running;
  }

  private full(): void {
    if (this.storageFull) return;
    this.storageFull = true;
    this.setStatus(this.current);
  }

  private setStatus(status: Status): void {
    this.current = this.storageFull ? { ...status, warning: FULL } : status;
    this.post({ type: 'status', status: { ...this.current, worker: this.id, seq: ++this.seq } });
  }

  private post(event: WorkerEvent): void {
    this.channel.postMessage(event);
  }
}

/** What a login leaves to store: a FAST token where the server gives one (then no SCRAM keys), else the keys. */
function withCredentials(account: AccountRecord, { keys, fast }: AuthResult): AccountRecord {
  const { keys: oldKeys, fast: oldFast, ...rest } = account;
  const token = fast === undefined ? oldFast : fast ?? undefined;
  if (token) return { ...rest, fast: token };
  const scram = keys ?? oldKeys;
  return scram ? { ...rest, keys: scram } : rest;
}
