/**
 * `npm run demo`: builds Parley, starts an embedded Prosody 13 (with the SASL2, Bind2 and FAST modules,
 * and cloud_notify for push) with three demo accounts, a room they have talked in and the push gateway
 * beside it (unless PARLEY_SERVICE names a server of your own; then PARLEY_PUSH_GATEWAY may name your
 * gateway), and serves the demo page. Ctrl-C stops it all.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { newKeys } from '../gateway/keys.js';
import { serve } from './lib/serve.js';
import { startProsody, type Prosody } from './lib/prosody.js';
import { seedRoom } from './lib/seed-room.js';

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let prosody: Prosody | undefined;
let gateway: Gateway | undefined;
let service = process.env.PARLEY_SERVICE;
let pushGateway = process.env.PARLEY_PUSH_GATEWAY ?? '';
const accounts = ['alice', 'bob', 'carol'].map((user) => ({ user, password: randomBytes(6).toString('base64url') }));
const ROOM = 'lobby';
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

const port = Number(process.env.PARLEY_DEMO_PORT ?? 8080);
const vars = { SERVICE: service, PUSH_GATEWAY: pushGateway };
const hostMeta = service ? { hostMeta: service } : {};
const server = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars, port, ...hostMeta }).catch(() =>
  // The usual port is taken: any free one will do.
  serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars, ...hostMeta }),
);

console.log(`\nParley demo: ${server.url}\nXMPP server: ${service}${pushGateway ? `\nPush gateway: ${pushGateway}` : ''}`);
if (prosody) {
  console.log('Demo accounts (new each run):');
  for (const a of accounts) console.log(`  ${a.user}@${prosody.host}  password: ${a.password}`);
  console.log('Log in as each in two browser profiles (or a normal and a private window), add each other and chat.');
  console.log('Notifications: press the bell (🔕) as alice, close every Parley tab, and send alice a message as bob.');
  console.log(`Group chat: "Join or create a room", room "${ROOM}" (${ROOM}@conference.${prosody.host}); the three have talked there already.`);
}
console.log('Ctrl-C stops the demo.\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  await gateway?.stop();
  await prosody?.dispose();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
