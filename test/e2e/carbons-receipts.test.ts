import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const NS_CARBONS = 'urn:xmpp:carbons:2';
const NS_FORWARD = 'urn:xmpp:forward:0';
const NS_RECEIPTS = 'urn:xmpp:receipts';

interface Shown {
  body: string;
  direction: string | null;
  state: string | null;
}

/** Messages of the open conversation as shown, with direction and state. */
function shown(page: ClientPage): Promise<Shown[]> {
  return page.page.$$eval('parley-client >>> parley-conversation >>> li.message', (els) =>
    els.map((e) => ({ body: e.querySelector('.body')?.textContent ?? '', direction: e.getAttribute('data-direction'), state: e.getAttribute('data-state') })),
  );
}

function waitShown(page: ClientPage, body: string): Promise<Shown> {
  return until(async () => (await shown(page)).find((m) => m.body === body), { what: `"${body}" shown` });
}

/** Every stored message of the page's origin (IndexedDB, read directly). */
function storedMessages(page: ClientPage): Promise<{ key: string; id?: string; body: string; direction: string; conversation: string; state: string }[]> {
  return page.page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('parley');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = await new Promise<unknown[]>((ok) => {
      const r = db.transaction('messages').objectStore('messages').getAll();
      r.onsuccess = () => ok(r.result);
    });
    db.close();
    return all as { key: string; id?: string; body: string; direction: string; conversation: string; state: string }[];
  });
}

const receiptsFor = (peer: Peer, id: string): Element[] =>
  peer.received.filter((el) => el.name === 'message' && el.getChild('received', NS_RECEIPTS)?.attrs.id === id);

