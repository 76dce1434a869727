import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/** What a peer got from alice, in arrival order, each as one line saying what it was. */
function fromAlice(peer: Peer, alice: string): string[] {
  return peer.received
    .filter((el) => el.name === 'message' && el.attrs.from?.startsWith(`${alice}/`))
    .flatMap((el: Element) => {
      const replace = el.getChild('replace', 'urn:xmpp:message-correct:0');
      if (replace) return [`edit ${replace.attrs.id}: ${el.getChildText('body')}`];
      const retract = el.getChild('retract', 'urn:xmpp:message-retract:1');
      if (retract) return [`retract ${retract.attrs.id}`];
      const reactions = el.getChild('reactions', 'urn:xmpp:reactions:0');
      if (reactions) return [`react ${reactions.attrs.id}: ${reactions.getChildren('reaction').map((r) => r.text()).join('')}`];
      const body = el.getChildText('body');
      return body ? [body] : [];
    });
}

describe('the outbox: messages and edits sent exactly once, in order', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  const peers: Peer[] = [];
  const aliceJid = () => fx.jid('alice');

  async function peer(user: string, resource?: string): Promise<Peer> {
    const p = await connectPeer(fx.server, user, PASSWORD, resource ? { resource } : {});
    peers.push(p);
    return p;
  }

  /** Sends from alice through the API (as the composer does) and waits until the peer has it. */
  async function say(to: Peer, body: string): Promise<string> {
    const id = await alice.api<string>('send', to.jid.split('/')[0], body);
    await to.waitForBody(body, 30_000);
    return id;
  }

  /** A message from the peer with a known id, stored by alice. */
  async function hear(from: Peer, id: string, body: string): Promise<string> {
    await from.xmpp.send(xml('message', { to: aliceJid(), type: 'chat', id }, xml('body', {}, body)));
    const conversation = from.jid.split('/')[0]!;
    const stored = await until(async () => (await alice.stored(conversation)).find((m) => m.body === body), { what: `alice has "${body}"` });
    return stored.key;
  }

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'], { proxy: true });
    for (const user of ['bob', 'carol', 'dave', 'erin', 'frank', 'grace']) await befriend(fx.server, ['alice', PASSWORD], [user, PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await profile?.close();
    await fx?.dispose();
  });

  it('an edit, a reaction and a retraction made offline are shown at once and reach bob once each, in order with a message typed after', async () => {
    const bob = await peer('bob');
    const bobJid = fx.jid('bob');
    const one = await say(bob, 'one');
    const two = await say(bob, 'two');
    const heard = await hear(bob, 'b1', 'from bob');
    await fx.proxy!.close();
    await alice.waitForStatus('Offline');
    await alice.api('correct', bobJid, `${bobJid} out ${two}`, 'two, edited');
    await alice.api('react', bobJid, heard, ['👍']);
    await alice.api('retract', bobJid, `${bobJid} out ${one}`);
    await alice.api('send', bobJid, 'three');
    const stored = await alice.stored(bobJid);
    assert.deepEqual(stored.map((m) => m.body), ['', 'two, edited', 'from bob', 'three']);
    await fx.proxy!.open();
    await bob.waitForBody('three', 30_000);
    // Round trip: a last message after everything, so a late duplicate would have come before it.
    await say(bob, 'marker');
    assert.deepEqual(fromAlice(bob, aliceJid()), ['one', 'two', `edit ${two}: two, edited`, 'react b1: 👍', `retract ${one}`, 'three', 'marker']);
    await until(async () => (await alice.stored(bobJid)).every((m) => m.state !== 'pending'), { what: 'all sent' });
  });

  it('a send retried with the same page-chosen id after a lost answer is stored and sent once', async () => {
    const carol = await peer('carol');
    const carolJid = fx.jid('carol');
    const id = crypto.randomUUID();
    const [a, b] = await Promise.all([alice.api<string>('send', carolJid, 'only once', id), alice.api<string>('send', carolJid, 'only once', id)]);
    assert.equal(a, id);
    assert.equal(b, id);
    assert.equal(await alice.api<string>('send', carolJid, 'only once', id), id);
    await say(carol, 'marker');
    assert.deepEqual(fromAlice(carol, aliceJid()), ['only once', 'marker']);
    assert.deepEqual((await alice.stored(carolJid)).map((m) => m.body), ['only once', 'marker']);
  });

  for (const dead of ['to-client', 'to-server'] as const) {
    it(`a half-open network (${dead} silently dead): noticed by the unanswered ack request, resumed, each message once both ways`, async () => {
      const user = dead === 'to-client' ? 'dave' : 'erin';
      const other = await peer(user);
      const otherJid = fx.jid(user);
      await say(other, `${user} before`);
      const [full] = await fx.server.sessions('alice');
      const sessionId = await prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].id`);
      fx.proxy!.halfOpen(dead);
      for (let i = 1; i <= 5; i++) await alice.api('send', otherJid, `alice ${i}`);
      // The contact keeps chatting meanwhile: traffic that still reaches alice must not hide that
      // nothing of hers gets through. Only the unanswered ack request can tell: no reset, no end.
      let sent = 0;
      let chatting = true;
      const chatter = (async () => {
        while (chatting) {
          await other.say(aliceJid(), `${user} ${++sent}`);
          await new Promise((r) => setTimeout(r, 700)); // a person's pace
        }
      })();
      try {
        await until(() => fromAlice(other, aliceJid()).includes('alice 5'), { timeout: 60_000, what: "alice's messages through after the half-open drop" });
      } finally {
        chatting = false;
        await chatter;
      }
      await until(async () => (await alice.stored(otherJid)).filter((m) => m.direction === 'in').length === sent && (await alice.stored(otherJid)).every((m) => m.state !== 'pending'), {
        timeout: 60_000,
        what: 'both ways through after the half-open drop',
      });
      assert.equal(await prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].id`), sessionId, 'the same session, resumed');
      await say(other, 'marker');
      const expected = [`${user} before`, ...[1, 2, 3, 4, 5].map((i) => `alice ${i}`), 'marker'];
      assert.deepEqual(fromAlice(other, aliceJid()), expected);
      await other.say(aliceJid(), `${user} marker`);
      await until(async () => (await alice.stored(otherJid)).some((m) => m.body === `${user} marker`), { what: 'marker at alice' });
      assert.deepEqual(
        (await alice.stored(otherJid)).filter((m) => m.direction === 'in').map((m) => m.body),
        Array.from({ length: sent }, (_, i) => `${user} ${i + 1}`).concat(`${user} marker`),
      );
    });
  }
  it('sent but never acked, every tab closed: the new worker resumes and settles them by their stored stream positions, sending nothing twice', async () => {
    const grace = await peer('grace');
    const graceJid = fx.jid('grace');
    await say(grace, 'grace before');
    const [full] = await fx.server.sessions('alice');
    const sessionId = await prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].id`);
    fx.proxy!.halfOpen('to-client'); // the server gets them; alice never hears the acks
    const one = await alice.api<string>('send', graceJid, 'unacked 1');
    await alice.api('react', graceJid, `${graceJid} out ${one}`, ['👀']);
    await alice.api('send', graceJid, 'unacked 2');
    await grace.waitForBody('unacked 2', 30_000);
    assert.ok((await alice.stored(graceJid)).some((m) => m.state === 'pending'), 'no ack reached alice');
    await alice.page.close();
    await until(() => !profile.browser.targets().some((t) => t.type() === 'shared_worker'), { what: 'the worker gone' });
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online', 30_000);
    await until(async () => (await alice.stored(graceJid)).every((m) => m.state !== 'pending'), { what: 'settled after the resumption' });
    assert.equal(await prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].id`), sessionId, 'resumed by the new worker');
    await alice.open(graceJid);
    await alice.type('marker');
    await grace.waitForBody('marker', 30_000);
    assert.deepEqual(fromAlice(grace, aliceJid()), ['grace before', 'unacked 1', `react ${one}: 👀`, 'unacked 2', 'marker']);
  });

  it('edits whose acks were lost are not sent again after a fresh login: the archive catch-up proves them sent', async () => {
    const frank = await peer('frank');
    const frankJid = fx.jid('frank');
    const one = await say(frank, 'one');
    const two = await say(frank, 'two');
    const heard = await hear(frank, 'f1', 'from frank');
    // The server gets everything from here on, and alice hears nothing back: no acks.
    fx.proxy!.halfOpen('to-client');
    await alice.api('correct', frankJid, `${frankJid} out ${two}`, 'two, edited');
    await alice.api('react', frankJid, heard, ['🎉']);
    await alice.api('retract', frankJid, `${frankJid} out ${one}`);
    await alice.api('send', frankJid, 'three');
    await frank.waitForBody('three', 30_000);
    const expected = ['one', 'two', `edit ${two}: two, edited`, 'react f1: 🎉', `retract ${one}`, 'three'];
    assert.deepEqual(fromAlice(frank, aliceJid()), expected);
    // A restarted server has no session to resume: alice logs in afresh once she notices.
    await fx.server.kill();
    await fx.server.start();
    const frankAgain = await peer('frank', 'again');
    await until(async () => (await fx.server.sessions('alice')).length === 1, { timeout: 60_000, what: 'alice logged in again' });
    await alice.waitForStatus('Online', 30_000);
    await say(frankAgain, 'marker');
    assert.deepEqual(fromAlice(frankAgain, aliceJid()), ['marker']);
    await until(async () => (await alice.stored(frankJid)).every((m) => m.state !== 'pending'), { what: 'nothing pending' });
    assert.deepEqual((await alice.stored(frankJid)).map((m) => [m.body, m.state]), [
      ['', 'sent'],
      ['two, edited', 'sent'],
      ['from frank', 'received'],
      ['three', 'sent'],
      ['marker', 'sent'],
    ]);
  });
});
