/**
 * Room invitations through the plugin alone, against the real server PARLEY_SERVER names: what the app
 * cannot show (muc-parts.test.ts covers sending, accepting and declining in the app). The plugin runs
 * in a real page (plugin-page) with real IndexedDB; mallory is a Node client. Joining is the MUC
 * plugin's: a recorder stands in for it, and the test checks what it was asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Page } from 'puppeteer-core';
import { launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { buildPluginPage, callPlugin as call, openPluginPage } from '../harness/plugin-page.js';
import { until } from '../harness/wait.js';

const ROOM = 'coven@conference.localhost';

describe('room invitations', () => {
  let fx: Fixture;
  let built: Awaited<ReturnType<typeof buildPluginPage>>;
  let profile: Profile;
  let page: Page;
  let mallory: Peer;
  const invitation = async (room: string) => (await call(page, 'storedInvitations')).find((i) => i.room === room);

  before(async () => {
    built = await buildPluginPage();
    fx = await setup(['alice', 'mallory'], { mounts: { '/plugins/': built.dir } });
    mallory = await connectPeer(fx.server, 'mallory', PASSWORD);
    profile = await launch();
    page = await openPluginPage(profile, `${fx.url}plugins/`);
    await call(page, 'start', { jid: fx.jid('alice'), password: PASSWORD, service: fx.server.wsUrl, dbName: 'invitations-e2e' });
  });

  after(async () => {
    await mallory?.stop();
    await profile?.close();
    await fx?.dispose();
    await built?.dispose();
  });

  it('a direct invitation from anyone is stored with its sender and never joins on its own; accepting joins with its password', async () => {
    await mallory.xmpp.send(xml('message', { to: fx.jid('alice') }, xml('x', { xmlns: 'jabber:x:conference', jid: ROOM, password: 'cauldron', reason: 'Come in' })));
    const got = await until(() => invitation(ROOM), { what: 'the direct invitation stored' });
    assert.deepEqual([got.kind, got.from, got.reason, got.password], ['direct', fx.jid('mallory'), 'Come in', 'cauldron']);
    assert.deepEqual(await call(page, 'calls'), []);
    await call(page, 'accept', ROOM, 'Alice');
    assert.deepEqual(await call(page, 'calls'), [`join ${ROOM} as Alice with cauldron`]);
    assert.equal(await invitation(ROOM), undefined);
  });
});
