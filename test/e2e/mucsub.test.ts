/**
 * MUC-Sub on ejabberd 24.12 (the only server offering it, so this file always runs one, whatever
 * PARLEY_SERVER says), through the real worker and UI: alice, a Parley user, subscribes to a room
 * without joining it; bob, a Node client, creates the room and talks in it; mallory forges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import { startEjabberd, type Ejabberd } from '../../scripts/lib/ejabberd.js';
import { serve } from '../../scripts/lib/serve.js';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { PASSWORD } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const C = 'parley-client >>> ';
const ROOM = 'coven@conference.localhost';

describe('MUC-Sub (ejabberd): a room\'s messages without joining it, in the app', () => {
  let server: Ejabberd;
  let served: Awaited<ReturnType<typeof serve>>;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let mallory: Peer;
  const say = (body: string, room = ROOM) => bob.xmpp.send(xml('message', { to: room, type: 'groupchat', id: crypto.randomUUID() }, xml('body', {}, body)));
  const stored = async () => (await alice.stored(ROOM)).map((m) => m.body);
  const openRoom = async (room = ROOM) => {
    const shown = async () => (await alice.page.$eval(`${C}parley-conversation`, (el) => el.getAttribute('aria-label'))) === `Conversation with ${room}`;
    // The list sorts by the newest message: a row can move under the pointer. A person clicks again.
    for (let attempt = 1; ; attempt++) {
      await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
      try {
        return await until(shown, { timeout: attempt < 3 ? 3000 : 10_000, what: `${room} open` });
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  };
  /** Bob creates a room (instant room: the default configuration, which allows subscriptions). */
  const createRoom = async (room: string) => {
    await bob.xmpp.send(xml('presence', { to: `${room}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await until(() => bob.received.some((p) => p.name === 'presence' && p.attrs.from === `${room}/bob`), { what: `${room} created` });
    await bob.xmpp.iqCaller.set(xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })), room);
  };
  const once = (list: string[], body: string) => assert.equal(list.filter((b) => b === body).length, 1, `"${body}" once in ${list.join(' | ')}`);
  /** Bob's own copy of his last message: the room has sent it to everyone by then. */
  const echoed = (body: string) => until(() => bob.received.some((m) => m.getChildText('body') === body), { what: `bob sees "${body}"` });

  before(async () => {
    server = await startEjabberd({ users: ['alice', 'bob', 'mallory'].map((user) => ({ user, password: PASSWORD })) });
    served = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: server.wsUrl, PUSH_GATEWAY: '' } });
    [bob, mallory] = await Promise.all([connectPeer(server, 'bob', PASSWORD), connectPeer(server, 'mallory', PASSWORD)]);
    await createRoom(ROOM);
    await say('before alice came');
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, { url: served.url, jid: (u) => `${u}@localhost` }, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all([bob?.stop(), mallory?.stop()]);
    await profile?.close();
    await served?.close();
    await server?.dispose();
  });

  it('subscribing brings the room\'s recent history, then its messages live, shown in the room, without joining', async () => {
    await alice.api('subscribeRoom', ROOM, 'alice');
    assert.deepEqual(await stored(), ['before alice came']);
    await openRoom();
    await say('live one');
    assert.deepEqual(await alice.waitForMessages(2), ['before alice came', 'live one']);
    // Alice is no occupant: the room lists bob alone, and her app says she is not in it.
    const occupants = await bob.xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }), ROOM);
    assert.deepEqual(occupants?.getChildren('item').map((i) => i.attrs.jid), [`${ROOM}/bob`]);
    assert.match(await alice.page.$eval(`${C}parley-room >>> .state`, (el) => el.textContent ?? ''), /Subscribed/);
    assert.deepEqual((await alice.api<{ room: string }[]>('roomSubscriptions')).map((s) => s.room), [ROOM]);
    const live = (await alice.stored(ROOM)).find((m) => m.body === 'live one');
    assert.ok(live?.stanzaId, 'stored with the room\'s archive id');
  });

  it('a forged event from another user is not taken as the room\'s', async () => {
    await mallory.xmpp.send(xml('message', { to: 'alice@localhost' }, xml('event', { xmlns: 'http://jabber.org/protocol/pubsub#event' },
      xml('items', { node: 'urn:xmpp:mucsub:nodes:messages' }, xml('item', { id: 'x' },
        xml('message', { from: `${ROOM}/bob`, type: 'groupchat', xmlns: 'jabber:client' }, xml('body', {}, 'forged')))))));
    // A real message after it arrives after it: once it is stored, the forgery was handled.
    await say('real');
    await until(async () => (await stored()).includes('real'), { what: 'the real message' });
    assert.ok(!(await alice.storedText()).includes('forged'), 'the forgery stored nowhere');
  });

  it('what the room said while alice was offline comes after she opens the app again, each message once', async () => {
    await alice.closeLast();
    await say('while away 1');
    await say('while away 2');
    await echoed('while away 2');
    alice = await ClientPage.open(profile, served.url);
    await alice.waitForStatus('Online');
    await until(async () => (await stored()).includes('while away 2'), { what: 'the missed messages stored' });
    await openRoom();
    const shown = await alice.waitForMessages(5);
    for (const body of ['before alice came', 'live one', 'real', 'while away 1', 'while away 2']) once(shown, body);
    // Anything still on its way (our server's offline copies, a resumed stream's) comes before this.
    await say('after');
    await until(async () => (await stored()).includes('after'), { what: 'a later live message' });
    const all = await stored();
    for (const body of ['while away 1', 'while away 2', 'after']) once(all, body);
  });

  it('scrolling back in a subscribed room alice is not in brings its older history from the room\'s archive, each message once', async () => {
    const HALL = 'hall@conference.localhost';
    await createRoom(HALL);
    // More than subscribing fetches (its first window): the rest waits for scrolling back.
    const said = Array.from({ length: 70 }, (_, i) => `hall ${i + 1}`);
    for (const body of said) await say(body, HALL);
    await echoed('hall 70');
    await alice.api('subscribeRoom', HALL, 'alice');
    await openRoom(HALL);
    await until(async () => (await alice.messages()).at(-1) === 'hall 70', { what: 'the newest shown' });
    for (let i = 0; i < 5 && (await alice.messages())[0] !== 'hall 1'; i++) await alice.scrollToOlder();
    assert.deepEqual(await alice.messages(), said);
    await alice.api('unsubscribeRoom', HALL);
  });

  it('subscribing and unsubscribing in the app: listed while subscribed (after a reload too), the room\'s messages come only then', async () => {
    const LOBBY = 'lobby@conference.localhost';
    await createRoom(LOBBY);
    // From the join dialog, which offers it where the service does.
    await alice.click(`${C}parley-join >>> button.open-join`);
    await alice.fill(`${C}parley-join >>> input[name="room"]`, LOBBY);
    await alice.click(`${C}parley-join >>> button.subscribe`);
    await until(async () => (await alice.page.$(`${C}parley-conversations >>> li[data-jid="${LOBBY}"]`)) !== null, { what: 'the room listed' });
    await openRoom(LOBBY);
    assert.match(await alice.page.$eval(`${C}parley-room >>> .state`, (el) => el.textContent ?? ''), /Subscribed/);
    await say('to subscribers', LOBBY);
    assert.deepEqual(await alice.waitForMessages(1), ['to subscribers']);
    const occupants = await bob.xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }), LOBBY);
    assert.deepEqual(occupants?.getChildren('item').map((i) => i.attrs.jid), [`${LOBBY}/bob`], 'alice is not in the room');

    await alice.closeLast();
    alice = await ClientPage.open(profile, served.url);
    await alice.waitForStatus('Online');
    await openRoom(LOBBY);
    assert.match(await alice.page.$eval(`${C}parley-room >>> .state`, (el) => el.textContent ?? ''), /Subscribed/);

    // Unsubscribing from the room view, with the keyboard.
    const unsubscribe = await alice.page.waitForSelector(`${C}parley-room >>> button.unsubscribe`, { visible: true });
    await unsubscribe!.focus();
    await alice.page.keyboard.press('Enter');
    await until(async () => (await alice.record<{ subscribed?: boolean }>('rooms', LOBBY))?.subscribed === false, { what: 'unsubscribed' });
    await alice.page.waitForSelector(`${C}parley-room >>> button.subscribe`, { visible: true });
    await say('after unsubscribing', LOBBY);
    await echoed('after unsubscribing');
    // A round trip through alice's server and the room's service after the room sent it to everyone.
    assert.deepEqual((await alice.api<{ room: string }[]>('roomSubscriptions')).map((s) => s.room), [ROOM]);
    assert.deepEqual((await alice.stored(LOBBY)).map((m) => m.body), ['to subscribers']);
    assert.deepEqual(await alice.messages(), ['to subscribers']);
  });

  it('forgetting the room unsubscribes: nothing more comes', async () => {
    await openRoom();
    await alice.click(`${C}parley-room >>> button.leave`);
    await until(async () => (await alice.record('rooms', ROOM)) === undefined, { what: 'the room forgotten' });
    assert.deepEqual(await alice.api('roomSubscriptions'), []);
    const count = (await stored()).length;
    await say('not for alice');
    await echoed('not for alice');
    // A round trip through alice's own server after the room sent it to everyone.
    assert.deepEqual(await alice.api('roomSubscriptions'), []);
    assert.equal((await stored()).length, count);
  });
});
