/**
 * One XMPP session: the xmpp.js client, SASL, reconnection with backoff, and the routing of each
 * parsed stanza to the plugins. It knows nothing of pages; the service above it does.
 */
import { client, jid, type FastToken, type OnAuthenticate, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Change } from '../shared/api.js';
import { MAX_NESTING, MAX_STANZA_CHARS, oversized } from '../shared/limits.js';
import type { ParleyDb } from '../storage/db.js';
import { authenticator, LoginError, type AuthResult, type Credentials } from './auth.js';
import { bareErrorReplies } from './iq-errors.js';
import { noSmAfterInline } from './sasl2.js';
import type { Plugin, PluginContext } from './plugin.js';
import { ScramError, ScramKeysStaleError } from './scram.js';
import { arrived } from './clock.js';
import { unwrap, type AccountMessage, type Envelope, type Rooms } from './envelope.js';
import { JoinedRooms } from './joined-rooms.js';
import { ackWatchdog, countInbound, persistStreamManagement, smAnswers, smSettled, type SmPersistence } from './stream-management.js';

export interface SessionOptions {
  jid: string;
  service: string;
  resource: string;
  credentials: Credentials;
  /** Stable per install (XEP-0388 user agent): servers tie FAST tokens to it. */
  agentId: string;
  db: ParleyDb;
  /** The server issued a new FAST token, or dropped ours (null). */
  onToken(token: FastToken | null): void;
  commit(change: Change | null): void;
  /** Connection state changed; `error` says why it is not online. */
  onState(state: 'connecting' | 'online' | 'offline', error?: string): void;
  /** The server refused credentials that used to work: the user must log in again. */
  onAuthLost(error: LoginError): void;
  log(message: string, detail?: unknown): void;
  /**
   * A short login of its own (the push Service Worker's): its stream is neither resumed from nor
   * saved over the one the tabs' worker left for resumption.
   */
  brief?: boolean;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** A stream that opened but did not finish logging in by then is dropped and tried again. */
const LOGIN_TIMEOUT_MS = 20_000;
const LOGIN_RETRY_MS = 8000;
const OPEN_TIMEOUT_MS = 10_000;
const OPEN_RETRY_MS = 4000;
const CLOSE_TIMEOUT_MS = 2000;

export class Session {
  readonly xmpp: XmppClient;
  readonly auth: AuthResult = {};
  /** The rooms we are in: the MUC plugin keeps it, the envelope stage reads it. */
  readonly rooms = new JoinedRooms();
  private readonly plugins: Plugin[] = [];
  private readonly ctx: PluginContext;
  private queue: Promise<void> = Promise.resolve();
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private keepConnected = false;
  private stopped = false;
  /** Stanzas received and not yet handled by the plugins. */
  private backlog = 0;
  /** The batch still taking stanzas: those that arrive while earlier ones are being handled. */
  private open: Element[] | undefined;
  private readonly persistence: SmPersistence;
  private restored = false;
  private resumedH = 0;
  /** This connection attempt reached an open stream: a failure now is not "cannot reach". */
  private opened = false;
  /** Why the last attempt failed, shown while retrying. */
  private lastError: string | undefined;
  private loginTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: SessionOptions) {
    const domain = options.jid.split('@')[1] ?? '';
    // The authenticator registers mechanisms on the client, which needs the callback first.
    let onAuthenticate: OnAuthenticate | undefined;
    this.xmpp = client({
      service: options.service,
      domain,
      resource: options.resource,
      credentials: (...args) => onAuthenticate!(...args),
    });
    // Known before login, the JID goes in the stream header's `from`: servers offer SASL2 and FAST
    // only to streams that say whom they are for.
    this.xmpp.jid = jid(options.jid);
    onAuthenticate = authenticator(this.xmpp, {
      credentials: options.credentials,
      agentId: options.agentId,
      result: this.auth,
      onToken: options.onToken,
    });
    noSmAfterInline(this.xmpp);
    bareErrorReplies(this.xmpp);
    const counter = countInbound(this.xmpp);
    this.xmpp.reconnect.stop(); // ours backs off; xmpp.js retries every second forever
    // xmpp.js gives the server 2 s to answer a stream header, too little on a slow mobile link or a
    // busy server. A login the user waits on gets 10 s; a connection that is retried anyway starts
    // at 4 s and doubles with each failed attempt (a header lost on one socket is soon tried on
    // another). Closing keeps 2 s: a dead link must not hold up a logout.
    // The WebSocket handshake gets the same time: xmpp.js gives it none, so one never answered (a
    // server or middlebox that takes the connection and hangs) left the session connecting for good.
    this.xmpp.on('status', (status: string) => {
      const open = this.keepConnected ? Math.min(OPEN_TIMEOUT_MS, OPEN_RETRY_MS * 2 ** this.attempts) : OPEN_TIMEOUT_MS;
      this.xmpp.timeout = status === 'opening' ? open : CLOSE_TIMEOUT_MS;
      clearTimeout(this.connectTimer);
      if (status === 'connecting') {
        this.connectTimer = setTimeout(() => {
          if (this.xmpp.status !== 'connecting') return;
          options.log('the WebSocket handshake was not answered in time');
          this.lastError = `The server at ${options.service} did not answer in time.`;
          void this.xmpp.disconnect().catch(() => undefined);
        }, open);
      }
    });
    this.ctx = {
      xmpp: this.xmpp,
      db: options.db,
      jid: options.jid,
      rooms: this.rooms,
      commit: options.commit,
      log: options.log,
      archived: async (envelope) => {
        for (const plugin of this.plugins) {
          try {
            await plugin.archived?.(envelope);
          } catch (err) {
            options.log('plugin failed on an archived message', err);
          }
        }
      },
    };

    this.xmpp.on('stanza', (stanza: Element) => {
      if (stanza.name === 'iq') return; // the iq callee middleware routes those
      if (oversized(stanza)) return options.log(`${stanza.name} over ${MAX_STANZA_CHARS} characters or ${MAX_NESTING} levels deep dropped`, stanza.attrs.from);
      this.backlog++;
      arrived(stanza);
      if (!this.open) {
        const batch: Element[] = (this.open = []);
        this.queue = this.queue.then(async () => {
          if (this.open === batch) this.open = undefined;
          await handleBatch(this.plugins, batch, options.jid, this.options.log, this.rooms);
          this.backlog -= batch.length;
        });
      }
      this.open.push(stanza);
    });
    this.persistence = options.brief ? { restore: async () => false, flush: async () => undefined } : persistStreamManagement(this.xmpp, {
      db: options.db,
      bareJid: options.jid,
      counter,
      backlog: () => this.backlog,
      log: options.log,
    });
    // Dead sockets show as unanswered acks: ask every 20 s, give up after 15 s (xmpp.js: 30 s / 60 s).
    this.xmpp.streamManagement.requestAckInterval = 20_000;
    // A burst still being read gets up to two minutes for the answer (see ackWatchdog).
    ackWatchdog(this.xmpp, 15_000, 120_000);
    this.xmpp.on('element', (el: Element) => {
      const resumed = smAnswers(el).find((a) => a.name === 'resumed');
      if (resumed) this.resumedH = Number(resumed.attrs.h) || 0;
    });
    this.xmpp.on('online', () => {
      this.loggedIn();
      // Stanzas sent before the server enables stream management are counted by us but not by it;
      // the server then drops the stream ("acknowledged more stanzas than sent"). Let it settle.
      this.queue = this.queue.then(() => smSettled(this.xmpp));
      this.enqueue('online', (p) => p.online?.());
      this.queue = this.queue.then(() => options.onState('online'));
    });
    this.xmpp.streamManagement.on('resumed', () => {
      this.loggedIn();
      options.onState('online');
      const info = { restored: this.restored, h: this.resumedH };
      this.restored = false;
      this.enqueue('resumed', (p) => p.resumed?.(info));
    });
    this.xmpp.on('status', (status: string) => {
      // Hidden by default in DevTools; says where a connection stuck when one does.
      console.debug(`[parley] connection ${status}`);
      if (status === 'connecting') {
        this.opened = false;
        if (!this.stopped) options.onState('connecting', this.lastError);
      }
      if (status === 'open') {
        this.opened = true;
        clearTimeout(this.loginTimer);
        // Like the stream header: a login the user waits on gets the whole time; one retried anyway
        // starts shorter and doubles (ejabberd was seen leaving a resuming login unanswered, now and then).
        const login = this.keepConnected ? Math.min(LOGIN_TIMEOUT_MS, LOGIN_RETRY_MS * 2 ** this.attempts) : LOGIN_TIMEOUT_MS;
        this.loginTimer = setTimeout(() => this.failed(new Error('the server did not complete the login in time')), login);
      }
      if (status === 'disconnect') {
        clearTimeout(this.loginTimer);
        this.dropped();
      }
    });
    this.xmpp.on('error', (err: Error) => this.failed(err));
  }

