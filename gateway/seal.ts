/**
 * The gateway keeps no database: a registration's node IS the subscription and its owner, sealed
 * with the gateway's key (AES-256-GCM), and its secret is a MAC of the node. Any instance holding
 * the key serves any node, and a restart loses nothing. Rotating the key voids every registration.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { validSubscription, type WebPushSubscription } from '../src/shared/push.js';

export interface Registration {
  /** The account's bare JID. */
  jid: string;
  subscription: WebPushSubscription;
}

const AAD = Buffer.from('parley push node v1');

export class Sealer {
  private readonly enc: Buffer;
  private readonly mac: Buffer;

  /** `key`: at least 32 random bytes, the gateway's only secret state. */
  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('the gateway key must be at least 32 bytes');
    this.enc = Buffer.from(hkdfSync('sha256', key, '', 'parley push node', 32));
    this.mac = Buffer.from(hkdfSync('sha256', key, '', 'parley push secret', 32));
  }

  seal(r: Registration): { node: string; secret: string } {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.enc, nonce).setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify({ j: r.jid, s: r.subscription })), cipher.final()]);
    const node = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    return { node, secret: this.secret(node) };
  }

  /** The registration a node holds, or null if it was not sealed with this key (or was altered). */
  open(node: string, { allowHttp = false } = {}): Registration | null {
    const raw = Buffer.from(node, 'base64url');
    if (raw.length < 12 + 16 + 2 || raw.length > 8192) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.enc, raw.subarray(0, 12)).setAAD(AAD);
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
      const { j, s } = JSON.parse(text) as { j?: unknown; s?: unknown };
      if (typeof j !== 'string' || !validSubscription(s, { allowHttp })) return null;
      return { jid: j, subscription: s };
    } catch {
      return null;
    }
  }

  /** Whether `secret` is the one handed out with `node` (constant time). */
  verify(node: string, secret: string): boolean {
    const want = Buffer.from(this.secret(node));
    const got = Buffer.from(secret);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private secret(node: string): string {
    return createHmac('sha256', this.mac).update(node).digest().subarray(0, 18).toString('base64url');
  }
}
