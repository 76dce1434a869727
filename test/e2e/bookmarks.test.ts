/**
 * Bookmarks (XEP-0402, XEP-0048) against the real server PARLEY_SERVER names, and against a Prosody
 * without XEP-0402 (XEP-0048 in private storage). The plugin runs in a real page (plugin-page) with
 * real IndexedDB; the account's other device is a Node client. Joining and leaving rooms is the MUC
 * plugin's: here a recorder stands in for it and the test checks what it was asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Page } from 'puppeteer-core';
import { serve } from '../../scripts/lib/serve.js';
import { startProsody, type Prosody } from '../../scripts/lib/prosody.js';
import { launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { buildPluginPage, callPlugin as call, openPluginPage } from '../harness/plugin-page.js';
import { until } from '../harness/wait.js';

const NS = 'urn:xmpp:bookmarks:1';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const PLAY = 'theplay@conference.localhost';
const ORCHARD = 'orchard@conference.localhost';


/** What another client of the account publishes: one room, with XEP-0402's publish-options. */
function publishFromPhone(phone: Peer, room: string, { autojoin, nick, password }: { autojoin: boolean; nick?: string; password?: string }) {
  const option = (name: string, value: string, type?: string) => xml('field', { var: name, ...(type ? { type } : {}) }, xml('value', {}, value));
  return phone.xmpp.iqCaller.set(
    xml('pubsub', { xmlns: NS_PUBSUB },
      xml('publish', { node: NS }, xml('item', { id: room },
        xml('conference', { xmlns: NS, autojoin: String(autojoin), name: `Room ${room}` }, nick ? xml('nick', {}, nick) : null, password ? xml('password', {}, password) : null))),
      xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        option('FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options', 'hidden'),
        option('pubsub#persist_items', 'true'), option('pubsub#max_items', 'max'),
        option('pubsub#send_last_published_item', 'never'), option('pubsub#access_model', 'whitelist')))),
  );
}

/** The account's bookmark items as the server holds them, by room. */
async function itemsAt(phone: Peer): Promise<Map<string, Element>> {
  const ask = phone.xmpp.iqCaller.get(xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS })), phone.jid.split('/')[0]);
  // No node at all is no bookmarks.
  const items = (await ask.catch((e: { condition?: string }) => (e.condition === 'item-not-found' ? undefined : Promise.reject(e))))?.getChild('items');
  return new Map((items?.getChildren('item') ?? []).map((i: Element) => [i.attrs.id as string, i.getChild('conference', NS)!]));
}

