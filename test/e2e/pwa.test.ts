import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/** The demo as an installable app: manifest and Service Worker, an offline shell, updates that wait for the user. */
describe('installable PWA', () => {
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;
  let page: ClientPage;
  let dist: string; // the built files as served: a new build is written here
  const controlled = () => page.page.evaluate('navigator.serviceWorker.controller !== null') as Promise<boolean>;

  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'parley-dist-'));
    await cp('dist', dist, { recursive: true });
    fx = await setup(['alice', 'bob'], { proxy: true, mounts: { '/dist/': dist } });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
    await rm(dist, { recursive: true, force: true });
  });

  it('is installable: Chromium reports no installability errors', async () => {
    page = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await page.page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    const cdp = await page.page.createCDPSession();
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
  });

  it('with the network off, a reload shows the app and the stored history', async () => {
    await page.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'kept for offline');
    await page.waitForMessages(1);
    await page.page.reload();
    await until(controlled, { what: 'the page controlled by the service worker' });
    // Network off: the page's requests fail, and so does the worker's connection to the server.
    await page.page.setOfflineMode(true);
    await fx.proxy!.close();
    try {
      await page.page.reload();
      await page.page.waitForSelector('parley-client >>> header', { visible: true });
      assert.deepEqual(await page.waitForMessages(1), ['kept for offline']);
      assert.match(await page.status(), /^(Offline|Connecting)/);
    } finally {
      await page.page.setOfflineMode(false);
      await fx.proxy!.open();
    }
  });

  it('a new build waits, and the page offers "Reload to update", which switches to it', async () => {
    await page.page.reload();
    await page.waitForStatus('Online');
    const sw = join(dist, 'parley-sw.js');
    await writeFile(sw, `${await readFile(sw, 'utf8')}\n// a later build\n`);
    await page.page.evaluate('navigator.serviceWorker.getRegistration().then((r) => r.update())');
    await page.click('parley-client >>> .update button');
    await until(async () => (await page.page.evaluate('navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !!r.active)')) as boolean, {
      what: 'the new version active',
    });
    await page.page.waitForSelector('parley-client >>> header', { visible: true });
    assert.equal(await page.page.$('parley-client >>> .update'), null, 'no update offered after the reload');
  });
});
