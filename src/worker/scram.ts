// SCRAM-SHA-1 / SCRAM-SHA-256 client (RFC 5802, RFC 7677) on WebCrypto only,
// so it runs unchanged in a SharedWorker. No channel binding (gs2 header "n,,").
//
// Messages in and out are the raw SASL strings; base64 for XMPP is the caller's job.

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-1';

/**
 * Salted credentials that let a later login skip the password (and the PBKDF2 cost).
 * ClientKey is password-equivalent for this server: store it like a password.
 */
import { MAX_SCRAM_ITERATIONS } from '../shared/limits.js';
export interface ScramKeys {
  mechanism: ScramMechanism;
  salt: string; // base64
  iterations: number;
  clientKey: string; // base64
  serverKey: string; // base64
}

export type ScramSecret = { password: string } | { keys: ScramKeys };

export class ScramError extends Error {
  /** Value of the server's `e=` attribute, when the server reported the failure. */
  readonly serverError: string | undefined;
  constructor(message: string, serverError?: string) {
    super(message);
    this.name = 'ScramError';
    this.serverError = serverError;
  }
}

/** Stored keys no longer match what the server uses: ask the user for the password again. */
export class ScramKeysStaleError extends ScramError {
  constructor(message: string) {
    super(message);
    this.name = 'ScramKeysStaleError';
  }
}

const HASH: Record<ScramMechanism, { name: 'SHA-256' | 'SHA-1'; bits: number }> = {
  'SCRAM-SHA-256': { name: 'SHA-256', bits: 256 },
  'SCRAM-SHA-1': { name: 'SHA-1', bits: 160 },
};

// RFC 7677 §4 and XEP-0474's advice: fewer makes a stolen exchange cheap to brute-force.
export const MIN_ITERATIONS = 4096;

const GS2_HEADER = 'n,,';

/** Strongest mechanism we support among those the server offers. */
export function pickMechanism(offered: readonly string[]): ScramMechanism | undefined {
  const set = new Set(offered.map((m) => m.trim().toUpperCase()));
  if (set.has('SCRAM-SHA-256')) return 'SCRAM-SHA-256';
  if (set.has('SCRAM-SHA-1')) return 'SCRAM-SHA-1';
  return undefined;
}

export class ScramClient {
  private readonly hash: (typeof HASH)[ScramMechanism];
  private readonly clientNonce: string;
  private readonly clientFirstBare: string;
  private authMessage: string | undefined;
  private derived: ScramKeys | undefined;
  private serverVerified = false;