describe('bookmarks (XEP-0402) on the server under test', () => {
  let fx: Fixture;
  let built: Awaited<ReturnType<typeof buildPluginPage>>;
  let profile: Profile;
  let page: Page;
  let phone: Peer;
  let bob: Peer;
  const start = () => call(page, 'start', { jid: fx.jid('alice'), password: PASSWORD, service: fx.server.wsUrl, dbName: 'bookmarks-e2e' });

  before(async () => {
    built = await buildPluginPage();
    fx = await setup(['alice', 'bob'], { mounts: { '/plugins/': built.dir } });
    [phone, bob] = await Promise.all([connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' }), connectPeer(fx.server, 'bob', PASSWORD)]);
    await publishFromPhone(phone, PLAY, { autojoin: true, nick: 'Juliet', password: 'balcony' });
    await publishFromPhone(phone, ORCHARD, { autojoin: false });
    profile = await launch();
    page = await openPluginPage(profile, `${fx.url}plugins/`);
    await start();
  });

  after(async () => {
    await Promise.all([phone?.stop(), bob?.stop()]);
    await profile?.close();
    await fx?.dispose();
    await built?.dispose();
  });

  it('at login joins the autojoin rooms with their nick and password, and stores every bookmark', async () => {
    await until(async () => (await call(page, 'calls')).length > 0, { what: 'autojoin' });
    assert.deepEqual(await call(page, 'calls'), [`join ${PLAY} as Juliet with balcony`]);
    const stored = await call(page, 'storedBookmarks');
    assert.deepEqual(stored.map((b) => [b.jid, b.autojoin, b.nick]), [[ORCHARD, false, undefined], [PLAY, true, 'Juliet']]);
  });

  it('a room joined here is bookmarked for the other devices, private to the account', async () => {
    const room = 'cave@conference.localhost';
    await call(page, 'bookmarkJoined', room, 'Jules', 'dark');
    const conference = (await itemsAt(phone)).get(room);
    assert.equal(conference?.attrs.autojoin, 'true');
    assert.equal(conference?.getChildText('nick'), 'Jules');
    assert.equal(conference?.getChildText('password'), 'dark');
    // Nobody else may read the node.
    const denied = await bob.xmpp.iqCaller.get(xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS })), fx.jid('alice')).then(() => 'read', (e: { condition?: string }) => e.condition ?? 'error');
    assert.notEqual(denied, 'read');
  });

  it('what another device changes is applied here: joined, left, removed', async () => {
    const before = (await call(page, 'calls')).length;
    const garden = 'garden@conference.localhost';
    await publishFromPhone(phone, garden, { autojoin: true });
    await until(async () => (await call(page, 'calls')).length === before + 1, { what: 'garden joined' });
    await publishFromPhone(phone, garden, { autojoin: false });
    await phone.xmpp.iqCaller.set(xml('pubsub', { xmlns: NS_PUBSUB }, xml('retract', { node: NS, notify: 'true' }, xml('item', { id: PLAY }))));
    await until(async () => (await call(page, 'calls')).length === before + 3, { what: 'two rooms left' });
    assert.deepEqual((await call(page, 'calls')).slice(before), [`join ${garden} as alice`, `leave ${garden}`, `leave ${PLAY}`]);
    await until(async () => !(await call(page, 'storedBookmarks')).some((b) => b.jid === PLAY), { what: 'the play removed from storage' });
    const garden_ = (await call(page, 'storedBookmarks')).find((b) => b.jid === garden);
    assert.equal(garden_?.autojoin, false);
  });

  it('a notification forged by another user changes nothing', async () => {
    const before = await call(page, 'calls');
    await bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'headline' }, xml('event', { xmlns: 'http://jabber.org/protocol/pubsub#event' },
      xml('items', { node: NS }, xml('item', { id: 'trap@conference.localhost' }, xml('conference', { xmlns: NS, autojoin: 'true' }))))));
    // A real change after it, applied in order: once it is there, the forgery was handled before.
    await publishFromPhone(phone, 'after@conference.localhost', { autojoin: true });
    await until(async () => (await call(page, 'calls')).length === before.length + 1, { what: 'the real change applied' });
    assert.deepEqual((await call(page, 'calls')).slice(before.length), ['join after@conference.localhost as alice']);
    assert.ok(!(await call(page, 'storedBookmarks')).some((b) => b.jid === 'trap@conference.localhost'));
  });

  it('a room left for good loses its bookmark everywhere', async () => {
    await call(page, 'forget', 'cave@conference.localhost');
    assert.equal((await itemsAt(phone)).has('cave@conference.localhost'), false);
    assert.ok(!(await call(page, 'storedBookmarks')).some((b) => b.jid === 'cave@conference.localhost'));
  });
});

describe('bookmarks on a server without XEP-0402 (XEP-0048 in private storage)', () => {
  let server: Prosody;
  let built: Awaited<ReturnType<typeof buildPluginPage>>;
  let served: Awaited<ReturnType<typeof serve>>;
  let profile: Profile;
  let page: Page;
  let phone: Peer;
  const privateStorage = async () =>
    (await phone.xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }))))?.getChild('storage', 'storage:bookmarks');

  before(async () => {
    built = await buildPluginPage();
    // Prosody without mod_bookmarks: PEP, but no XEP-0402 conversion, so no #compat.
    server = await startProsody({
      users: [{ user: 'alice', password: PASSWORD }],
      extraConfig: 'modules_disabled = { "s2s", "s2s_auth_certs", "tls", "limits", "bookmarks" }',
    });
    served = await serve({ mounts: { '/plugins/': built.dir } });
    phone = await connectPeer(server, 'alice', PASSWORD, { resource: 'phone' });
    await phone.xmpp.iqCaller.set(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: PLAY, autojoin: 'true', name: 'The Play' }, xml('nick', {}, 'Juliet')),
      xml('url', { name: 'Works', url: 'http://example.org/' }))));
    profile = await launch();
    page = await openPluginPage(profile, `${served.url}plugins/`);
    await call(page, 'start', { jid: `alice@${server.host}`, password: PASSWORD, service: server.wsUrl, dbName: 'bookmarks-legacy' });
  });

  after(async () => {
    await phone?.stop();
    await profile?.close();
    await served?.close();
    await server?.dispose();
    await built?.dispose();
  });

  it('joins the autojoin rooms kept there, and writes a joined room back beside what else it held', async () => {
    await until(async () => (await call(page, 'calls')).length > 0, { what: 'autojoin' });
    assert.deepEqual(await call(page, 'calls'), [`join ${PLAY} as Juliet`]);
    await call(page, 'bookmarkJoined', ORCHARD, 'Jules');
    const storage = await privateStorage();
    const rooms = storage?.getChildren('conference').map((c: Element) => [c.attrs.jid, c.attrs.autojoin, c.getChildText('nick')]);
    assert.deepEqual(rooms?.sort(), [[ORCHARD, 'true', 'Jules'], [PLAY, 'true', 'Juliet']]);
    assert.equal(storage?.getChild('url')?.attrs.url, 'http://example.org/');
    assert.equal((await itemsAt(phone)).size, 0, 'nothing published to the XEP-0402 node');
  });
});
