import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';
import { RECENT } from '../../src/worker/mam.js';

const sharedWorkers = (profile: Profile) => profile.browser.targets().filter((t) => t.type() === 'shared_worker');

/** Logs the page's worker in through the API, as an app with its own UI does. */
describe('the worker lifecycle: login, logout and commands in order', () => {
  let fx: Fixture;
  let profile: Profile;
  let carol: Peer;
  let bob: Peer;
  let tab: ClientPage;
  let service: string;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', 'dave']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['bob', PASSWORD], ['carol', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('a new worker never says "logged out" before it has read the stored account (no login form flashes)', async () => {
    const first = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    service = await first.page.$eval('parley-client', (el) => (el as HTMLElement & { service: string }).service);
    await first.page.close();
    await until(() => sharedWorkers(profile).length === 0, { what: 'the worker ended with its last page' });
    const page = await profile.browser.newPage();
    // Every frame, what the page shows: the status text, and whether the login form is there.
    await page.evaluateOnNewDocument(`window.__shown = new Set();
      const look = () => {
        const root = document.querySelector('parley-client')?.shadowRoot;
        const status = root?.querySelector('[role="status"]')?.textContent?.trim();
        if (status) window.__shown.add(status);
        if (root?.querySelector('parley-login')) window.__shown.add('login form');
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);`);
    await page.bringToFront();
    await page.goto(fx.url);
    tab = new ClientPage(page);
    await tab.waitForStatus('Online');
    const shown = (await page.evaluate('[...window.__shown]')) as string[];
    assert.deepEqual(shown.filter((s) => s !== 'Connecting…' && s !== 'Online'), [], `shown: ${shown.join(', ')}`);
  });

  it('a command given during a login as another account runs as the new account, not the old one', async () => {
    const results = (await tab.page.evaluate(
      async (jid, password, svc, to) => {
        const { parley } = (await import('/dist/parley.js' as string)) as typeof import('../../src/parley.js');
        const api = parley().api;
        // Not awaited one after the other: the user switches account and sends at once.
        return Promise.all([
          api.login({ jid, password, service: svc }).then(() => 'logged in', (e: Error) => e.message),
          api.send(to, 'sent while switching').then(() => 'sent', (e: Error) => e.message),
        ]);
      },
      fx.jid('bob'), PASSWORD, service, fx.jid('carol'),
    )) as string[];
    assert.deepEqual(results, ['logged in', 'sent']);
    const message = await carol.waitForBody('sent while switching');
    assert.equal(message.attrs.from?.split('/')[0], fx.jid('bob'), 'sent as the account logged in');
  });

  it("logging in as another account clears the old account's data before connecting, so even a refused login leaves none", async () => {
    // Now bob, with his own roster and a conversation stored.
    await until(async () => Object.keys(await tab.contacts()).sort().join() === [fx.jid('alice'), fx.jid('carol')].join(), {
      what: "bob's roster shown",
    });
    await carol.say(fx.jid('bob'), 'from carol');
    await tab.open(fx.jid('carol'));
    await until(async () => (await tab.messages()).includes('from carol'), { what: "carol's message shown" });
    // Switching to an account whose login then fails: nothing of bob's stays behind.
    const refused = await tab.page.evaluate(
      async (jid, svc) => {
        const { parley } = (await import('/dist/parley.js' as string)) as typeof import('../../src/parley.js');
        return parley().api.login({ jid, password: 'wrong', service: svc }).then(() => 'logged in', (e: Error) => e.message);
      },
      fx.jid('carol'), service,
    );
    assert.match(refused, /Wrong address or password/);
    assert.deepEqual(await tab.stored(fx.jid('carol')), []);
    assert.equal(await tab.hasLoginForm(), true);
  });
});

describe('logout during the archive catch-up', () => {
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;
  const COUNT = 1000;

  before(async () => {
    fx = await setup(['bob', 'dave']);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    // Archived for dave (his phone is online, so nothing waits in offline storage): four pages of catch-up.
    const phone = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'phone' });
    for (let i = 1; i <= COUNT; i++) void bob.say(fx.jid('dave'), `archived ${i}`);
    await until(() => phone.received.filter((el) => el.name === 'message').length >= COUNT, { timeout: 120_000, what: 'archive seeded' });
    await phone.stop();
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('stops the catch-up before clearing: the next login takes the newest window again, without a gap', async () => {
    const tab = await ClientPage.open(profile, fx.url);
    const service = await tab.page.$eval('parley-client', (el) => (el as HTMLElement & { service: string }).service);
    const outcome = await tab.page.evaluate(
      async (jid, password, svc) => {
        const { parley } = (await import('/dist/parley.js' as string)) as typeof import('../../src/parley.js');
        const p = parley();
        return new Promise<string>((resolve) => {
          let fired = false;
          // Log out the moment the first archive page is stored: the catch-up is in full swing.
          p.on((e) => {
            if (fired || e.type !== 'change' || !e.change.stores.includes('messages')) return;
            fired = true;
            p.api.logout().then(() => resolve('logged out'), (err: Error) => resolve(err.message));
          });
          p.api.login({ jid, password, service: svc }).catch((err: Error) => resolve(err.message));
        });
      },
      fx.jid('dave'), PASSWORD, service,
    );
    assert.equal(outcome, 'logged out');
    assert.deepEqual(await tab.stored(fx.jid('bob')), []);
    await tab.login(fx.jid('dave'), PASSWORD);
    await tab.waitForStatus('Online');
    // A first login takes the newest RECENT of the archive (older ones wait for scrolling back).
    const stored = await until(async () => {
      const all = await tab.stored(fx.jid('bob'));
      return all.length >= RECENT ? all : undefined;
    }, { timeout: 30_000, what: `${RECENT} archived messages stored` }).catch(async () => tab.stored(fx.jid('bob')));
    const bodies = new Set(stored.map((m) => m.body));
    const missing = Array.from({ length: RECENT }, (_, i) => `archived ${COUNT - RECENT + i + 1}`).filter((b) => !bodies.has(b));
    assert.deepEqual({ missing: missing.length, first: missing.slice(0, 3), total: stored.length }, { missing: 0, first: [], total: RECENT });
  });
});
