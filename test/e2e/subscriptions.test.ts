/**
 * Subscriptions as people meet them (RFC 6121): two people who add each other, both in Parley, are
 * asked once (adding approves their request to see us, or pre-approves it, §3.4); a stranger's request
 * shows the nickname it came with (XEP-0172) and a Block button that blocks them on the server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { connectPeer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const ROSTER = 'parley-client >>> parley-roster >>> ';

/** Stored roster items: jid → subscription. */
const subscriptions = (page: ClientPage): Promise<Record<string, string>> =>
  page.page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('parley');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const items = await new Promise<{ jid: string; subscription: string }[]>((ok) => {
      const r = db.transaction('roster').objectStore('roster').getAll();
      r.onsuccess = () => ok(r.result as { jid: string; subscription: string }[]);
    });
    db.close();
    return Object.fromEntries(items.map((i) => [i.jid, i.subscription]));
  });

describe('subscriptions', () => {
  let fx: Fixture;
  let aliceProfile: Profile;
  let bobProfile: Profile;
  let alice: ClientPage;
  let bob: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob', 'mallory']);
    aliceProfile = await launch();
    bobProfile = await launch();
    alice = await ClientPage.loggedIn(aliceProfile, fx, 'alice', PASSWORD);
    bob = await ClientPage.loggedIn(bobProfile, fx, 'bob', PASSWORD);
  });

  after(async () => {
    await aliceProfile?.close();
    await bobProfile?.close();
    await fx?.dispose();
  });

  it('two people who add each other are asked once', async () => {
    await alice.addContact(fx.jid('bob'));
    await until(async () => (await bob.requests()).includes(fx.jid('alice')), { what: "alice's request at bob's" });
    // Bob adds her too, rather than pressing Approve.
    await bob.addContact(fx.jid('alice'));
    await until(async () => (await subscriptions(alice))[fx.jid('bob')] === 'both' && (await subscriptions(bob))[fx.jid('alice')] === 'both', {
      what: 'both subscribed to each other',
    });
    // A message from bob reaches alice after anything he sent before it: no request of his is still on its way.
    await alice.open(fx.jid('bob'));
    await bob.open(fx.jid('alice'));
    await bob.type('hello alice');
    await alice.waitForMessages(1);
    assert.deepEqual(await alice.requests(), [], 'alice is not asked');
    assert.deepEqual(await bob.requests(), [], "alice's request is answered at bob's");
  });

  it("a stranger's request shows their nickname, and Block blocks them on the server", async () => {
    const mallory = await connectPeer(fx.server, 'mallory', PASSWORD, { autoApprove: false });
    try {
      await mallory.xmpp.send(xml('presence', { to: fx.jid('alice'), type: 'subscribe' }, xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Mal <b>O</b>')));
      const shown = await until(
        () => alice.page.$eval(`${ROSTER}li.request .name bdi`, (e) => e.textContent ?? '').catch(() => ''),
        { what: "mallory's request" },
      );
      assert.equal(shown, 'Mal <b>O</b>', 'the nickname, as text');
      assert.deepEqual(await alice.requests(), [fx.jid('mallory')]);

      await alice.click(`${ROSTER}li.request button[aria-label="Block ${fx.jid('mallory')}"]`); // the confirmation is accepted
      await until(async () => (await alice.requests()).length === 0, { what: 'the request gone' });
      await until(() => alice.page.$(`${ROSTER}li.blocked[data-jid="${fx.jid('mallory')}"]`), { what: 'mallory in the blocklist' });
      // The server blocks her: alice's blocklist there names her.
      const check = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'check' });
      const list = await check.xmpp.iqCaller.get(xml('blocklist', { xmlns: 'urn:xmpp:blocking' }));
      await check.stop();
      assert.deepEqual(list?.getChildren('item').map((i) => i.attrs.jid), [fx.jid('mallory')]);
    } finally {
      await mallory.stop();
    }
  });
});
