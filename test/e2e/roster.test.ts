import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('roster and presence (RFC 6121)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carolPhone: Peer;
  let carolLaptop: Peer;

  const rosterItem = async (peer: Peer, jid: string) =>
    (await peer.xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' })))?.getChildren('item').find((i) => i.attrs.jid === jid);
  const rosterOf = async (peer: Peer, jid: string) => (await rosterItem(peer, jid))?.attrs.subscription ?? 'none';
  const presencesFrom = (peer: Peer, from: string) => peer.received.filter((el) => el.name === 'presence' && el.attrs.from?.startsWith(from));

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    await befriend(fx.server, ['alice', PASSWORD], ['carol', PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all([bob?.stop(), carolPhone?.stop(), carolLaptop?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it('shows a contact per resource state: the most available one wins, with its status message', async () => {
    carolPhone = await connectPeer(fx.server, 'carol', PASSWORD, { resource: 'phone' });
    await carolPhone.xmpp.send(xml('presence', {}, xml('show', {}, 'away'), xml('status', {}, 'at lunch')));
    await until(async () => (await alice.contacts())[fx.jid('carol')] === 'away — at lunch', { what: 'carol away' });
    carolLaptop = await connectPeer(fx.server, 'carol', PASSWORD, { resource: 'laptop' });
    await until(async () => (await alice.contacts())[fx.jid('carol')] === 'online', { what: 'carol online on laptop' });
    await carolLaptop.stop();
    await until(async () => (await alice.contacts())[fx.jid('carol')] === 'away — at lunch', { what: 'back to the phone' });
  });

  it('our own presence choice reaches contacts', async () => {
    await alice.choosePresence('Busy');
    await until(() => presencesFrom(carolPhone, `${fx.jid('alice')}/`).at(-1)?.getChildText('show') === 'dnd', { what: 'carol sees alice dnd' });
    await alice.choosePresence('Available');
    await until(() => presencesFrom(carolPhone, `${fx.jid('alice')}/`).at(-1)?.getChildText('show') === null, { what: 'alice available' });
  });

  it('a subscription request can be denied', async () => {
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { autoApprove: false });
    await bob.xmpp.send(xml('presence', { to: fx.jid('alice'), type: 'subscribe' }));
    await until(async () => (await alice.requests()).includes(fx.jid('bob')), { what: 'request shown' });
    await alice.deny(fx.jid('bob'));
    await until(async () => (await alice.requests()).length === 0, { what: 'request gone' });
    // Server side: bob's request is no longer pending and he may not see alice.
    await until(async () => !(await rosterItem(bob, fx.jid('alice')))?.attrs.ask, { what: "bob's request closed" });
    assert.equal(await rosterOf(bob, fx.jid('alice')), 'none');
    assert.equal((await alice.contacts())[fx.jid('bob')], undefined);
  });

  it('cancelling a subscription stops the contact seeing our presence', async () => {
    assert.equal(await rosterOf(carolPhone, fx.jid('alice')), 'both');
    await alice.api('cancelSubscription', fx.jid('carol'));
    await until(async () => (await rosterOf(carolPhone, fx.jid('alice'))) === 'from', { what: 'carol no longer subscribed to alice' });
  });

  it('removing a contact takes them off the roster and ends both subscriptions', async () => {
    await alice.removeContact(fx.jid('carol'));
    await until(async () => (await alice.contacts())[fx.jid('carol')] === undefined, { what: 'carol removed' });
    await until(async () => (await rosterOf(carolPhone, fx.jid('alice'))) === 'none', { what: 'carol sees the removal' });
    assert.deepEqual(alice.errors, []);
  });
});
