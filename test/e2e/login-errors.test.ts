import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from '../../scripts/lib/serve.js';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { startFakeServer, type FakeServer, type Misbehaviour } from '../harness/fake-server.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';

/** The demo page pointed at a server that misbehaves in one way. */
async function pageFor(misbehaviour: Misbehaviour): Promise<{ server: FakeServer; site: Served }> {
  const server = await startFakeServer(misbehaviour);
  const site = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: server.url } });
  return { server, site };
}

describe('a login the server gets wrong is reported as what it is, never as "cannot reach"', () => {
  let profile: Profile;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    profile = await launch();
  });

  after(async () => {
    await profile?.close();
    for (const c of cleanups) await c();
  });

  const cases: [Misbehaviour, RegExp][] = [
    ['bad-signature', /^Login failed: server signature mismatch\.$/],
    ['no-proof', /^The server did not prove it knows the account keys\.$/],
    ['few-iterations', /only 1000 iterations \(at least 4096/],
    ['continue', /^Login failed \(SASL continue is not supported yet\)\.$/],
  ];
  for (const [misbehaviour, expected] of cases) {
    it(`${misbehaviour}: says so, and stores nothing`, async () => {
      const { server, site } = await pageFor(misbehaviour);
      cleanups.push(() => site.close(), () => server.close());
      // A fresh origin each time: the profile's storage for it is empty.
      const page = await ClientPage.open(profile, site.url);
      await page.login('alice@localhost', PASSWORD);
      const error = await page.loginError();
      assert.match(error, expected);
      assert.doesNotMatch(error, /Cannot reach/);
      assert.equal(await page.hasLoginForm(), true);
      await page.page.close();
    });
  }
});

describe('a reconnect that fails mid-login retries and says why, never a silent "Connecting…"', () => {
  let fx: Fixture;
  let profile: Profile;
  let broken: FakeServer;

  before(async () => {
    fx = await setup(['alice'], { proxy: true });
    // Offering FAST as well: on the SASL2 servers the account holds a FAST token, not SCRAM keys.
    broken = await startFakeServer('continue', { fast: true });
    profile = await launch();
  });

  after(async () => {
    await profile?.close();
    await broken?.close();
    await fx?.dispose();
  });

  it('shows the failure while retrying, and is online again by itself once the server answers properly', async () => {
    const alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    fx.proxy!.retarget(broken.port);
    fx.proxy!.drop();
    const status = await alice.waitForStatus('Offline — Login failed', 20_000);
    assert.equal(status, 'Offline — Login failed (SASL continue is not supported yet). Retrying…');
    assert.equal(await alice.hasLoginForm(), false, 'stored credentials are kept: the server, not they, failed');
    fx.proxy!.retarget(fx.server.httpPort);
    await alice.waitForStatus('Online', 30_000);
  });
});
