/**
 * Login for xmpp.js over SASL2 (XEP-0388) or SASL1: SCRAM on WebCrypto (xmpp.js's browser build has
 * only PLAIN), FAST tokens (XEP-0484) where offered, and a stable user-agent id. The server must prove
 * it knows the account's keys: its signature is read from SASL1's <success/> (which xmpp.js does not
 * pass on) or SASL2's <additional-data/>, and a SASL2 success without one is refused before xmpp.js
 * binds anything.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { FastToken, OnAuthenticate, XmppClient } from '@xmpp/client';
import type { StoredKeys } from '../shared/records.js';
import { pickMechanism, ScramClient, type ScramMechanism, type ScramSecret } from './scram.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_SASL2 = 'urn:xmpp:sasl:2';

export class LoginError extends Error {
  constructor(
    message: string,
    /** 'auth': credentials refused; 'stale': stored credentials no longer work; 'mechanism': nothing safe offered. */
    readonly code: 'auth' | 'stale' | 'mechanism',
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

const STALE = 'Your saved login no longer works on this server. Enter your password again.';

/** What one login leaves to store: never the password. */
export interface AuthResult {
  /** SCRAM-derived keys, when SCRAM was used. */
  keys?: StoredKeys;
  /** The FAST token in force after this login; null when the server dropped it or offers no FAST. */
  fast?: FastToken | null;
}

/** What may be used to log in; at least one of them. */
export interface Credentials {
  username: string;
  password?: string;
  keys?: StoredKeys;
  fast?: FastToken;
  allowPlain: boolean;
}

// SASL strings travel base64-encoded by btoa/atob, which take one char per byte: convert UTF-8.
const toBinary = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));
const fromBinary = (s: string) => new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));

/**
 * A saslmechanisms-style class driving one ScramClient. `final` is the SASL2 hook xmpp.js calls with
 * <additional-data/>: there it carries the server's signature.
 */
function scramMechanism(name: string, current: () => ScramClient) {
  return class {
    readonly name = name;
    readonly clientFirst = true;
    private step = 0;
    private clientFinal = '';
    async response(): Promise<string> {
      if (this.step === 0) {
        this.step = 1;
        return toBinary(current().clientFirst());
      }
      return this.step === 2 ? toBinary(this.clientFinal) : '';
    }
    async challenge(data: string): Promise<void> {
      if (this.step === 1) {
        this.clientFinal = await current().clientFinal(fromBinary(data));
        this.step = 2;
      } else {
        // Some servers send the server-final message as a last challenge instead of in <success/>.
        await current().verifyServerFinal(fromBinary(data));
        this.step = 3;
      }
    }
    async final(data: string): Promise<void> {
      await current().verifyServerFinal(fromBinary(data));
    }
  };
}

/**
 * The mechanism to use among those offered. With a password: the strongest SCRAM, PLAIN only when
 * the page allowed it. Without: the one stored keys were made for; else, holding a FAST token, the
 * strongest SCRAM for xmpp.js to fall back to (it tries the token first; the fallback asks for the
 * password if the token fails). Throws a LoginError when nothing fits.
 */
export function chooseMechanism(offered: readonly string[], credentials: Omit<Credentials, 'username'>): ScramMechanism | 'PLAIN' {
  const { password, keys, fast, allowPlain } = credentials;
  const scram = pickMechanism(offered);
  if (password) {
    if (scram) return scram;
    if (allowPlain && offered.includes('PLAIN')) return 'PLAIN';
    throw new LoginError(`The server offers no login method Parley can use safely (offered: ${offered.join(', ') || 'none'}).`, 'mechanism');
  }
  if (keys && offered.includes(keys.mechanism)) return keys.mechanism;
  if (fast && scram) return scram;
  if (keys) throw new LoginError('The server no longer offers the login method used before. Enter your password again.', 'stale');
  throw new LoginError(STALE, 'stale');
}

/** XEP-0388 user agent: the same id on every login from this install lets the server tie FAST tokens to it. */
export function userAgent(id: string): Element {
  return xml('user-agent', { id }, xml('software', {}, 'Parley'), xml('device', {}, deviceName()));
}

function deviceName(): string {
  const ua = (globalThis.navigator as { userAgentData?: { platform?: string } } | undefined)?.userAgentData?.platform;
  return `Web browser${ua ? ` on ${ua}` : ''}`;
}

/**
 * Registers the SCRAM mechanisms and FAST storage on the client and returns the callback xmpp.js
 * calls with the mechanisms the server offers. `result` receives what to store after a verified login;
 * `onToken` hears of every token the server issues or revokes, also on later reconnects.
 */
