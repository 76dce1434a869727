import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { caps, NS_CAPS, NS_DISCO_INFO } from '../../src/worker/caps.js';
import { NS_MDS } from '../../src/worker/mds.js';
import { NS_PUBSUB_EVENT } from '../../src/worker/pubsub.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const badge = (page: ClientPage, jid: string) =>
  page.page.$eval(`parley-client >>> parley-conversations >>> li[data-jid="${jid}"]`, (li) => li.querySelector('.badge')?.textContent?.trim() ?? '');

describe('read here, read everywhere: tabs, other devices (XEP-0490) and the sender (XEP-0333)', () => {
  let fx: Fixture;
  let profile: Profile;
  let tab1: ClientPage;
  let tab2: ClientPage;
  let bob: Peer;
  let phone: Peer;
  const ids: string[] = [];

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    // Alice's phone asks for MDS notifications the standard way: +notify in its entity capabilities.
    phone = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' });
    const phoneCaps = caps({ xmpp: phone.xmpp } as PluginContext, {
      identities: [{ category: 'client', type: 'phone', name: 'Phone' }],
      features: [NS_DISCO_INFO, NS_CAPS, `${NS_MDS}+notify`],
    });
    await phone.xmpp.send(xml('presence', {}, await phoneCaps.element()));
    profile = await launch();
    tab1 = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    tab2 = await ClientPage.open(profile, fx.url);
    await tab2.waitForStatus('Online');
  });

  after(async () => {
    await Promise.all([bob?.stop(), phone?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it('bob sends 5: both tabs show 5 unread', async () => {
    for (let i = 1; i <= 5; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      await bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id }, xml('body', {}, `unread ${i}`), xml('markable', { xmlns: 'urn:xmpp:chat-markers:0' })));
    }
    for (const tab of [tab1, tab2]) await until(async () => (await badge(tab, fx.jid('bob'))) === '5', { what: '5 unread' });
  });

  it('alice reads them in tab 1: tab 2 and the phone (a notification) say read, bob gets displayed', async () => {
    await tab1.open(fx.jid('bob'));
    await until(async () => (await badge(tab2, fx.jid('bob'))) === '', { what: 'tab 2 read' });
    // The phone is told, with the archive id of the newest message it also received.
    const newest = await until(() => phone.received.find((el) => el.name === 'message' && el.attrs.id === ids[4])?.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.id, { what: 'phone has the stanza-id' });
    const event = await until(() => phone.received.find((el: Element) => el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items')?.attrs.node === NS_MDS), { timeout: 15_000, what: 'MDS notification at the phone' });
    assert.equal(event.attrs.from, fx.jid('alice'));
    const item = event.getChild('event', NS_PUBSUB_EVENT)!.getChild('items')!.getChild('item')!;
    assert.equal(item.attrs.id, fx.jid('bob'));
    assert.equal(item.getChild('displayed', NS_MDS)?.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.id, newest);
    const marker = await until(() => bob.received.find((el) => el.getChild('displayed', 'urn:xmpp:chat-markers:0')), { what: 'bob gets displayed' });
    assert.equal(marker.getChild('displayed', 'urn:xmpp:chat-markers:0')!.attrs.id, ids[4]);
  });
});