  /**
   * @throws ScramKeysStaleError if `secret.keys` was made for a different mechanism.
   */
  constructor(
    readonly mechanism: ScramMechanism,
    username: string,
    private readonly secret: ScramSecret,
    nonce?: string,
  ) {
    this.hash = HASH[mechanism];
    if (!this.hash) throw new ScramError(`unsupported mechanism ${String(mechanism)}`);
    if ('keys' in secret && secret.keys.mechanism !== mechanism) {
      throw new ScramKeysStaleError(`stored keys are for ${secret.keys.mechanism}, not ${mechanism}`);
    }
    if ('password' in secret && secret.password === '') throw new ScramError('empty password');
    this.clientNonce = nonce ?? toBase64(crypto.getRandomValues(new Uint8Array(24)));
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(this.clientNonce)) throw new ScramError('invalid client nonce');
    this.clientFirstBare = `n=${escapeUsername(saslPrepLite(username))},r=${this.clientNonce}`;
  }

  clientFirst(): string {
    return GS2_HEADER + this.clientFirstBare;
  }

  async clientFinal(serverFirst: string): Promise<string> {
    if (this.authMessage !== undefined) throw new ScramError('clientFinal already called');
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('m')) throw new ScramError('server requires an unsupported SCRAM extension');

    const nonce = attrs.get('r');
    if (!nonce || !nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new ScramError('server nonce does not extend the client nonce');
    }
    const saltB64 = attrs.get('s');
    const salt = saltB64 === undefined ? undefined : fromBase64(saltB64);
    if (!salt || salt.length === 0) throw new ScramError('missing or invalid salt');
    const iterText = attrs.get('i') ?? '';
    const iterations = /^[1-9][0-9]{0,9}$/.test(iterText) ? Number(iterText) : NaN;
    if (!(iterations <= MAX_SCRAM_ITERATIONS)) throw new ScramError(`unacceptable iteration count "${iterText}"`);
    if (iterations < MIN_ITERATIONS) {
      throw new ScramError(`the server hashes passwords with only ${iterations} iterations (at least ${MIN_ITERATIONS} are needed to keep them safe)`);
    }

    let clientKey: Uint8Array<ArrayBuffer>;
    let serverKey: Uint8Array<ArrayBuffer>;
    if ('password' in this.secret) {
      const salted = await this.hi(saslPrepLite(this.secret.password), salt, iterations);
      clientKey = await this.hmac(salted, 'Client Key');
      serverKey = await this.hmac(salted, 'Server Key');
    } else {
      const keys = this.secret.keys;
      const storedSalt = fromBase64(keys.salt);
      if (!storedSalt || !bytesEqual(storedSalt, salt) || keys.iterations !== iterations) {
        throw new ScramKeysStaleError('server salt or iteration count changed since the keys were stored');
      }
      const ck = fromBase64(keys.clientKey);
      const sk = fromBase64(keys.serverKey);
      if (!ck || !sk) throw new ScramKeysStaleError('stored keys are not valid base64');
      clientKey = ck;
      serverKey = sk;
    }

    const withoutProof = `c=${btoa(GS2_HEADER)},r=${nonce}`;
    this.authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const storedKey = new Uint8Array(await crypto.subtle.digest(this.hash.name, clientKey));
    const clientSignature = await this.hmac(storedKey, this.authMessage);
    const proof = clientKey.map((b, i) => b ^ clientSignature[i]!);

    this.derived = {
      mechanism: this.mechanism,
      salt: toBase64(salt),
      iterations,
      clientKey: toBase64(clientKey),
      serverKey: toBase64(serverKey),
    };
    return `${withoutProof},p=${toBase64(proof)}`;
  }

  /** Throws unless the server proved it knows our credentials. */
  async verifyServerFinal(serverFinal: string): Promise<void> {
    if (this.authMessage === undefined || this.derived === undefined) {
      throw new ScramError('verifyServerFinal called before clientFinal');
    }
    const attrs = parseAttributes(serverFinal);
    const err = attrs.get('e');
    if (err !== undefined) throw new ScramError(`server rejected authentication: ${err}`, err);
    const v = attrs.get('v');
    const got = v === undefined ? undefined : fromBase64(v);
    if (!got) throw new ScramError('server final message has no valid verifier');
    const serverKey = fromBase64(this.derived.serverKey)!;
    const expected = await this.hmac(serverKey, this.authMessage);
    if (!bytesEqual(got, expected)) throw new ScramError('server signature mismatch');
    this.serverVerified = true;
  }

  /** True once verifyServerFinal has accepted the server's signature. */
  get verified(): boolean {
    return this.serverVerified;
  }

  /** Keys to store for password-less re-login; persist them only after verifyServerFinal succeeds. */
  keys(): ScramKeys {
    if (!this.derived) throw new ScramError('keys() called before clientFinal');
    return { ...this.derived };
  }

  private async hi(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
    const key = await crypto.subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', salt, iterations, hash: this.hash.name },
      key,
      this.hash.bits,
    );
    return new Uint8Array(bits);
  }

  private async hmac(keyBytes: Uint8Array<ArrayBuffer>, data: string) {
    const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: this.hash.name }, false, [
      'sign',
    ]);
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(data)));
  }
}

function escapeUsername(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

// Not full SASLprep (no prohibited/bidi checks), but covers the mappings that actually change
// bytes for real passwords, which is what matters for matching the server's salted hash.
function saslPrepLite(s: string): string {
  return s
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/g, '')
    .normalize('NFKC');
}

function parseAttributes(msg: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of msg.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new ScramError(`malformed SCRAM attribute "${part}"`);
    const name = part[0]!;
    if (!attrs.has(name)) attrs.set(name, part.slice(2));
  }
  return attrs;
}

function utf8(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function fromBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

// Length is public; contents are compared without an early exit.
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