export function authenticator(
  xmpp: XmppClient,
  { credentials, agentId, result, onToken }: { credentials: Credentials; agentId: string; result: AuthResult; onToken(token: FastToken | null): void },
): OnAuthenticate {
  let scram: ScramClient | undefined;
  // What the next login uses: after a SCRAM login the password is dropped for the keys it gave.
  let creds = credentials;
  let token = credentials.fast;
  let mechanism: ScramMechanism | 'PLAIN' = 'PLAIN';
  // xmpp.js reports a FAST attempt that failed for another reason than the token (a protocol
  // error) as an 'error' event, then falls back to the mechanism: with nothing else to log in with,
  // that failure is the answer, not "enter your password".
  let fastFailure: Error | undefined;
  xmpp.on('error', (err: Error) => {
    if (xmpp.status !== 'online') fastFailure ??= err;
  });
  const current = () => {
    if (!scram) {
      if (fastFailure) throw fastFailure;
      const secret: ScramSecret | undefined = creds.password ? { password: creds.password } : creds.keys ? { keys: creds.keys } : undefined;
      if (!secret) throw new LoginError(STALE, 'stale'); // only a FAST token was held, and the server refused it
      scram = new ScramClient(mechanism as ScramMechanism, creds.username, secret);
    }
    return scram;
  };
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-1']) xmpp.saslFactory.use(name, scramMechanism(name, current));

  Object.assign(xmpp.fast, {
    async fetchToken() {
      return token ?? null;
    },
    async saveToken(t: FastToken) {
      token = t;
      result.fast = t;
      onToken(t);
    },
    async deleteToken() {
      if (!token) return;
      token = undefined;
      result.fast = null;
      onToken(null);
    },
  });

  // A SASL2 success must carry the server's proof; without one, strip what it grants so that xmpp.js
  // binds nothing, and refuse once authenticate() returns. (Listeners run before xmpp.js's own.)
  let unproven = false;
  xmpp.on('nonza', (el: Element) => {
    if (!el.is('success', NS_SASL2) || el.getChild('additional-data')) return;
    unproven = true;
    el.children = [];
  });

  return async (authenticate, offered, fast, entity) => {
    scram = undefined;
    unproven = false;
    fastFailure = undefined;
    mechanism = chooseMechanism(offered, { ...creds, ...(token ? { fast: token } : {}) });
    const agent = userAgent(agentId);
    if (mechanism === 'PLAIN') {
      await authenticate({ username: creds.username, password: creds.password ?? '', ...(token ? { token } : {}) }, 'PLAIN', agent);
      return;
    }

    let success: Element | undefined;
    const onNonza = (el: Element) => {
      if (el.is('success', NS_SASL)) success = el;
    };
    entity.on('nonza', onNonza);
    try {
      await authenticate({ username: creds.username, ...(token && fast ? { token } : {}) }, mechanism, agent);
    } finally {
      entity.removeListener('nonza', onNonza);
    }
    if (unproven) throw new LoginError('The server did not prove it knows the account keys.', 'auth');
    const used = scram as ScramClient | undefined; // set by the mechanism while authenticate() ran
    if (!used) {
      // FAST: the token stays in force (or was replaced through saveToken).
      result.fast ??= token ?? null;
      return;
    }
    const additional = success?.text();
    if (additional) await used.verifyServerFinal(fromBinary(atob(additional)));
    else if (!used.verified) throw new LoginError('The server did not prove it knows the account keys.', 'auth');
    const keys = used.keys();
    result.keys = keys;
    // No FAST here: the keys are what a later login uses.
    if (!fast) result.fast = null;
    const { password: _password, ...rest } = creds;
    creds = { ...rest, keys };
  };
}

/**
 * Why credentials must not go to `service`, or undefined when they may: only over wss://, or ws://
 * to this machine (nobody else sees loopback traffic), unless the page explicitly allowed it.
 */
export function transportRefusal(service: string, allowInsecure = false): string | undefined {
  let url: URL;
  try {
    url = new URL(service);
  } catch {
    return 'The server address must be a ws:// or wss:// URL.';
  }
  if (url.protocol === 'wss:') return undefined;
  if (url.protocol !== 'ws:') return 'The server address must be a ws:// or wss:// URL.';
  if (allowInsecure || isLoopback(url.hostname)) return undefined;
  return `Refusing to send your login unencrypted to ${url.host}: use a wss:// address.`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
