/**
 * Stands where a browser's push service would be (RFC 8030), on loopback: it makes subscriptions
 * (P-256 key pair and auth secret, generated here with node:crypto as a browser would), and for each
 * push it checks the VAPID token (RFC 8292) and decrypts the payload (RFC 8291, aes128gcm) with the
 * subscription's private key. What a real push service and browser do between them, in one place.
 */
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebPushSubscription } from '../../src/shared/push.js';

export interface Delivery {
  subscription: string;
  /** The decrypted payload text. */
  text: string;
  /** The VAPID public key the sender signed with, and the JWT claims. */
  vapidKey: string;
  claims: { aud: string; exp: number; sub: string };
  /** What this service answered (201, or 410 once the subscription was dropped). */
  status: number;
  at: number;
}

export interface PushService {
  /** A new browser subscription whose endpoint is this service. */
  subscribe(): WebPushSubscription & { id: string };
  /** Answers pushes to this subscription with `status` from now on (410: the browser dropped it). */
  answer(id: string, status: number): void;
  /** Every push that passed the checks, whatever was answered. */
  deliveries: Delivery[];
  /** Requests this service refused (bad VAPID, undecryptable), with why. */
  rejected: string[];
  /** Resolves with the next delivery to `id` (or one already there beyond `after`). */
  next(id: string, after?: number, timeout?: number): Promise<Delivery>;
  close(): Promise<void>;
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 8291 §3.4 / RFC 8188: decrypts a single-record aes128gcm body. */
export function decryptPush(body: Buffer, ua: ECDH, auth: Buffer): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const uaPublic = ua.getPublicKey();
  const ecdhSecret = ua.computeSecret(asPublic);
  const prkKey = hmac(auth, ecdhSecret);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]);
  const ikm = hmac(prkKey, keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then padding zeros.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('no last-record delimiter');
  return plain.subarray(0, end).toString('utf8');
}

/** RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT must be ES256-signed by k. Returns the claims. */
export function checkVapid(header: string | undefined, origin: string): { key: string; claims: Delivery['claims'] } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`no VAPID authorization: ${header}`);
  const [jwt, key] = [m[1]!, m[2]!];
  const [head, claims, sig] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('VAPID key is not an uncompressed P-256 point');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const header_ = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header_.alg !== 'ES256') throw new Error(`VAPID alg ${header_.alg}`);
  if (!verify('sha256', Buffer.from(`${head}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) {
    throw new Error('VAPID signature does not verify');
  }
  const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Delivery['claims'];
  if (c.aud !== origin) throw new Error(`VAPID aud ${c.aud}, expected ${origin}`);
  if (!(c.exp * 1000 > Date.now()) || c.exp * 1000 > Date.now() + 24 * 3600_000) throw new Error(`VAPID exp ${c.exp} out of range`);
  if (!/^(mailto:|https:)/.test(c.sub)) throw new Error(`VAPID sub ${c.sub}`);
  return { key, claims: c };
}

export async function startPushService(): Promise<PushService> {
  const subs = new Map<string, { ua: ECDH; auth: Buffer; status: number }>();
  const deliveries: Delivery[] = [];
  const rejected: string[] = [];
  const waiters = new Set<() => void>();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      const sub = id && subs.get(id);
      if (req.method !== 'POST' || !sub) return void res.writeHead(404).end();
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${req.headers['content-encoding']}`);
        if (!req.headers.ttl) throw new Error('no TTL');
        const { key, claims } = checkVapid(req.headers.authorization, origin);
        const text = decryptPush(Buffer.concat(chunks), sub.ua, sub.auth);
        deliveries.push({ subscription: id, text, vapidKey: key, claims, status: sub.status, at: Date.now() });
      } catch (err) {
        rejected.push(String(err));
        return void res.writeHead(400).end();
      }
      for (const w of waiters) w();
      res.writeHead(sub.status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    deliveries,
    rejected,
    subscribe() {
      const id = randomBytes(8).toString('hex');
      const ua = createECDH('prime256v1');
      ua.generateKeys();
      const auth = randomBytes(16);
      subs.set(id, { ua, auth, status: 201 });
      return { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: ua.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(id, status) {
      subs.get(id)!.status = status;
    },
    next(id, after = 0, timeout = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = deliveries.filter((d) => d.subscription === id)[after];
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no push to ${id} within ${timeout} ms (rejected: ${rejected.join('; ') || 'none'})`));
        }, timeout);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
