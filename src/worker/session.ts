/**
 * One XMPP session: the xmpp.js client, SASL, reconnection with backoff, and the routing of each
 * parsed stanza to the plugins. It knows nothing of pages; the service above it does.
 */
import { client, type OnAuthenticate, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Change } from '../shared/api.js';
import type { ParleyDb } from '../storage/db.js';
import { authenticator, LoginError, type AuthResult, type Credentials } from './auth.js';
import type { Plugin, PluginContext } from './plugin.js';
import { ScramError, ScramKeysStaleError } from './scram.js';
import { fixInboundCount, persistStreamManagement, smSettled, type SmPersistence } from './stream-management.js';

export interface SessionOptions {
  jid: string;
  service: string;
  resource: string;
  credentials: Credentials;
  db: ParleyDb;
  commit(change: Change | null): void;
  /** Connection state changed; `error` says why it is not online. */
  onState(state: 'connecting' | 'online' | 'offline', error?: string): void;
  /** The server refused credentials that used to work: the user must log in again. */
  onAuthLost(error: LoginError): void;
  log(message: string, detail?: unknown): void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

export class Session {
  readonly xmpp: XmppClient;
  readonly auth: AuthResult = {};
  private readonly plugins: Plugin[] = [];
  private readonly ctx: PluginContext;
  private queue: Promise<void> = Promise.resolve();
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private keepConnected = false;
  private stopped = false;
  /** Stanzas received and not yet handled by the plugins. */
  private backlog = 0;
  private readonly persistence: SmPersistence;
  private restored = false;
  private resumedH = 0;

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
    onAuthenticate = authenticator(this.xmpp, options.credentials, this.auth);
    fixInboundCount(this.xmpp);
    this.xmpp.reconnect.stop(); // ours backs off; xmpp.js retries every second forever
    this.ctx = {
      xmpp: this.xmpp,
      db: options.db,
      jid: options.jid,
      commit: options.commit,
      log: options.log,
      archived: async (message) => {
        for (const plugin of this.plugins) {
          try {
            await plugin.archived?.(message);
          } catch (err) {
            options.log('plugin failed on an archived message', err);
          }
        }
      },
    };

    this.xmpp.on('stanza', (stanza: Element) => {
      if (stanza.name === 'iq') return; // the iq callee middleware routes those
      this.backlog++;
      this.enqueue('stanza', (p) => p.stanza?.(stanza));
      this.queue = this.queue.then(() => void this.backlog--);
    });
    this.persistence = persistStreamManagement(this.xmpp, {
      db: options.db,
      bareJid: options.jid,
      backlog: () => this.backlog,
      log: options.log,
    });
    // Dead sockets show as unanswered acks: ask every 20 s, give up after 15 s (xmpp.js: 30 s / 60 s).
    this.xmpp.streamManagement.requestAckInterval = 20_000;
    this.xmpp.streamManagement.timeout = 15_000;
    this.xmpp.on('nonza', (el: Element) => {
      if (el.is('resumed', 'urn:xmpp:sm:3')) this.resumedH = Number(el.attrs.h) || 0;
    });
    this.xmpp.on('online', () => {
      this.attempts = 0;
      // Stanzas sent before the server enables stream management are counted by us but not by it;
      // the server then drops the stream ("acknowledged more stanzas than sent"). Let it settle.
      this.queue = this.queue.then(() => smSettled(this.xmpp));
      this.enqueue('online', (p) => p.online?.());
      this.queue = this.queue.then(() => options.onState('online'));
    });
    this.xmpp.streamManagement.on('resumed', () => {
      this.attempts = 0;
      options.onState('online');
      const info = { restored: this.restored, h: this.resumedH };
      this.restored = false;
      this.enqueue('resumed', (p) => p.resumed?.(info));
    });
    this.xmpp.on('status', (status: string) => {
      if (status === 'connecting' && !this.stopped) options.onState('connecting');
      if (status === 'disconnect') this.dropped();
    });
    this.xmpp.on('error', (err: Error) => {
      const login = classify(err, options.service);
      if (this.keepConnected && login instanceof LoginError) {
        this.keepConnected = false;
        clearTimeout(this.timer);
        options.onAuthLost(login);
      } else {
        options.log('connection error', err);
      }
    });
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
      const login = classify(err, this.options.service);
      if (retry && !(login instanceof LoginError)) return;
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
    this.options.onState('offline', 'Connection lost, reconnecting…');
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

/** Turns whatever a failed start threw into words for the user. */
function classify(err: unknown, service: string): Error {
  if (err instanceof LoginError) return err;
  if (err instanceof ScramKeysStaleError) return new LoginError('Your saved login no longer matches the server. Enter your password again.', 'stale');
  if (err instanceof ScramError) return new LoginError(`Login failed: ${err.message}.`, 'auth');
  const e = err as { name?: string; condition?: string; text?: string; message?: string };
  if (e?.name === 'SASLError') {
    return new LoginError(
      e.condition === 'not-authorized' ? 'Wrong address or password.' : `Login refused by the server (${e.text || e.condition}).`,
      'auth',
    );
  }
  return new Error(`Cannot reach the server at ${service}${e?.message ? ` (${e.message})` : ''}.`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}
