/**
 * MUC-Sub on ejabberd 24.12 (the only server offering it, so this file always runs one, whatever
 * PARLEY_SERVER says). The plugin runs in a real page (plugin-page) with real IndexedDB; bob, a Node
 * client, creates the room and talks in it. Room messages the plugin hands on are recorded where the
 * MUC plugin will take them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Page } from 'puppeteer-core';
import { startEjabberd, type Ejabberd } from '../../scripts/lib/ejabberd.js';
import { serve } from '../../scripts/lib/serve.js';
import { launch, type Profile } from '../harness/browser.js';
import { PASSWORD } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { buildPluginPage, callPlugin as call, openPluginPage } from '../harness/plugin-page.js';
import { until } from '../harness/wait.js';

const ROOM = 'coven@conference.localhost';

describe('MUC-Sub (ejabberd): a room\'s messages without joining it', () => {
  let server: Ejabberd;
  let built: Awaited<ReturnType<typeof buildPluginPage>>;
  let served: Awaited<ReturnType<typeof serve>>;
  let profile: Profile;
  let page: Page;
  let bob: Peer;
  let mallory: Peer;
  const start = () => call(page, 'start', { jid: 'alice@localhost', password: PASSWORD, service: server.wsUrl, dbName: 'mucsub-e2e' });
  const bodies = async () => (await call(page, 'messages')).map(([room, body, , via]) => `${room} ${body} (${via})`);
  const say = (body: string) => bob.xmpp.send(xml('message', { to: ROOM, type: 'groupchat', id: crypto.randomUUID() }, xml('body', {}, body)));

  before(async () => {
    built = await buildPluginPage();
    server = await startEjabberd({ users: ['alice', 'bob', 'mallory'].map((user) => ({ user, password: PASSWORD })) });
    served = await serve({ mounts: { '/plugins/': built.dir } });
    [bob, mallory] = await Promise.all([connectPeer(server, 'bob', PASSWORD), connectPeer(server, 'mallory', PASSWORD)]);
    // Bob creates the room (instant room: the default configuration, which allows subscriptions).
    await bob.xmpp.send(xml('presence', { to: `${ROOM}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await until(() => bob.received.some((p) => p.name === 'presence' && p.attrs.from === `${ROOM}/bob`), { what: 'room created' });
    await bob.xmpp.iqCaller.set(xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })), ROOM);
    await say('before alice came');
    profile = await launch();
    page = await openPluginPage(profile, `${served.url}plugins/`);
    await start();
  });

  after(async () => {
    await Promise.all([bob?.stop(), mallory?.stop()]);
    await profile?.close();
    await served?.close();
    await server?.dispose();
    await built?.dispose();
  });

  it('subscribing brings the room\'s recent history, then its messages live, without joining', async () => {
    await call(page, 'subscribe', ROOM, 'alice');
    assert.deepEqual(await bodies(), [`${ROOM} before alice came (archive)`]);
    await say('live one');
    await until(async () => (await bodies()).length === 2, { what: 'the live message' });
    assert.deepEqual((await bodies())[1], `${ROOM} live one (mucsub)`);
    // Alice is no occupant: the room lists bob alone.
    const occupants = await bob.xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }), ROOM);
    assert.deepEqual(occupants?.getChildren('item').map((i) => i.attrs.jid), [`${ROOM}/bob`]);
    assert.deepEqual((await call(page, 'subscriptions')).map((s) => s.room), [ROOM]);
  });

  it('a forged event from another user is not handed on as the room\'s', async () => {
    const count = (await bodies()).length;
    await mallory.xmpp.send(xml('message', { to: 'alice@localhost' }, xml('event', { xmlns: 'http://jabber.org/protocol/pubsub#event' },
      xml('items', { node: 'urn:xmpp:mucsub:nodes:messages' }, xml('item', { id: 'x' },
        xml('message', { from: `${ROOM}/bob`, type: 'groupchat', xmlns: 'jabber:client' }, xml('body', {}, 'forged')))))));
    // A real message after it arrives after it: once it is there, the forgery was handled.
    await say('real');
    await until(async () => (await bodies()).length > count, { what: 'the real message' });
    assert.deepEqual((await bodies()).slice(count), [`${ROOM} real (mucsub)`]);
  });

  it('what the room said while alice was offline comes after her next login, each message once by its archive id', async () => {
    await call(page, 'stop');
    await say('while away 1');
    await say('while away 2');
    const seen = (await call(page, 'messages')).length;
    await start();
    // From the room's archive, and also as our server's offline copies: the same room archive ids.
    await until(async () => {
      const got = (await call(page, 'messages')).slice(seen).map(([, body]) => body);
      return got.includes('while away 1') && got.includes('while away 2');
    }, { what: 'the missed messages' });
    const ids = new Map<string, Set<string>>();
    for (const [, body, id] of await call(page, 'messages')) ids.set(body, (ids.get(body) ?? new Set()).add(id));
    assert.equal(ids.get('while away 1')?.size, 1, 'one archive id for each message, whichever way it came');
    assert.ok([...ids.get('while away 1')!][0], 'with an archive id');
  });

  it('after unsubscribing nothing more comes', async () => {
    await call(page, 'unsubscribe', ROOM);
    assert.deepEqual(await call(page, 'subscriptions'), []);
    const count = (await call(page, 'messages')).length;
    await say('after');
    // Bob's own echo of it is the round trip: the room has sent it to everyone by then.
    await until(() => bob.received.some((m) => m.getChildText('body') === 'after'), { what: 'bob sees his message' });
    const ping = await call(page, 'subscriptions');
    assert.deepEqual(ping, []);
    assert.equal((await call(page, 'messages')).length, count);
  });
});
