/** A TCP proxy in front of the XMPP server, so a test can cut the network the way a real drop does. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  port: number;
  /** Resets every open connection at once (both sides), as a lost network would. */
  drop(): void;
  /** New connections go to this port from now on (open ones stay where they are). */
  retarget(port: number): void;
  /**
   * One direction of every open connection silently stops, as on a network that went half-open:
   * bytes sent that way vanish, with no reset and no end, while the other way still flows. New
   * connections work normally.
   */
  halfOpen(dead: 'to-server' | 'to-client'): void;
  /** New connections carry every byte `ms` later each way, as a slow mobile link does (0: none). */
  latency(ms: number): void;
  /**
   * New connections are taken and never answered (what they send is read and discarded), as by a
   * server or middlebox that accepts TCP and hangs, until `stall(false)`; `stalled` counts them.
   */
  stall(on: boolean): void;
  readonly stalled: number;
  /** Refuses new connections until `open()`; also drops the open ones. */
  close(): Promise<void>;
  open(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let target = targetPort;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let port = 0;
  let server: net.Server | undefined;
  let delay = 0;
  let stalling = false;
  let stalled = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        if (stalling) {
          stalled++;
          sockets.add(client);
          client.on('close', () => sockets.delete(client));
          client.on('error', () => undefined);
          client.on('data', () => undefined);
          return;
        }
        const upstream = net.connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        if (delay === 0) client.pipe(upstream).pipe(client);
        else {
          // Equal delays keep the order.
          const slow = (from: net.Socket, to: net.Socket, ms: number) =>
            from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), ms));
          slow(client, upstream, delay);
          slow(upstream, client, delay);
        }
        const pair = { client, upstream };
        pairs.add(pair);
        client.on('close', () => pairs.delete(pair));
        // A side that ends or closes takes the other with it, as a direct connection would (after
        // the bytes still on their way).
        const lag = delay;
        const later = (f: () => void) => (lag === 0 ? f() : setTimeout(f, lag));
        for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
          a.on('end', () => later(() => b.end()));
          a.on('close', () => later(() => b.destroy()));
        }
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });

  const drop = () => {
    for (const s of sockets) s.resetAndDestroy();
  };
  const halfOpen = (dead: 'to-server' | 'to-client') => {
    for (const { client, upstream } of pairs) {
      const [from, to] = dead === 'to-server' ? [client, upstream] : [upstream, client];
      from.unpipe(to);
      from.on('data', () => undefined); // read and discard, so the sender sees nothing wrong
      // Nor does its end or close: the other side is never told.
      from.removeAllListeners('end');
      from.removeAllListeners('close');
      from.on('close', () => sockets.delete(from));
    }
  };
  await listen();
  return {
    get port() {
      return port;
    },
    drop,
    retarget(port) {
      target = port;
    },
    halfOpen,
    latency(ms) {
      delay = ms;
    },
    stall(on) {
      stalling = on;
    },
    get stalled() {
      return stalled;
    },
    async close() {
      drop();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = undefined;
    },
    open: listen,
    async dispose() {
      drop();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
}
