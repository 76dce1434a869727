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

describe('a roster of hundreds', () => {
  const COUNT = 600;
  let fx: Fixture;
  let profile: Profile;
  let dave: ClientPage;
  const contact = (i: number) => `friend${String(i).padStart(3, '0')}@example.org`;
  /** What the page holds of the roster: rows drawn, the size they announce, and the list's own height. */
  const drawn = () =>
    dave.page.$eval('parley-client >>> parley-roster', (roster) => {
      const rows = [...roster.shadowRoot!.querySelectorAll<HTMLElement>('li.contact-row')];
      return { jids: rows.map((r) => r.dataset.jid!), setsize: rows.map((r) => r.getAttribute('aria-setsize')), height: roster.getBoundingClientRect().height, row: rows[0]?.getBoundingClientRect().height ?? 0 };
    });
  /** Scrolls the side list (a person dragging its scrollbar) to `where` of its height. */
  const scrollTo = (where: number) =>
    dave.page.$eval('parley-client >>> nav.side', (side, where) => side.scrollTo(0, (side.scrollHeight - side.clientHeight) * where), where);

  before(async () => {
    fx = await setup(['dave']);
    // Written by another of dave's clients, as an account imported from elsewhere would hold it.
    const other = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'import' });
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) => other.xmpp.iqCaller.set(xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: contact(i + k) })))),
      );
    }
    await other.stop();
    profile = await launch();
    dave = await ClientPage.loggedIn(profile, fx, 'dave', PASSWORD);
  });

  after(async () => {
    await profile?.close();
    await fx?.dispose();
  });

  it('draws the rows near the screen only, yet scrolls through all of them', async () => {
    await until(async () => (await drawn()).jids.includes(contact(0)), { what: 'the first contact', timeout: 30_000 });
    await scrollTo(1);
    const end = await until(async () => ((d) => (d.jids.includes(contact(COUNT - 1)) ? d : null))(await drawn()), { what: 'the last contact, scrolled to', timeout: 30_000 });
    // A screen's worth and some on either side, not the whole roster: the cost of a page stays flat.
    assert.ok(end.jids.length < COUNT / 4, `${end.jids.length} rows drawn`);
    assert.ok(!end.jids.includes(contact(0)), 'the first contact is no longer drawn');
    // The scrollbar is as long as the whole list, and assistive technology is told its size.
    assert.ok(end.height >= COUNT * end.row * 0.95, `list ${end.height} px for ${COUNT} rows of ${end.row} px`);
    assert.deepEqual(new Set(end.setsize), new Set([String(COUNT)]));
    await scrollTo(0.5);
    const middle = await until(async () => ((d) => (d.jids.includes(contact(COUNT / 2)) ? d : null))(await drawn()), { what: 'the middle contact', timeout: 30_000 });
    // Drawn rows are contiguous and in order: nothing skipped where a person looks.
    const first = middle.jids.map((j) => Number(/\d+/.exec(j)![0]));
    assert.deepEqual(first, first.map((_, k) => first[0]! + k));
    assert.deepEqual(dave.errors, []);
  });
});
