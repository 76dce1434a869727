/**
 * Bookmarks, invitations and room settings through the real worker and UI, on the server PARLEY_SERVER
 * names: alice on two devices (two browser profiles), bob (Parley) and carol (a Node peer standing for
 * another client).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const C = 'parley-client >>> ';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_USER = `${NS_MUC}#user`;

describe(`bookmarks, invitations and room settings in the app on ${SERVER}`, () => {
  let fx: Fixture;
  let profiles: Profile[];
  let alice: ClientPage;
  let bob: ClientPage;
  let carol: Peer;
  let room: string;
  let annex: string;

  const roomState = async (page: ClientPage, jid: string) => (await page.record<{ state: string; nick: string }>('rooms', jid))?.state;
  const listedName = (page: ClientPage, jid: string) =>
    page.page.$eval(`${C}parley-conversations >>> li[data-jid="${jid}"] .name`, (el) => el.textContent ?? '').catch(() => '');
  const invitation = (jid: string) => `${C}parley-conversations >>> parley-invitations >>> li[data-room="${jid}"]`;
  const occupants = (page: ClientPage) =>
    page.page.$$eval(`${C}parley-room >>> parley-occupants >>> li.occupant`, (lis) => lis.map((li) => li.getAttribute('data-nick') ?? ''));
  /** Carol makes a room of her own, whose occupants may invite. */
  const carolRoom = async (jid: string) => {
    await carol.xmpp.send(xml('presence', { to: `${jid}/carol` }, xml('x', { xmlns: NS_MUC })));
    await until(() => carol.received.some((p) => p.name === 'presence' && p.attrs.from === `${jid}/carol`), { what: `${jid} made` });
    const field = (name: string, value: string) => xml('field', { var: name }, xml('value', {}, value));
    await carol.xmpp.iqCaller.set(xml('query', { xmlns: `${NS_MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      field('FORM_TYPE', `${NS_MUC}#roomconfig`), field('muc#roomconfig_allowinvites', '1'))), jid);
  };
  const toCarol = (test: (m: Element) => boolean) => until(() => carol.received.find((m) => m.name === 'message' && test(m)), { what: 'a message at carol' });

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    room = `herbs@conference.${fx.server.host}`;
    annex = `annex@conference.${fx.server.host}`;
    profiles = await Promise.all([launch(), launch(), launch()]);
    [alice, bob] = await Promise.all([
      ClientPage.loggedIn(profiles[0]!, fx, 'alice', PASSWORD),
      ClientPage.loggedIn(profiles[1]!, fx, 'bob', PASSWORD),
    ]);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
  });

  after(async () => {
    await carol?.stop();
    await Promise.all((profiles ?? []).map((p) => p.close()));
    await fx?.dispose();
  });

  it('a room alice joins is bookmarked; her second device joins it at login', async () => {
    const config = { 'muc#roomconfig_roomname': ['Herbs'], 'muc#roomconfig_persistentroom': ['1'], 'muc#roomconfig_allowinvites': ['1'] };
    assert.equal((await alice.api<{ status: string }>('createRoom', room, 'alice', config)).status, 'joined');
    await alice.api('createRoom', annex, 'alice', { 'muc#roomconfig_persistentroom': ['1'] });
    const bookmark = await until(() => alice.record<{ autojoin: boolean; nick: string }>('bookmarks', room), { what: 'the room bookmarked' });
    assert.deepEqual([bookmark.autojoin, bookmark.nick], [true, 'alice']);
    // A second browser profile: nothing of the room stored there, only the account's bookmarks.
    const phone = await ClientPage.loggedIn(profiles[2]!, fx, 'alice', PASSWORD);
    await until(async () => (await listedName(phone, room)) === '# Herbs', { what: 'the room listed on the second device' });
    await until(async () => (await roomState(phone, room)) === 'joined', { what: 'the room joined on the second device' });
    await until(async () => (await roomState(phone, annex)) === 'joined', { what: 'the annex joined on the second device' });
    await phone.closeLast();
  });

  it('alice invites bob through the room; bob accepts in the list and is in the room, which is bookmarked for him', async () => {
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    await alice.click(`${C}parley-room >>> parley-invite >>> button.invite`);
    await alice.fill(`${C}parley-room >>> parley-invite >>> input[name="jid"]`, fx.jid('bob'));
    await alice.fill(`${C}parley-room >>> parley-invite >>> input[name="reason"]`, 'Tea <b>at</b> five');
    await alice.click(`${C}parley-room >>> parley-invite >>> input[name="mediated"]`);
    await alice.click(`${C}parley-room >>> parley-invite >>> button[type="submit"]`);
    const shown = await until(() => bob.page.$eval(invitation(room), (li) => li.textContent ?? '').catch(() => ''), { what: 'the invitation listed at bob' });
    assert.match(shown, /Tea <b>at<\/b> five/, 'the reason shown as text');
    // Alice by her address, or by her nick where the room hides real addresses (Prosody's default room).
    assert.ok(shown.includes(`${fx.jid('alice')} invites you`) || shown.includes(`${room}/alice invites you`), shown);
    assert.equal(await bob.page.$(`${invitation(room)} .reason b`), null, 'no markup from the reason');
    await bob.click(`${invitation(room)} button.accept`);
    await until(async () => (await bob.page.$eval(`${C}parley-conversation`, (el) => el.getAttribute('aria-label'))) === `Conversation with ${room}`, { what: 'the room open at bob' });
    assert.equal(await roomState(bob, room), 'joined');
    await until(async () => (await occupants(bob)).sort().join() === 'alice,bob', { what: 'alice and bob in the room' });
    assert.equal(await bob.page.$(invitation(room)), null, 'the invitation went');
    // The text a room adds for clients without invitations (Prosody) is no message.
    assert.deepEqual((await bob.stored(room)).filter((m) => m.body.includes('invite')), []);
    await until(() => bob.record('bookmarks', room), { what: 'the room bookmarked for bob' });
  });

  it('alice invites bob directly; accepting joins the room', async () => {
    await alice.click(`${C}parley-conversations >>> li[data-jid="${annex}"] button`);
    await alice.click(`${C}parley-room >>> parley-invite >>> button.invite`);
    await alice.fill(`${C}parley-room >>> parley-invite >>> input[name="jid"]`, fx.jid('bob'));
    await alice.click(`${C}parley-room >>> parley-invite >>> button[type="submit"]`);
    await bob.click(`${invitation(annex)} button.accept`);
    await until(async () => (await roomState(bob, annex)) === 'joined', { what: 'bob in the annex' });
  });

  it('declining tells the inviter: through the room for a mediated invitation, in a message for a direct one', async () => {
    const still = `still@conference.${fx.server.host}`;
    const loft = `loft@conference.${fx.server.host}`;
    await carolRoom(still);
    await carol.xmpp.send(xml('message', { to: still }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to: fx.jid('bob') }))));
    await bob.click(`${invitation(still)} button.decline`);
    const decline = await toCarol((m) => !!m.getChild('x', NS_MUC_USER)?.getChild('decline'));
    assert.equal(decline.attrs.from, still);
    await until(async () => (await bob.page.$(invitation(still))) === null, { what: 'the mediated invitation gone' });
    await carol.xmpp.send(xml('message', { to: fx.jid('bob') }, xml('x', { xmlns: 'jabber:x:conference', jid: loft })));
    await bob.click(`${invitation(loft)} button.decline`);
    const told = await toCarol((m) => m.getChildText('body') === `I declined your invitation to ${loft}.`);
    assert.equal(told.attrs.type, 'chat');
    assert.equal(await roomState(bob, still), undefined, 'never joined');
    assert.equal(await roomState(bob, loft), undefined, 'never joined');
  });

  it('the owner renames the room in its settings form; another occupant sees the new name', async () => {
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    assert.equal(await bob.page.$(`${C}parley-room >>> parley-room-settings`), null, 'no settings for a mere occupant');
    await alice.click(`${C}parley-room >>> parley-room-settings >>> button.settings`);
    const name = `${C}parley-room >>> parley-room-settings >>> parley-form >>> input[name="muc#roomconfig_roomname"]`;
    // The keyboard is in the form: its first field has the focus.
    const focused = await until(() => alice.page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return ['INPUT', 'SELECT', 'TEXTAREA'].includes(el?.tagName ?? '') && el!.closest('form') ? el!.tagName : '';
    }), { what: 'a field of the form focused' });
    assert.ok(focused);
    await alice.fill(name, 'Herbs and spices');
    await alice.click(`${C}parley-room >>> parley-room-settings >>> parley-form >>> button[type="submit"]`);
    await until(async () => (await listedName(bob, room)) === '# Herbs and spices', { what: 'bob sees the new name' });
    const info = await carol.xmpp.iqCaller.request(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    assert.ok(info.toString().includes('Herbs and spices'), 'the room took the name');
    // The room may tell bob before alice's save is answered: the form closes on that answer.
    await until(async () => (await alice.page.$(`${C}parley-room >>> parley-room-settings >>> parley-form`)) === null, { what: 'the form closed' });
  });

  it('leaving a room for good removes its bookmark', async () => {
    await bob.click(`${C}parley-conversations >>> li[data-jid="${annex}"] button`);
    await bob.click(`${C}parley-room >>> button.leave`);
    await until(async () => (await bob.record('bookmarks', annex)) === undefined, { what: 'the bookmark gone' });
    assert.ok(await bob.record('bookmarks', room), 'the other room stays bookmarked');
  });
});

