/**
 * Room invitations, direct (XEP-0249) and mediated (XEP-0045), against the real server PARLEY_SERVER
 * names, with a real room on its MUC service. The plugin runs in a real page (plugin-page) with real
 * IndexedDB; bob (who owns the room) and mallory are Node clients. Joining is the MUC plugin's: a
 * recorder stands in for it, and the test checks what it was asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Page } from 'puppeteer-core';
import { launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { buildPluginPage, callPlugin as call, openPluginPage } from '../harness/plugin-page.js';
import { until } from '../harness/wait.js';

const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
const ROOM = 'coven@conference.localhost';

describe('room invitations', () => {
  let fx: Fixture;
  let built: Awaited<ReturnType<typeof buildPluginPage>>;
  let profile: Profile;
  let page: Page;
  let bob: Peer;
  let mallory: Peer;
  const invitation = async (room: string) => (await call(page, 'storedInvitations')).find((i) => i.room === room);
  const messagesTo = (peer: Peer, test: (m: Element) => boolean) => peer.received.filter((m) => m.name === 'message' && test(m));

  before(async () => {
    built = await buildPluginPage();
    fx = await setup(['alice', 'bob', 'mallory'], {
      mounts: { '/plugins/': built.dir },
      // ejabberd's harness has its MUC service; Prosody gets one here.
      prosody: { extraConfig: 'Component "conference.localhost" "muc"' },
    });
    [bob, mallory] = await Promise.all([connectPeer(fx.server, 'bob', PASSWORD), connectPeer(fx.server, 'mallory', PASSWORD)]);
    await bob.xmpp.send(xml('presence', { to: `${ROOM}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await until(() => bob.received.some((p) => p.name === 'presence' && p.attrs.from === `${ROOM}/bob`), { what: 'room created' });
    // Occupants may invite (ejabberd's default room says no).
    const field = (name: string, value: string) => xml('field', { var: name }, xml('value', {}, value));
    await bob.xmpp.iqCaller.set(xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      field('FORM_TYPE', 'http://jabber.org/protocol/muc#roomconfig'), field('muc#roomconfig_allowinvites', '1'))), ROOM);
    profile = await launch();
    page = await openPluginPage(profile, `${fx.url}plugins/`);
    await call(page, 'start', { jid: fx.jid('alice'), password: PASSWORD, service: fx.server.wsUrl, dbName: 'invitations-e2e' });
  });

  after(async () => {
    await Promise.all([bob?.stop(), mallory?.stop()]);
    await profile?.close();
    await fx?.dispose();
    await built?.dispose();
  });

  it('a mediated invitation relayed by the room is shown with its inviter and reason; declining tells the inviter through the room', async () => {
    await bob.xmpp.send(xml('message', { to: ROOM }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to: fx.jid('alice') }, xml('reason', {}, 'Witches only')))));
    const got = await until(() => invitation(ROOM), { what: 'the mediated invitation stored' });
    // Bob by his address, or by his nick where the room hides real addresses (Prosody's default room).
    assert.ok([fx.jid('bob'), `${ROOM}/bob`].includes(got.from), got.from);
    assert.deepEqual([got.kind, got.reason], ['mediated', 'Witches only']);
    await call(page, 'decline', ROOM, 'Too busy');
    const decline = await until(() => messagesTo(bob, (m) => !!m.getChild('x', NS_MUC_USER)?.getChild('decline'))[0], { what: 'the decline at bob' });
    assert.equal(decline.attrs.from, ROOM);
    assert.equal(decline.getChild('x', NS_MUC_USER)!.getChild('decline')!.getChildText('reason'), 'Too busy');
    assert.equal(await invitation(ROOM), undefined);
    assert.deepEqual(await call(page, 'calls'), []);
  });

  it('a direct invitation from anyone is shown with its sender and never joins on its own; accepting joins with its password', async () => {
    await mallory.xmpp.send(xml('message', { to: fx.jid('alice') }, xml('x', { xmlns: 'jabber:x:conference', jid: ROOM, password: 'cauldron', reason: 'Come in' })));
    const got = await until(() => invitation(ROOM), { what: 'the direct invitation stored' });
    assert.deepEqual([got.kind, got.from, got.reason, got.password], ['direct', fx.jid('mallory'), 'Come in', 'cauldron']);
    assert.deepEqual(await call(page, 'calls'), []);
    await call(page, 'accept', ROOM, 'Alice');
    assert.deepEqual(await call(page, 'calls'), [`join ${ROOM} as Alice with cauldron`]);
    assert.equal(await invitation(ROOM), undefined);
  });

  it('declining a direct invitation tells the inviter in a message', async () => {
    const heath = 'heath@conference.localhost';
    await mallory.xmpp.send(xml('message', { to: fx.jid('alice') }, xml('x', { xmlns: 'jabber:x:conference', jid: heath })));
    await until(() => invitation(heath), { what: 'the invitation to the heath' });
    await call(page, 'decline', heath);
    const told = await until(() => messagesTo(mallory, (m) => m.getChildText('body')?.includes(heath) ?? false)[0], { what: 'mallory told' });
    assert.equal(told.getChildText('body'), `I declined your invitation to ${heath}.`);
  });

  it('sends both kinds: the room relays the mediated one', async () => {
    await call(page, 'invite', ROOM, fx.jid('mallory'), { reason: 'Join us', password: 'cauldron' });
    const direct = await until(() => messagesTo(mallory, (m) => !!m.getChild('x', 'jabber:x:conference'))[0], { what: 'the direct invitation at mallory' });
    assert.deepEqual(direct.getChild('x', 'jabber:x:conference')!.attrs, { xmlns: 'jabber:x:conference', jid: ROOM, password: 'cauldron', reason: 'Join us' });
    // The room relays invitations from its occupants (ejabberd: from occupants only): alice enters first.
    await call(page, 'enter', ROOM, 'alice');
    await until(() => bob.received.some((p) => p.name === 'presence' && p.attrs.from === `${ROOM}/alice`), { what: 'alice in the room' });
    await call(page, 'invite', ROOM, fx.jid('mallory'), { reason: 'Through the room', mediated: true });
    const relayed = await until(() => messagesTo(mallory, (m) => m.attrs.from === ROOM)[0], { what: 'the room relays the invitation' });
    const invite = relayed.getChild('x', NS_MUC_USER)?.getChild('invite');
    assert.equal(invite?.getChildText('reason'), 'Through the room');
    const inviter = invite?.attrs.from ?? '';
    assert.ok(inviter === `${ROOM}/alice` || inviter.startsWith(fx.jid('alice')), inviter);
  });
});