  private loggedIn(): void {
    this.attempts = 0;
    this.lastError = undefined;
    clearTimeout(this.loginTimer);
  }

  /**
   * Credentials refused on a reconnect end the session visibly; any other failure while not online
   * (a protocol error mid-login leaves the socket open) drops the connection, so the backoff retries
   * and the status says why.
   */
  private failed(err: Error): void {
    const login = classify(err, this.options.service, this.opened);
    if (this.keepConnected && login instanceof LoginError) {
      this.keepConnected = false;
      clearTimeout(this.timer);
      clearTimeout(this.loginTimer);
      this.options.onAuthLost(login);
      void this.xmpp.disconnect().catch(() => undefined);
      return;
    }
    this.options.log('connection error', err);
    if (!this.keepConnected || this.xmpp.status === 'online' || this.xmpp.status === 'disconnect' || this.xmpp.status === 'offline') return;
    this.lastError = login.message;
    clearTimeout(this.loginTimer);
    void this.xmpp.disconnect().catch(() => undefined);
  }

  /** Adds a plugin; hooks run in the order plugins were added (roster before initial presence). */
  use<P extends Plugin>(make: (ctx: PluginContext) => P): P {
    const plugin = make(this.ctx);
    this.plugins.push(plugin);
    return plugin;
  }

