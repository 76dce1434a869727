import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('stream management (XEP-0198) counts what the server counts', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  const peers: Peer[] = [];

  before(async () => {
    fx = await setup(['alice', 'bob'], { proxy: true });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await profile?.close();
    await fx?.dispose();
  });

  /** Receipts bob got from alice for each of his message ids. */
  const receiptsAt = (bob: Peer) => {
    const counts = new Map<string, number>();
    for (const el of bob.received) {
      const id = el.name === 'message' ? el.getChild('received', 'urn:xmpp:receipts')?.attrs.id : undefined;
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  const sayWithReceipt = (bob: Peer, id: string, body: string) =>
    bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id }, xml('body', {}, body), xml('request', { xmlns: 'urn:xmpp:receipts' })));

  it('after 600 archive queries (IQ results), pings, presences and messages, a dropped stream resumes: same session, nothing applied twice', async () => {
    const bob = await connectPeer(fx.server, 'bob', PASSWORD);
    peers.push(bob);
    await alice.open(fx.jid('bob'));
    // Scrolling back in 600 conversations that have no history: 600 archive queries, each answered
    // by an IQ result, which xmpp.js's own count misses.
    const empty = Array.from({ length: 600 }, (_, i) => `nobody${i}@${fx.server.host}`);
    for (let i = 0; i < empty.length; i += 50) {
      const done = await Promise.all(empty.slice(i, i + 50).map((jid) => alice.api<boolean>('loadOlder', jid)));
      assert.ok(done.every(Boolean));
    }
    // Pings (IQ gets) and presences from bob, then messages asking for receipts.
    const aliceFull = await until(async () => (await fx.server.sessions('alice'))[0], { what: "alice's session" });
    for (let i = 0; i < 20; i++) await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: aliceFull }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    for (let i = 0; i < 20; i++) await bob.xmpp.send(xml('presence', {}, xml('status', {}, `status ${i}`)));
    const ids = Array.from({ length: 40 }, (_, i) => `bob-${i}`);
    for (const [i, id] of ids.entries()) await sayWithReceipt(bob, id, `bob ${i}`);
    await until(() => ids.every((id) => receiptsAt(bob).has(id)), { timeout: 30_000, what: 'receipts for 40 messages' });

    const sessionId = await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`);
    fx.proxy!.drop();
    // Round trip after the drop: its receipt can only come over a new connection, after anything replayed.
    await sayWithReceipt(bob, 'after-drop', 'after the drop');
    await until(() => receiptsAt(bob).has('after-drop'), { timeout: 30_000, what: 'receipt after the drop' });

    // Server side: the same session object was resumed, not a fresh login under the same resource.
    assert.deepEqual(await fx.server.sessions('alice'), [aliceFull]);
    assert.equal(await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`), sessionId);
    const receipts = receiptsAt(bob);
    assert.deepEqual(
      [...ids, 'after-drop'].filter((id) => receipts.get(id) !== 1).map((id) => `${id}: ${receipts.get(id)}`),
      [],
      'each message confirmed exactly once',
    );
    const stored = (await alice.stored(fx.jid('bob'))).map((m) => m.body);
    assert.deepEqual(stored, [...ids.map((_, i) => `bob ${i}`), 'after the drop']);
  });
  it('contacts shown online are still shown online after a resumed drop', async () => {
    const bob = peers[0]!;
    await bob.xmpp.send(xml('presence', {}, xml('show', {}, 'chat')));
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'free to chat', { what: 'bob shown free to chat' });
    const [aliceFull] = await fx.server.sessions('alice');
    const sessionId = await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`);
    fx.proxy!.drop();
    await sayWithReceipt(bob, 'presence-drop', 'after another drop');
    await until(() => receiptsAt(bob).has('presence-drop'), { timeout: 30_000, what: 'receipt after the drop' });
    assert.equal(await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`), sessionId, 'resumed');
    await alice.waitForStatus('Online');
    assert.equal((await alice.contacts())[fx.jid('bob')], 'free to chat');
  });

  it('after 550 more archive queries, every tab closed and one reopened: the new worker resumes the same session, nothing replayed', async () => {
    const bob = peers[0]!;
    const empty = Array.from({ length: 550 }, (_, i) => `nobody-else${i}@${fx.server.host}`);
    for (let i = 0; i < empty.length; i += 50) await Promise.all(empty.slice(i, i + 50).map((jid) => alice.api<boolean>('loadOlder', jid)));
    await sayWithReceipt(bob, 'before-close', 'before the tabs close');
    await until(() => receiptsAt(bob).has('before-close'), { what: 'receipt before closing' });
    const [aliceFull] = await fx.server.sessions('alice');
    const sessionId = await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`);
    await alice.page.close();
    await until(() => !profile.browser.targets().some((t) => t.type() === 'shared_worker'), { what: 'the worker gone' });
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online', 30_000);
    await sayWithReceipt(bob, 'after-reopen', 'after the reopen');
    await until(() => receiptsAt(bob).has('after-reopen'), { timeout: 30_000, what: 'receipt after the reopen' });
    assert.equal(await prosodyOf(fx).eval(`return prosody.full_sessions["${aliceFull}"].id`), sessionId, 'resumed by the new worker');
    const receipts = receiptsAt(bob);
    assert.deepEqual([...receipts].filter(([, n]) => n !== 1), [], 'each message confirmed exactly once');
    assert.equal((await alice.stored(fx.jid('bob'))).filter((m) => m.body === 'before the tabs close').length, 1);
  });

  it('after a refused resumption (server restarted), a contact who went away meanwhile is no longer shown online', async () => {
    const bob = peers.shift()!;
    assert.equal((await alice.contacts())[fx.jid('bob')], 'free to chat');
    await fx.server.kill(); // every session gone, bob's and the one alice would resume
    await bob.stop();
    await fx.server.start();
    await until(async () => (await alice.status()).startsWith('Online'), { timeout: 30_000, what: 'alice online again' });
    // Offline, and perhaps when he was last seen (XEP-0319, from the server's answer to our probe).
    await until(async () => /^offline( · last seen .+)?$/.test((await alice.contacts())[fx.jid('bob')] ?? ''), { what: 'bob shown offline' });
  });
});
