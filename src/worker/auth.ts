/**
 * Plugs SCRAM (WebCrypto) into xmpp.js's SASL, whose browser build has only PLAIN. The exchange runs
 * through xmpp.js; the server's final signature, which xmpp.js does not pass on, is read here from
 * the <success/> element and verified, so a server that does not know our keys cannot fake a login.
 */
import type { OnAuthenticate, XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { pickMechanism, ScramClient, type ScramKeys, type ScramMechanism, type ScramSecret } from './scram.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

export class LoginError extends Error {
  constructor(
    message: string,
    /** 'auth': credentials refused; 'stale': stored keys no longer work; 'mechanism': nothing safe offered. */
    readonly code: 'auth' | 'stale' | 'mechanism',
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

export interface AuthResult {
  /** Keys to store for the next login, when SCRAM was used. */
  keys?: ScramKeys;
}

// SASL strings travel base64-encoded by btoa/atob, which take one char per byte: convert UTF-8.
const toBinary = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));
const fromBinary = (s: string) => new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));

/** A saslmechanisms-style class driving one ScramClient. */
function scramMechanism(name: string, current: () => ScramClient) {
  return class {
    readonly name = name;
    readonly clientFirst = true;
    private step = 0;
    private final = '';
    async response(): Promise<string> {
      if (this.step === 0) {
        this.step = 1;
        return toBinary(current().clientFirst());
      }
      return this.step === 2 ? toBinary(this.final) : '';
    }
    async challenge(data: string): Promise<void> {
      if (this.step === 1) {
        this.final = await current().clientFinal(fromBinary(data));
        this.step = 2;
      } else {
        // Some servers send the server-final message as a last challenge instead of in <success/>.
        await current().verifyServerFinal(fromBinary(data));
        this.step = 3;
      }
    }
  };
}

export interface Credentials {
  username: string;
  secret: ScramSecret;
  allowPlain: boolean;
}

/**
 * The mechanism to use among those offered: the one stored keys were made for; else the strongest
 * SCRAM; PLAIN only when the page allowed it and we hold a password. Throws a LoginError otherwise.
 */
export function chooseMechanism(offered: readonly string[], { secret, allowPlain }: Omit<Credentials, 'username'>): ScramMechanism | 'PLAIN' {
  if ('keys' in secret) {
    if (offered.includes(secret.keys.mechanism)) return secret.keys.mechanism;
    throw new LoginError('The server no longer offers the login method used before. Enter your password again.', 'stale');
  }
  const scram = pickMechanism(offered);
  if (scram) return scram;
  if (allowPlain && offered.includes('PLAIN')) return 'PLAIN';
  throw new LoginError(`The server offers no login method Parley can use safely (offered: ${offered.join(', ') || 'none'}).`, 'mechanism');
}

/**
 * Registers the SCRAM mechanisms on the client and returns the callback xmpp.js calls with the
 * mechanisms the server offers. `result` receives the keys after a verified login.
 */
export function authenticator(xmpp: XmppClient, credentials: Credentials, result: AuthResult): OnAuthenticate {
  let scram: ScramClient | undefined;
  const current = () => scram!;
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-1']) xmpp.saslFactory.use(name, scramMechanism(name, current));

  return async (authenticate, offered, _fast, entity) => {
    const mechanism = chooseMechanism(offered, credentials);
    if (mechanism === 'PLAIN') {
      const password = 'password' in credentials.secret ? credentials.secret.password : '';
      await authenticate({ username: credentials.username, password }, 'PLAIN');
      return;
    }
    scram = new ScramClient(mechanism, credentials.username, credentials.secret);

    let success: Element | undefined;
    const onNonza = (el: Element) => {
      if (el.is('success', NS_SASL)) success = el;
    };
    entity.on('nonza', onNonza);
    try {
      await authenticate({ username: credentials.username }, mechanism);
    } finally {
      entity.removeListener('nonza', onNonza);
    }
    const additional = success?.text();
    if (additional) await scram.verifyServerFinal(fromBinary(atob(additional)));
    else if (!scram.verified) throw new LoginError('The server did not prove it knows the account keys.', 'auth');
    result.keys = scram.keys();
  };
}
