/** A small static server for the demo and the browser tests: the demo page plus the built files. */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

export interface ServeOptions {
  /** URL prefix → directory, e.g. { '/': 'demo', '/dist/': 'dist' }. Longest prefix wins. */
  mounts: Record<string, string>;
  /** Replaced in served HTML: `{{NAME}}` → value (names not given: nothing). */
  vars?: Record<string, string>;
  port?: number;
  host?: string;
  /** A WebSocket URL served as this host's XEP-0156 host-meta (XRD and JSON). */
  hostMeta?: string;
  /** URL prefixes of pages that are not Parley's (the bench's Converse.js page): served without Parley's CSP, under their own. */
  foreign?: string[];
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/**
 * The pages' Content Security Policy: scripts only from this origin (no inline script, no eval), and
 * Trusted Types, so no string reaches an HTML or script sink but through the policies named here:
 * Lit's templates and Parley's worker URLs (src/client/script-url.ts).
 */
export const CSP = "script-src 'self'; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types lit-html parley";

const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';
const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** `/.well-known/host-meta(.json)` naming `ws` (XEP-0156), readable from any origin as the XEP asks. */
function hostMetaFiles(ws: string): Record<string, [string, string]> {
  return {
    '/.well-known/host-meta': [
      'application/xrd+xml',
      `<?xml version="1.0" encoding="utf-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="${REL_WEBSOCKET}" href="${escapeAttr(ws)}"/></XRD>\n`,
    ],
    '/.well-known/host-meta.json': ['application/json', JSON.stringify({ links: [{ rel: REL_WEBSOCKET, href: ws }] })],
  };
}

export async function serve({ mounts, vars = {}, port = 0, host = '127.0.0.1', hostMeta, foreign = [] }: ServeOptions): Promise<Served> {
  const wellKnown = hostMeta ? hostMetaFiles(hostMeta) : {};
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server: Server = createServer(async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    const known = wellKnown[path];
    if (known) return void res.writeHead(200, { 'content-type': known[0], 'access-control-allow-origin': '*', 'cache-control': 'no-store' }).end(known[1]);
    if (!prefix) return void res.writeHead(404).end();
    const root = resolve(mounts[prefix]!);
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      let body: Buffer | string = await readFile(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const html = type.startsWith('text/html');
      const ours = html && !foreign.some((p) => path.startsWith(p));
      if (html) body = body.toString().replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
      // Parley's Service Worker lives in /dist/ but serves the page above it.
      const swScope = file.endsWith('-sw.js') ? { 'service-worker-allowed': '/' } : {};
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...swScope, ...(ours ? { 'content-security-policy': CSP } : {}) }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(port, host, ok));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    // The browser may keep a connection open (a page just closed, a Service Worker): without cutting
    // them, close waits for the keep-alive timeout, a minute of a test doing nothing.
    close: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
