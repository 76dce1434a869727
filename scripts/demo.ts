/**
 * `npm run demo`: builds Parley, starts the demo (scripts/lib/demo.ts: an embedded Prosody 13 with three
 * demo accounts, a room they have talked in and the push gateway, unless PARLEY_SERVICE names a server
 * of your own; then PARLEY_PUSH_GATEWAY may name your gateway) and serves the demo page. Ctrl-C stops it all.
 */
import { build, startDemo, ROOM } from './lib/demo.js';

build();
const service = process.env.PARLEY_SERVICE;
const demo = await startDemo({ ...(service ? { service } : {}), pushGateway: process.env.PARLEY_PUSH_GATEWAY ?? '', port: Number(process.env.PARLEY_DEMO_PORT ?? 8080) });
const { prosody, pushGateway } = demo;

console.log(`\nParley demo: ${demo.page.url}\nXMPP server: ${demo.service}${pushGateway ? `\nPush gateway: ${pushGateway}` : ''}`);
if (prosody) {
  console.log('Demo accounts (new each run):');
  for (const a of demo.accounts) console.log(`  ${a.user}@${prosody.host}  password: ${a.password}`);
  console.log('Log in as each in two browser profiles (or a normal and a private window), add each other and chat.');
  console.log('Notifications: press the bell (struck through) as alice, close every Parley tab, and send alice a message as bob.');
  console.log(`Group chat: "Join or create a room", room "${ROOM}" (${ROOM}@conference.${prosody.host}); the three have talked there already.`);
}
console.log('Ctrl-C stops the demo.\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await demo.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