  /**
   * Connects and logs in. With `retry`, a network failure is not an error: the session stays
   * offline and keeps trying (a reload while the server is down). Credentials refused always reject.
   */
  async start({ retry = false } = {}): Promise<void> {
    this.keepConnected = retry;
    this.restored = await this.persistence.restore();
    try {
      // A resumed stream goes online without xmpp.js's 'online' event, which start() waits for.
      const resumed = new Promise<void>((resolve) => this.xmpp.streamManagement.on('resumed', () => resolve()));
      await Promise.race([this.xmpp.start(), resumed]);
      this.keepConnected = true;
    } catch (err) {
      const login = classify(err, this.options.service, this.opened);
      if (retry && !(login instanceof LoginError)) {
        // Offline, or the server failed mid-login: keep trying, and say why meanwhile.
        this.lastError = login.message;
        if (this.xmpp.status !== 'disconnect' && this.xmpp.status !== 'offline') await this.xmpp.disconnect().catch(() => undefined);
        return;
      }
      this.keepConnected = false;
      await this.stop();
      throw login;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.keepConnected = false;
    clearTimeout(this.timer);
    try {
      await withTimeout(this.xmpp.stop(), 3000);
    } catch {
      // A dead socket cannot close cleanly; the server ends the session on its own.
    }
    await this.queue;
  }

  /**
   * Stops without ending the stream: the socket closes but no `</stream>` is sent, so the server
   * keeps the session resumable (XEP-0198) for the worker that takes over, from the state saved here.
   */
  async detach(): Promise<void> {
    this.stopped = true;
    this.keepConnected = false;
    clearTimeout(this.timer);
    if (this.xmpp.socket) {
      // Its 'disconnect' queues the plugins' offline hooks, which should run before storage closes.
      const closed = new Promise<void>((resolve) => this.xmpp.on('disconnect', () => resolve()));
      this.xmpp.socket.end();
      // Prosody 13 leaves a resumed stream's WebSocket open after the close frame (measured): then
      // the socket is closing, sends nothing more (no ack for what was not stored), and the
      // successor's resumption replaces it.
      await withTimeout(closed, 1000).catch(() => undefined);
    }
    await this.queue;
    await this.persistence.flush();
  }

  /** Try now rather than at the next backoff step (the browser says the network is back). */
  reconnectNow(): void {
    if (!this.keepConnected || this.xmpp.status !== 'disconnect') return;
    clearTimeout(this.timer);
    this.attempts = 0;
    void this.reconnect();
  }

  private dropped(): void {
    this.enqueue('offline', (p) => p.offline?.());
    if (!this.keepConnected || this.stopped) return;
    this.options.onState('offline', this.lastError ? `${this.lastError} Retrying…` : 'Connection lost, reconnecting…');
    // Exponential backoff with full jitter, so many clients do not return at the same instant.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts++);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconnect(), ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async reconnect(): Promise<void> {
    if (!this.keepConnected || this.xmpp.status !== 'disconnect') return;
    try {
      await this.xmpp.connect(this.options.service);
      await this.xmpp.open({ domain: this.xmpp.options.domain });
    } catch (err) {
      this.options.log('reconnect failed', err);
      // A failed attempt ends in another 'disconnect', which schedules the next one.
    }
  }

  private enqueue(hook: string, run: (plugin: Plugin) => Promise<void> | void): void {
    this.open = undefined; // stanzas after this hook wait for it
    this.queue = this.queue.then(async () => {
      for (const plugin of this.plugins) {
        try {
          await run(plugin);
        } catch (err) {
          this.options.log(`plugin failed on ${hook}`, err);
        }
      }
    });
  }
}

/**
 * Stanzas that arrived together, plugin by plugin in the order they were added, each plugin
 * taking them in arrival order (noted with `arrived`, clock.ts). Messages pass the envelope stage
 * first (envelope.ts): what it refuses is logged and reaches no plugin. A plugin with an
 * `envelopes` hook takes all the batch's envelopes at once (one transaction), one with a `presences`
 * hook all its presences.
 */
export async function handleBatch(
  plugins: readonly Plugin[],
  batch: Element[],
  ownJid: string,
  log: (message: string, detail?: unknown) => void,
  rooms?: Rooms,
): Promise<void> {
  const items: Item[] = [];
  for (const el of batch) {
    if (el.name === 'presence') {
      items.push({ presence: el });
      continue;
    }
    try {
      const opened = unwrap(el, ownJid, rooms);
      if (opened?.via === 'account') items.push({ account: opened });
      else if (opened) items.push({ envelope: opened });
    } catch (err) {
      log('message dropped', err);
    }
  }
  const envelopes = items.flatMap((i) => ('envelope' in i ? [i.envelope] : []));
  const presences = items.flatMap((i) => ('presence' in i ? [i.presence] : []));
  const run = async (hook: string, call: () => Promise<void> | void) => {
    try {
      await call();
    } catch (err) {
      log(`plugin failed on ${hook}`, err);
    }
  };
  for (const plugin of plugins) {
    if (plugin.envelopes && envelopes.length) await run('envelopes', () => plugin.envelopes!(envelopes));
    if (plugin.presences && presences.length) await run('presences', () => plugin.presences!(presences));
    for (const item of items) {
      if ('presence' in item && plugin.stanza && !plugin.presences) await run('stanza', () => plugin.stanza!(item.presence));
      if ('account' in item && plugin.account) await run('account', () => plugin.account!(item.account));
      if ('envelope' in item && plugin.envelope && !plugin.envelopes) await run('envelope', () => plugin.envelope!(item.envelope));
    }
  }
}

type Item = { presence: Element } | { envelope: Envelope } | { account: AccountMessage };

/**
 * Turns whatever a failed login threw into words for the user. Only a failure before the stream
 * opened is "cannot reach"; after that it is the server's answer or a protocol error.
 */
export function classify(err: unknown, service: string, opened: boolean): Error {
  if (err instanceof LoginError) return err;
  if (err instanceof ScramKeysStaleError) return new LoginError('Your saved login no longer matches the server. Enter your password again.', 'stale');
  if (err instanceof ScramError) return new LoginError(`Login failed: ${err.message}.`, 'auth');
  const e = err as { name?: string; condition?: string; text?: string; message?: string };
  if (e?.name === 'SASLError') {
    if (e.condition === 'not-authorized') return new LoginError('Wrong address or password.', 'auth');
    if (e.condition === 'credentials-expired') return new LoginError('Your saved login has expired. Enter your password again.', 'stale');
    return new LoginError(`Login refused by the server (${e.text || e.condition}).`, 'auth');
  }
  const detail = e?.text || e?.condition || e?.message;
  if (e?.name === 'StreamError') return new Error(`The server ended the connection${detail ? ` (${detail})` : ''}.`);
  if (!opened) return new Error(`Cannot reach the server at ${service}${e?.message ? ` (${e.message})` : ''}.`);
  return new Error(`Login failed${detail ? ` (${detail})` : ''}.`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}
