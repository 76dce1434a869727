/** A TCP proxy in front of the XMPP server, so a test can cut the network the way a real drop does. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  port: number;
  /** Resets every open connection at once (both sides), as a lost network would. */
  drop(): void;
  /** Refuses new connections until `open()`; also drops the open ones. */
  close(): Promise<void>;
  open(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let port = 0;
  let server: net.Server | undefined;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        // A side that ends or closes takes the other with it, as a direct connection would.
        for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
          a.on('end', () => b.end());
          a.on('close', () => b.destroy());
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
  await listen();
  return {
    get port() {
      return port;
    },
    drop,
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
