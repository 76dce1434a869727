// What the harness needs of an XMPP server, whichever one runs, plus the process plumbing both share.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
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
  /** The external component listener (XEP-0114) on 127.0.0.1, when `push` was asked for. */
  componentPort?: number;
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
  /**
   * The server's XEP-0357 module (Prosody's cloud_notify, ejabberd's mod_push) and a component
   * `domain` (the push gateway) accepted with `secret` on a loopback port.
   */
  push?: { domain: string; secret: string };
  /** The server's HTTP File Upload component (XEP-0363) `upload.HOST`, refusing files over `maxBytes`; off by default. */
  upload?: { maxBytes: number };
  /**
   * In-band registration of new accounts (XEP-0077) open to loopback; off by default. Changing one's
   * password and removing one's account work either way.
   */
  registration?: boolean;
  /**
   * ejabberd only: registration asks a CAPTCHA (XEP-0158), drawn by a script of the harness that writes
   * the answer each image stands for to `DIR/captcha-answer`, for the test to read as a person would
   * read the picture.
   */
  captcha?: boolean;
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

/** How to run one server as a child process and know it is up. */
export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where its stdout/stderr go (startup errors are reported there, not in its log). */
  outFile: string;
  logFile: string;
  cfg: string;
  /** Ports that must accept connections before `ready` is asked. */
  ports: number[];
  ready(): Promise<boolean>;
  startMs: number;
  /** How long SIGTERM may take before SIGKILL. */
  stopMs: number;
  inheritOutput?: boolean;
}

/** A server child process: started and waited for, stopped by its PID. */
export function childServer(spec: ChildSpec) {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;

  async function kill(): Promise<void> {
    if (!running()) return;
    child!.kill('SIGKILL');
    await exited;
  }

  return {
    running,
    kill,
    killNow(): void {
      if (running()) child!.kill('SIGKILL');
    },
    async start(): Promise<void> {
      if (running()) return;
      const outFd = openSync(spec.outFile, 'a');
      const c = spawn(spec.command, spec.args, {
        ...(spec.env ? { env: spec.env } : {}),
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
        stdio: ['ignore', spec.inheritOutput ? 'inherit' : outFd, outFd],
      });
      closeSync(outFd);
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      let spawnError: Error | null = null;
      c.once('error', (e) => (spawnError = e));
      const fail = (why: string): Error =>
        new Error(`${spec.name} ${why} (config ${spec.cfg})\n--- ${spec.logFile}:\n${tail(spec.logFile)}\n--- output:\n${tail(spec.outFile)}`);
      const deadline = Date.now() + spec.startMs;
      for (;;) {
        if (spawnError) throw fail(`could not be spawned: ${(spawnError as Error).message}`);
        if (c.exitCode !== null || c.signalCode !== null) throw fail(`exited early (${c.exitCode ?? c.signalCode})`);
        if (Date.now() > deadline) {
          await kill();
          throw fail(`did not come up within ${spec.startMs / 1000} s`);
        }
        if ((await Promise.all(spec.ports.map(canConnect))).every(Boolean) && (await spec.ready())) return;
        await sleep(25);
      }
    },
    async stop(): Promise<void> {
      if (!running()) return;
      child!.kill('SIGTERM');
      const hardKill = setTimeout(() => child!.kill('SIGKILL'), spec.stopMs);
      await exited;
      clearTimeout(hardKill);
    },
  };
}