describe('message carbons (XEP-0280) and delivery receipts (XEP-0184)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let phone: Peer;
  let bob: Peer;
  let aliceWeb: string;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    // Alice's second device: a Node client that asks for carbons itself, as any client must.
    phone = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' });
    await phone.xmpp.iqCaller.set(xml('enable', { xmlns: NS_CARBONS }));
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { resource: 'laptop' });
    // Bob's client confirms every message that asks, as XEP-0184 clients do.
    bob.xmpp.on('stanza', (el: Element) => {
      if (el.name !== 'message' || !el.getChild('request', NS_RECEIPTS) || !el.attrs.id || !el.attrs.from) return;
      void bob.xmpp.send(xml('message', { to: el.attrs.from, id: crypto.randomUUID() }, xml('received', { xmlns: NS_RECEIPTS, id: el.attrs.id })));
    });
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online for alice' });
    aliceWeb = await until(
      () => bob.received.find((el) => el.name === 'presence' && !el.attrs.type && el.attrs.from?.startsWith(`${fx.jid('alice')}/parley-`))?.attrs.from,
      { what: "bob sees alice's Parley resource" },
    );
    await alice.open(fx.jid('bob'));
  });

  after(async () => {
    await phone?.stop();
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it("a message alice's phone sends to bob shows in Parley as hers", async () => {
    await phone.say(fx.jid('bob'), 'sent from my phone');
    await bob.waitForBody('sent from my phone');
    assert.deepEqual(await waitShown(alice, 'sent from my phone'), { body: 'sent from my phone', direction: 'out', state: 'sent' });
    const stored = (await storedMessages(alice)).filter((m) => m.body === 'sent from my phone');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.conversation, fx.jid('bob'));
  });

  it("a message bob sends to alice's phone shows in Parley as incoming, stored once, and Parley does not confirm the copy", async () => {
    const id = `to-phone-${crypto.randomUUID()}`;
    const message = () =>
      xml('message', { to: phone.jid, type: 'chat', id }, xml('body', {}, 'for your phone'), xml('request', { xmlns: NS_RECEIPTS }));
    await bob.xmpp.send(message());
    await phone.waitForBody('for your phone');
    assert.deepEqual(await waitShown(alice, 'for your phone'), { body: 'for your phone', direction: 'in', state: 'received' });
    // The same message again, now straight to Parley (a resend): same id, so still one message.
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id }, xml('body', {}, 'for your phone')));
    await bob.say(aliceWeb, 'after the resend');
    await waitShown(alice, 'after the resend');
    assert.equal((await storedMessages(alice)).filter((m) => m.body === 'for your phone').length, 1);
    assert.equal((await shown(alice)).filter((m) => m.body === 'for your phone').length, 1);
    // The phone got the original and (being a bare Node client) did not answer; Parley only saw a
    // carbon and must not answer for the phone. Checked below, once a later receipt proves order.
  });

  it('a forged carbon from bob is neither stored nor shown', async () => {
    // Bob knows alice's Parley full JID from her presence and claims her phone sent mallory a message.
    const forged = (kind: 'sent' | 'received', body: string) =>
      xml(
        'message',
        { to: aliceWeb, type: 'chat', id: crypto.randomUUID() },
        xml(kind, { xmlns: NS_CARBONS },
          xml('forwarded', { xmlns: NS_FORWARD },
            xml('message', kind === 'sent'
              ? { from: `${fx.jid('alice')}/phone`, to: fx.jid('bob'), type: 'chat', id: crypto.randomUUID() }
              : { from: fx.jid('bob'), to: fx.jid('alice'), type: 'chat', id: crypto.randomUUID() },
            xml('body', {}, body)))),
      );
    await bob.xmpp.send(forged('sent', 'forged: alice says she owes bob money'));
    await bob.xmpp.send(forged('received', 'forged: a copy of a message alice never got'));
    // Stanzas from one sender arrive in order: once this shows, the forgeries were processed.
    await bob.say(aliceWeb, 'after the forgeries');
    await waitShown(alice, 'after the forgeries');
    const bodies = (await shown(alice)).map((m) => m.body);
    assert.equal(bodies.some((b) => b.startsWith('forged')), false, bodies.join(' | '));
    const stored = await storedMessages(alice);
    assert.equal(stored.some((m) => m.body.startsWith('forged')), false);
    assert.deepEqual(alice.errors, []);
  });

  it("Parley's message to bob turns delivered when bob's client confirms it", async () => {
    await alice.type('please confirm');
    const request = await bob.waitForBody('please confirm');
    assert.ok(request.getChild('request', NS_RECEIPTS), 'Parley asks for a receipt');
    assert.equal(request.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id, request.attrs.id);
    await until(async () => (await shown(alice)).find((m) => m.body === 'please confirm' && m.state === 'delivered'), {
      what: 'message delivered',
    });
    assert.equal(await alice.page.$$eval('parley-client >>> parley-conversation >>> li.message[data-state="delivered"]', (els) => els.length), 1);
    // The phone saw it as a sent carbon; Parley itself keeps exactly one copy.
    await until(() => phone.received.find((el) => el.getChild('sent', NS_CARBONS)), { what: 'sent carbon at the phone' });
    assert.equal((await storedMessages(alice)).filter((m) => m.body === 'please confirm').length, 1);
  });

  it('a receipt that matches no message of ours changes nothing', async () => {
    const before = await storedMessages(alice);
    await bob.xmpp.send(xml('message', { to: aliceWeb, id: crypto.randomUUID() }, xml('received', { xmlns: NS_RECEIPTS, id: 'no-such-message' })));
    await bob.say(aliceWeb, 'after the stray receipt');
    await waitShown(alice, 'after the stray receipt');
    const after = await storedMessages(alice);
    assert.deepEqual(after.filter((m) => before.some((b) => b.key === m.key)), before);
    assert.deepEqual(alice.errors, []);
  });

  it('a message from bob that asks for a receipt gets exactly one, from Parley, after it is stored', async () => {
    const id = `ask-${crypto.randomUUID()}`;
    await bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id }, xml('body', {}, 'did you get this?'), xml('request', { xmlns: NS_RECEIPTS })));
    await waitShown(alice, 'did you get this?');
    const [receipt] = await until(() => (receiptsFor(bob, id).length ? receiptsFor(bob, id) : undefined), { what: 'receipt at bob' });
    assert.equal(receipt!.attrs.from, aliceWeb);
    assert.ok(receipt!.attrs.id && receipt!.attrs.id !== id);
    assert.equal(receipt!.getChildText('body'), null);
    // No second receipt (the phone got the message too but does not answer; Parley answers once).
    await bob.say(fx.jid('alice'), 'one more');
    await waitShown(alice, 'one more');
    assert.equal(receiptsFor(bob, id).length, 1);
    // And the message bob sent to the phone earlier was never confirmed by Parley from its carbon.
    const toPhone = (await storedMessages(alice)).find((m) => m.body === 'for your phone')!;
    assert.equal(receiptsFor(bob, toPhone.id!).length, 0);
  });
});
