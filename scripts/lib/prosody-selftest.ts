// Checks scripts/lib/prosody.ts end to end.
// Run: node --experimental-websocket --import tsx scripts/lib/prosody-selftest.ts
import { client, xml, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { startProsody, type Prosody } from './prosody.js';

const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

// PLAIN in @xmpp/client 0.14 base64-encodes with btoa(), so non-ASCII passwords only work over SCRAM-SHA-1.
async function connect(p: Prosody, user: string, password: string, mechanism = 'PLAIN'): Promise<XmppClient> {
  const c = client({
    service: p.wsUrl,
    domain: p.host,
    resource: 'selftest',
    credentials: (auth) => auth({ username: user, password }, mechanism),
  });
  c.on('error', () => {}); // failures surface through start()
  await c.start();
  return c;
}

function nextMessage(c: XmppClient, timeoutMs = 5000): Promise<Element> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message received')), timeoutMs);
    c.on('stanza', function onStanza(s: Element) {
      if (!s.is('message') || !s.getChild('body')) return;
      clearTimeout(t);
      c.off('stanza', onStanza);
      resolve(s);
    });
  });
}

let p: Prosody | undefined;
try {
  let t0 = performance.now();
  p = await startProsody({ users: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b "sec" \\ ret é' }] });
  console.log(`startProsody (start + 2 users): ${ms(t0)}  ${p.wsUrl}  ${p.dir}`);

  t0 = performance.now();
  for (let i = 0; i < 10; i++) await p.register(`user${i}`, `pw${i}`);
  console.log(`register: ${((performance.now() - t0) / 10).toFixed(1)} ms per user (running server)`);

  check((await p.sessions('alice')).length === 0, 'no session before login');
  const alice = await connect(p, 'alice', 'a-secret');
  const bob = await connect(p, 'bob', 'b "sec" \\ ret é', 'SCRAM-SHA-1');
  t0 = performance.now();
  const sessions = await p.sessions('alice');
  console.log(`sessions(): ${ms(t0)} -> ${JSON.stringify(sessions)}`);
  check(sessions.length === 1 && sessions[0] === alice.jid?.toString(), 'sessions(alice) is her one session');

  await alice.send(xml('presence')); // without available presence, bare-JID chat goes to offline storage
  const got = nextMessage(alice);
  await bob.send(xml('message', { to: `alice@${p.host}`, type: 'chat' }, xml('body', {}, 'hello alice')));
  const msg = await got;
  check(msg.getChildText('body') === 'hello alice' && msg.attrs.from?.startsWith(`bob@${p.host}`) === true, 'alice receives bob\'s message');
  await Promise.all([alice.stop(), bob.stop()]);

  t0 = performance.now();
  await p.kill();
  await p.start();
  console.log(`kill + start: ${ms(t0)}`);
  const alice2 = await connect(p, 'alice', 'a-secret');
  check(alice2.jid?.bare().toString() === `alice@${p.host}`, 'alice logs in again after a crash');
  await alice2.stop();

  t0 = performance.now();
  await p.stop();
  await p.register('carol', 'c-secret');
  console.log(`register while stopped (prosodyctl): ${ms(t0)} incl. stop`);
  await p.start();
  await (await connect(p, 'carol', 'c-secret')).stop();
  check(true, 'user registered while stopped can log in');

  await p.dispose();
  p = undefined;
  console.log('selftest passed');
  process.exit(0);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  await p?.dispose().catch(() => {});
  process.exit(1);
}