describe(`a room entered once however often it is asked, on ${SERVER}`, () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let carol: Peer;
  let room: string;

  before(async () => {
    fx = await setup(['alice', 'carol'], { proxy: true });
    room = `porch@conference.${fx.server.host}`;
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
    await carol.xmpp.send(xml('presence', { to: `${room}/carol` }, xml('x', { xmlns: NS_MUC })));
    await until(() => carol.received.some((p) => p.name === 'presence' && p.attrs.from === `${room}/carol`), { what: 'the room made' });
    await carol.xmpp.iqCaller.set(xml('query', { xmlns: `${NS_MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })), room);
    profile = await launch();
  });

  after(async () => {
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('two joins asked before the room answers the first (as a bookmark\'s autojoin and the login\'s rejoin are): one presence, one room, each message once', async () => {
    // A slow link: the room's answer to the first join comes long after the second is asked.
    fx.proxy!.latency(300);
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    const joins = await Promise.all([alice.api<{ status: string }>('joinRoom', room, 'alice'), alice.api<{ status: string }>('joinRoom', room, 'alice')]);
    assert.deepEqual(joins.map((j) => j.status), ['joined', 'joined']);
    assert.equal((await alice.record<{ state: string }>('rooms', room))?.state, 'joined');
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    await until(async () => (await alice.page.$eval(`${C}parley-conversation`, (el) => el.getAttribute('aria-label'))) === `Conversation with ${room}`, { what: 'the room open' });
    await alice.type('hello porch');
    // Alice's stream is in order: whatever she sent the room before her message reached it first.
    await until(() => carol.received.some((m) => m.name === 'message' && m.getChildText('body') === 'hello porch'), { what: 'alice\'s message at carol' });
    const presences = carol.received.filter((p) => p.name === 'presence' && p.attrs.from === `${room}/alice` && p.attrs.type !== 'unavailable');
    assert.equal(presences.length, 1, 'carol saw alice come in once');
    await carol.xmpp.send(xml('message', { to: room, type: 'groupchat', id: crypto.randomUUID() }, xml('body', {}, 'hello alice')));
    const shown = await until(async () => {
      const m = await alice.messages();
      return m.includes('hello alice') ? m : undefined;
    }, { what: 'carol\'s message shown' });
    assert.deepEqual(shown, ['hello porch', 'hello alice']);
    assert.equal((await alice.page.$$(`${C}parley-conversations >>> li[data-jid="${room}"]`)).length, 1, 'the room listed once');
    assert.deepEqual((await alice.stored(room)).map((m) => m.body), ['hello porch', 'hello alice']);
  });
});
