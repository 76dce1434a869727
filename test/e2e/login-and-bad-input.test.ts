import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { serve, type Served } from '../../scripts/lib/serve.js';
import { freePort } from '../../scripts/lib/server.js';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('login, credentials at rest, and hostile input', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let unreachable: Served;

  before(async () => {
    fx = await setup(['alice', 'bob', 'mallory'], { proxy: true });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    // The same page, pointed at a port where nothing listens.
    unreachable = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: `ws://127.0.0.1:${await freePort()}/xmpp-websocket` } });
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await unreachable?.close();
    await fx?.dispose();
  });

  it('a wrong password shows a clear error and stores nothing', async () => {
    alice = await ClientPage.open(profile, fx.url);
    await alice.login(fx.jid('alice'), 'not the password');
    assert.equal(await alice.loginError(), 'Wrong address or password.');
    assert.equal(await alice.hasLoginForm(), true);
    const stored = JSON.parse(await alice.storedText()) as Record<string, unknown[]>;
    assert.deepEqual(stored.account, []);
  });

  it('an unreachable server shows a clear error', async () => {
    const page = await ClientPage.open(profile, unreachable.url);
    await page.login(fx.jid('alice'), PASSWORD);
    assert.match(await page.loginError(), /^Cannot reach the server at ws:\/\/127\.0\.0\.1:\d+\/xmpp-websocket/);
    await page.page.close();
  });

  it('a slow link (1.2 s each way, as on a poor mobile network) still logs in', async () => {
    fx.proxy!.latency(1200);
    const slow = await launch();
    try {
      const page = await ClientPage.open(slow, fx.url);
      await page.login(fx.jid('mallory'), PASSWORD);
      assert.equal(await page.waitForStatus('Online', 30_000), 'Online');
    } finally {
      fx.proxy!.latency(0);
      await slow.close();
    }
  });

  it('a good login stores a FAST token where the server offers FAST, else SCRAM keys; never the password', async () => {
    await alice.login(fx.jid('alice'), PASSWORD);
    await alice.waitForStatus('Online');
    const stored = await alice.storedText();
    assert.equal(stored.includes(PASSWORD), false);
    type Account = { jid: string; keys?: { mechanism: string; clientKey: string }; fast?: { token: string } };
    const [account] = (JSON.parse(stored) as { account: Account[] }).account;
    assert.equal(account?.jid, fx.jid('alice'));
    // Both SASL2 servers of the suite offer FAST (Prosody's sasl2_fast, ejabberd's mod_auth_fast); the SASL1 one cannot.
    if (SERVER === 'prosody-sasl1') {
      assert.match(account?.keys?.mechanism ?? '', /^SCRAM-SHA-/);
      assert.ok((account?.keys?.clientKey.length ?? 0) > 20);
      assert.equal(account?.fast, undefined);
    } else {
      assert.ok((account?.fast?.token.length ?? 0) > 10, 'a FAST token');
      assert.equal(account?.keys, undefined, 'no SCRAM keys beside it');
    }
  });

  // Caught: xmpp.js gives a WebSocket handshake no time limit, so one that was never answered left the
  // session "Connecting…" for good, and nothing tried again.
  it('a server that takes the connection and never answers: the reconnect gives up on it and comes back once it answers', async () => {
    fx.proxy!.stall(true);
    try {
      fx.proxy!.drop();
      await until(() => fx.proxy!.stalled > 0, { what: 'a reconnect attempt that gets no answer' });
    } finally {
      fx.proxy!.stall(false);
    }
    assert.equal(await alice.waitForStatus('Online', 30_000), 'Online');
  });

  it('markup in a message body is shown as text and runs nothing', async () => {
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { resource: 'evil' });
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online' });
    await alice.open(fx.jid('bob'));
    const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>`;
    await bob.say(fx.jid('alice'), payload);
    assert.deepEqual(await alice.waitForMessages(1), [payload]);
    const injected = await alice.page.$$('parley-client >>> parley-conversation >>> li.message img, li.message script, li.message b');
    assert.equal(injected.length, 0);
    assert.equal(await alice.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('message styling (XEP-0393) and /me (XEP-0245) render as elements built from parsed text; only http(s)/xmpp links', async () => {
    await bob.say(fx.jid('alice'), '*bold* _em_ `code` ~gone~ see https://example.org/a, not javascript:alert(1) *<script>*');
    await bob.say(fx.jid('alice'), '/me waves');
    await alice.waitForMessages(3);
    const last = 'parley-client >>> parley-conversation >>> li.message';
    const styled = await alice.page.$$eval(last, (lis) => {
      // No named helpers in here: tsx would wrap them in a function the page does not have.
      const li = lis.at(-2)!;
      return {
        strong: li.querySelector('strong')?.textContent,
        em: li.querySelector('.body em')?.textContent,
        code: li.querySelector('code')?.textContent,
        strike: li.querySelector('s')?.textContent,
        links: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        scripts: li.querySelectorAll('script').length,
      };
    });
    assert.deepEqual(styled, { strong: '*bold*', em: '_em_', code: '`code`', strike: '~gone~', links: ['https://example.org/a'], scripts: 0 });
    assert.equal((await alice.messages()).at(-1), '* bob waves');
  });

  it('a roster push from another user is ignored (RFC 6121 §2.1.6)', async () => {
    // Bob learned alice's full JID from her presence and forges a push adding mallory.
    const aliceFull = bob.received.find((el) => el.name === 'presence' && el.attrs.from?.startsWith(`${fx.jid('alice')}/`))?.attrs.from;
    assert.ok(aliceFull, 'alice presence seen by bob');
    const reply = await bob.xmpp.iqCaller
      .request(xml('iq', { type: 'set', to: aliceFull, id: 'forged-1' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: fx.jid('mallory'), subscription: 'both', name: 'Trust me' }))))
      .then(() => 'result', (err: { condition?: string }) => err.condition ?? 'error');
    assert.equal(reply, 'service-unavailable');
    // A real push for a real change still lands afterwards: the roster is live, not frozen.
    await alice.addContact(fx.jid('mallory'));
    // The server may push the item and its pending request apart (ejabberd does): the second settles it.
    await until(async () => (await alice.contacts())[fx.jid('mallory')] === 'offline · awaiting approval', { what: 'mallory added by alice herself, awaiting approval' });
    const stored = JSON.parse(await alice.storedText()) as { roster: { jid: string; name?: string; subscription: string }[] };
    assert.deepEqual(stored.roster.find((r) => r.jid === fx.jid('mallory')), { jid: fx.jid('mallory'), groups: [], subscription: 'none', pendingOut: true });
  });
});
