/**
 * Keeps what a follower tab relays to the leading tab private. The relay runs over a
 * BroadcastChannel that every same-origin page can listen to, and it carries logins (passwords).
 * Each tab has an ECDH P-256 key pair; each pair of tabs derives an AES-GCM key from it, and every
 * relayed message is sealed with that key, bound to its sender and receiver.
 */
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

export interface Sealed {
  /** The sender's public key (raw P-256 point). */
  key: ArrayBuffer;
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

export class RelayCrypto {
  private readonly pair = crypto.subtle.generateKey(ECDH, false, ['deriveKey']) as Promise<CryptoKeyPair>;
  private readonly ownKey = this.pair.then((pair) => crypto.subtle.exportKey('raw', pair.publicKey));
  /** AES keys by peer tab and its public key: a tab that reuses another's id gets its own key. */
  private readonly shared = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly me: string) {}

  async seal(to: string, peerKey: ArrayBuffer, message: unknown): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: route(this.me, to) },
      await this.sharedKey(to, peerKey),
      new TextEncoder().encode(JSON.stringify(message)),
    );
    return { key: await this.ownKey, iv, data };
  }

  /** The message `from` sealed for this tab; throws if it was not (wrong key, altered, replayed to another tab). */
  async open(from: string, sealed: Sealed): Promise<unknown> {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv, additionalData: route(from, this.me) },
      await this.sharedKey(from, sealed.key),
      sealed.data,
    );
    return JSON.parse(new TextDecoder().decode(plain));
  }

  publicKey(): Promise<ArrayBuffer> {
    return this.ownKey;
  }

  private sharedKey(peer: string, raw: ArrayBuffer): Promise<CryptoKey> {
    const id = `${peer} ${btoa(String.fromCharCode(...new Uint8Array(raw)))}`;
    let key = this.shared.get(id);
    if (!key) {
      key = (async () => {
        const theirs = await crypto.subtle.importKey('raw', raw, ECDH, false, []);
        const { privateKey } = await this.pair;
        return crypto.subtle.deriveKey({ name: 'ECDH', public: theirs }, privateKey, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      })();
      this.shared.set(id, key);
    }
    return key;
  }
}

const route = (from: string, to: string) => new TextEncoder().encode(`${from}>${to}`);
