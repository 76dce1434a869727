/**
 * `npm run demo`: builds Parley, starts an embedded Prosody 13 (with the SASL2, Bind2 and FAST modules)
 * with three demo accounts and a room they have talked in (unless PARLEY_SERVICE names a server of
 * your own) and serves the demo page. Ctrl-C stops it all.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { serve } from './lib/serve.js';
import { startProsody, type Prosody } from './lib/prosody.js';
import { seedRoom } from './lib/seed-room.js';

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let prosody: Prosody | undefined;
let service = process.env.PARLEY_SERVICE;
const accounts = ['alice', 'bob', 'carol'].map((user) => ({ user, password: randomBytes(6).toString('base64url') }));
const ROOM = 'lobby';
if (!service) {
  prosody = await startProsody({ users: accounts, sasl2: true });
  service = prosody.wsUrl;
  const lines = ['Welcome to the lobby!', 'Hi alice, tea anyone?', 'Yes please, bob.'];
  await seedRoom(prosody, `${ROOM}@conference.${prosody.host}`, 'Parley lobby', accounts.map((a, i) => ({ ...a, says: lines[i]! })));
}

const port = Number(process.env.PARLEY_DEMO_PORT ?? 8080);
const server = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: service }, port }).catch(() =>
  // The usual port is taken: any free one will do.
  serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: service! } }),
);

console.log(`\nParley demo: ${server.url}\nXMPP server: ${service}`);
if (prosody) {
  console.log('Demo accounts (new each run):');
  for (const a of accounts) console.log(`  ${a.user}@${prosody.host}  password: ${a.password}`);
  console.log('Log in as each in two browser profiles (or a normal and a private window), add each other and chat.');
  console.log(`Group chat: "Join or create a room", room "${ROOM}" (${ROOM}@conference.${prosody.host}); the three have talked there already.`);
}
console.log('Ctrl-C stops the demo.\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  await prosody?.dispose();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
