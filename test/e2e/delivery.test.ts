import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { prosodyOf, setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

describe('never lose, never duplicate', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  const peers: Peer[] = [];

  /** Bodies a peer received from alice, in arrival order. */
  const fromAlice = (peer: Peer) =>
    peer.received.filter((el) => el.name === 'message' && el.attrs.from?.startsWith(`${fx.jid('alice')}/`) && el.getChildText('body')).map((el) => el.getChildText('body')!);

  async function peer(user: string, resource?: string): Promise<Peer> {
    const p = await connectPeer(fx.server, user, PASSWORD, resource ? { resource } : {});
    peers.push(p);
    return p;
  }

  /**
   * Alice sends one more message and waits until the peer has it: anything sent before it, a late
   * duplicate included, has arrived by then (one stream, in order).
   */
  async function untilMarker(peer: Peer): Promise<void> {
    await alice.open(peer.jid.split('/')[0]!);
    await alice.type('marker');
    await peer.waitForBody('marker', 30_000);
  }

  /** Waits until alice stores exactly `n` messages with `contact`, none pending, and returns them. */
  async function settled(contact: string, n: number) {
    return until(async () => {
      const stored = await alice.stored(fx.jid(contact));
      return stored.length >= n && stored.every((m) => m.state !== 'pending') ? stored : undefined;
    }, { timeout: 60_000, what: `${n} settled messages with ${contact}` });
  }

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', 'dave', 'erin'], { proxy: true });
    for (const user of ['bob', 'carol', 'dave', 'erin']) await befriend(fx.server, ['alice', PASSWORD], [user, PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await profile?.close();
    await fx?.dispose();
  });

  it('socket dropped twice while bob sends 50 and alice types 50: exactly 100 on each side', async () => {
    const bob = await peer('bob');
    await alice.open(fx.jid('bob'));
    const bobSends = (async () => {
      for (const body of range('bob', 1, 50)) {
        await bob.say(fx.jid('alice'), body);
        await sleep(40);
      }
    })();
    for (const [i, body] of range('alice', 1, 50).entries()) {
      await alice.type(body);
      if (i === 15 || i === 35) fx.proxy!.drop();
    }
    await bobSends;
    const stored = await settled('bob', 100);
    assert.equal(stored.length, 100);
    assert.deepEqual(stored.filter((m) => m.direction === 'in').map((m) => m.body), range('bob', 1, 50));
    assert.deepEqual(stored.filter((m) => m.direction === 'out').map((m) => m.body), range('alice', 1, 50));
    assert.equal((await alice.waitForMessages(100)).length, 100);
    await untilMarker(bob);
    assert.deepEqual(fromAlice(bob), [...range('alice', 1, 50), 'marker']);
  });

  it('the server killed and restarted mid-conversation: exactly once each', async () => {
    const carol = await peer('carol');
    await alice.open(fx.jid('carol'));
    for (const body of range('carol', 1, 25)) await carol.say(fx.jid('alice'), body);
    for (const body of range('alice', 1, 25)) await alice.type(body);
    await settled('carol', 50);
    await fx.server.kill();
    for (const body of range('alice', 26, 35)) await alice.type(body); // typed while the server is dead
    await fx.server.start();
    const carolAgain = await peer('carol', 'again');
    for (const body of range('carol', 26, 50)) await carolAgain.say(fx.jid('alice'), body);
    await alice.waitForStatus('Online', 30_000);
    for (const body of range('alice', 36, 50)) await alice.type(body);
    const stored = await settled('carol', 100);
    assert.equal(stored.length, 100);
    assert.deepEqual(stored.filter((m) => m.direction === 'in').map((m) => m.body), range('carol', 1, 50));
    assert.deepEqual(stored.filter((m) => m.direction === 'out').map((m) => m.body), range('alice', 1, 50));
    await untilMarker(carolAgain);
    assert.deepEqual([...fromAlice(carol), ...fromAlice(carolAgain)], [...range('alice', 1, 50), 'marker']);
  });

  // Failed now and then under load (erin 1 after erin 2–5): the closing worker noted erin 1's arrival
  // late, after the whole second the server stamped erin 2–5 with on resumption (see storeMessages;
  // the unit test 'keeps the stream's order when a message was noted late…' reproduces it).
  it('every tab closed while erin keeps sending, one reopened in the resumption window: the session resumes, all there once', async () => {
    const erin = await peer('erin');
    await alice.open(fx.jid('erin'));
    await erin.say(fx.jid('alice'), 'erin 0');
    await settled('erin', 1);
    const [full] = await fx.server.sessions('alice');
    assert.ok(full);
    // Prosody tells session objects apart by id; ejabberd's API shows none, so there the full JID must do.
    const sessionId = () => prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].id`);
    const before = SERVER === 'ejabberd' ? undefined : await sessionId();
    await alice.page.close();
    for (const body of range('erin', 1, 20)) {
      await erin.say(fx.jid('alice'), body);
      await sleep(25);
    }
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online', 30_000);
    const stored = await settled('erin', 21);
    assert.deepEqual(stored.map((m) => m.body), ['erin 0', ...range('erin', 1, 20)]);
    // Server side: the same session object, not a new login with the same resource.
    assert.deepEqual(await fx.server.sessions('alice'), [full]);
    if (before !== undefined) assert.equal(await sessionId(), before);
  });
  it('10 typed offline, every tab closed, back online and one tab opened: dave gets all 10 once, in order', async () => {
    const dave = await peer('dave');
    await alice.open(fx.jid('dave'));
    await fx.proxy!.close();
    await alice.waitForStatus('Offline');
    for (const body of range('offline', 1, 10)) await alice.type(body);
    // Enter was pressed ten times; the last may still be on its way to storage.
    const typed = await until(async () => {
      const stored = await alice.stored(fx.jid('dave'));
      return stored.length === 10 ? stored : undefined;
    }, { what: 'the 10 typed stored' });
    assert.deepEqual(typed.map((m) => m.state), Array(10).fill('pending'));
    await alice.page.close();
    // The worker ends with its last page: the next page must start a new one.
    await until(() => !profile.browser.targets().some((t) => t.type() === 'shared_worker'), { what: 'the worker gone' });
    await fx.proxy!.open();
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online', 30_000);
    await until(() => fromAlice(dave).length >= 10, { timeout: 30_000, what: 'dave has 10' });
    assert.deepEqual((await settled('dave', 10)).map((m) => m.body), range('offline', 1, 10));
    await untilMarker(dave);
    assert.deepEqual(fromAlice(dave), [...range('offline', 1, 10), 'marker']);
  });

});
