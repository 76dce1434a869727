// What the harness needs of an XMPP server, whichever one runs, plus the process plumbing both share.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * `prosody`: Prosody 13 with the SASL2/Bind2/FAST community modules (SCRAM-SHA-256);
 * `prosody-sasl1`: the same without them (SASL1 only, SCRAM-SHA-1);
 * `ejabberd`: ejabberd 24.12, SASL2 allowed over WebSocket, FAST.
 */
export type ServerKind = 'prosody' | 'prosody-sasl1' | 'ejabberd';
export const SERVER_KINDS: readonly ServerKind[] = ['prosody', 'prosody-sasl1', 'ejabberd'];

export interface XmppServer {
  kind: ServerKind;
  host: string;
  /** Plain TCP c2s on 127.0.0.1, for Node peers. */
  c2sPort: number;
  /** The HTTP listener that carries the WebSocket endpoint. */
  httpPort: number;
  wsUrl: string;
  dir: string;
  /** Creates the account, or sets its password when it exists. */
  register(user: string, password: string): Promise<void>;
  /** Full JIDs of the user's c2s sessions, sorted; sessions waiting to be resumed are included. */
  sessions(user: string): Promise<string[]>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** SIGTERM, as a clean shutdown. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export interface ServerOptions {
  host?: string; // default 'localhost'
  users?: { user: string; password: string }[];
  log?: boolean; // also log to stdout
}

/** The server `PARLEY_SERVER` names (default `prosody`). */
export function serverKind(env: string | undefined = process.env.PARLEY_SERVER): ServerKind {
  const kind = env || 'prosody';
  if (!(SERVER_KINDS as readonly string[]).includes(kind)) throw new Error(`PARLEY_SERVER=${kind}: expected one of ${SERVER_KINDS.join(', ')}`);
  return kind as ServerKind;
}

// Synchronous cleanups (SIGKILL the server, remove its dir) of every instance not yet disposed.
const cleanups = new Set<() => void>();
let exitHooked = false;

/** Registers a cleanup that runs if the process exits (or is signalled) before `dispose`; returns its remover. */
export function onExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (!exitHooked) {
    exitHooked = true;
    const killAll = (): void => {
      for (const c of cleanups) c();
    };
    process.on('exit', killAll);
    // 'exit' does not run when a signal ends the process with Node's default handling: do it, then re-raise.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      if (process.listenerCount(sig) === 0) {
        process.once(sig, () => {
          killAll();
          process.kill(process.pid, sig);
        });
      }
    }
  }
  return () => cleanups.delete(cleanup);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}
