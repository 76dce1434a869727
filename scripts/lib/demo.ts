/**
 * The demo's pieces, shared by `npm run demo` and `npm run screenshots`: the build, and an embedded
 * Prosody 13 (SASL2, Bind2, FAST, cloud_notify) with three demo accounts, a room they have talked in
 * and the push gateway beside it (unless `service` names a server of one's own), plus the demo page.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startGateway, type Gateway } from '../../gateway/gateway.js';
import { newKeys } from '../../gateway/keys.js';
import { serve, type Served } from './serve.js';
import { startProsody, type Prosody } from './prosody.js';
import { seedRoom } from './seed-room.js';

export const ROOM = 'lobby';

export interface Demo {
  page: Served;
  service: string;
  pushGateway: string;
  /** The embedded server and its accounts (new passwords each run); none with a server of one's own. */
  prosody?: Prosody;
  accounts: { user: string; password: string }[];
  stop(): Promise<void>;
}

/** `npm run build`, output shown; exits the process if it fails. */
export function build(): void {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

export async function startDemo({ service, pushGateway = '', port }: { service?: string; pushGateway?: string; port?: number } = {}): Promise<Demo> {
  let prosody: Prosody | undefined;
  let gateway: Gateway | undefined;
  const accounts = ['alice', 'bob', 'carol'].map((user) => ({ user, password: randomBytes(6).toString('base64url') }));
  if (!service) {
    const push = { domain: 'push.localhost', secret: randomBytes(16).toString('hex') };
    prosody = await startProsody({ users: accounts, sasl2: true, push, registration: true });
    service = prosody.wsUrl;
    // New keys each run, as the server's registrations are new each run too.
    const keys = newKeys();
    gateway = await startGateway({
      service: `xmpp://127.0.0.1:${prosody.componentPort}`,
      domain: push.domain,
      password: push.secret,
      key: Buffer.from(keys.key, 'base64url'),
      vapid: { publicKey: keys.vapidPublicKey, privateKey: keys.vapidPrivateKey, subject: process.env.PARLEY_PUSH_SUBJECT ?? 'mailto:parley-demo@example.org' },
    });
    pushGateway = push.domain;
    const lines = ['Welcome to the lobby!', 'Hi alice, tea anyone?', 'Yes please, bob.'];
    await seedRoom(prosody, `${ROOM}@conference.${prosody.host}`, 'Parley lobby', accounts.map((a, i) => ({ ...a, says: lines[i]! })));
  }
  const options = { mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: service, PUSH_GATEWAY: pushGateway }, hostMeta: service };
  // The port asked for may be taken: any free one will do.
  const page = await serve({ ...options, ...(port === undefined ? {} : { port }) }).catch(() => serve(options));
  return {
    page,
    service,
    pushGateway,
    ...(prosody ? { prosody } : {}),
    accounts: prosody ? accounts : [],
    async stop() {
      await page.close();
      await gateway?.stop();
      await prosody?.dispose();
    },
  };
}
