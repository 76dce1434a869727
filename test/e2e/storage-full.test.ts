import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { CDPSession } from 'puppeteer-core';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/**
 * The origin's quota, set before its database is first opened (Chromium applies an override to
 * connections opened after it): room for the app, its Service Worker and a session, not for much more.
 */
const QUOTA = 1_500_000;
/** A message body well under the server's stanza limit, random so that it takes its size in storage. */
const BIG = 60_000;

describe('storage full: the origin quota overridden small (DevTools protocol)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let cdp: CDPSession;
  let origin: string;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
    origin = new URL(fx.url).origin;
    cdp = await (await profile.browser.newPage()).createCDPSession();
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: QUOTA });
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await cdp?.send('Storage.overrideQuotaForOrigin', { origin }).catch(() => undefined);
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('incoming messages past the quota give a visible error; what was stored stays, the worker keeps going, what is typed stays in the field', async () => {
    await alice.open(fx.jid('bob'));
    const earlier = ['before 1', 'before 2', 'before 3'];
    for (const body of earlier) await bob.say(fx.jid('alice'), body);
    await until(async () => earlier.every((b) => alice.messages().then((m) => m.includes(b))), { what: 'the first messages shown' });

    // Big messages until the app says storage is full: a bounded number, far more than the headroom holds.
    const warning = () => alice.page.$eval('parley-client >>> .warning', (w) => w.textContent ?? '').catch(() => '');
    let sent = 0;
    while (!(await warning()) && sent < 40) {
      await bob.say(fx.jid('alice'), `big ${++sent} ${randomBytes(BIG * 0.75).toString('base64')}`);
      // A round trip: bob's ping answered after alice's server routed the message to her.
      await bob.xmpp.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), fx.server.host);
      await until(async () => (await warning()) || (await alice.stored(fx.jid('bob'))).some((m) => m.body.startsWith(`big ${sent} `)), { what: `big ${sent} stored or refused` });
    }
    assert.match(await warning(), /Storage is full/);

    // Nothing stored before is lost or changed, and the session still runs.
    const stored = await alice.stored(fx.jid('bob'));
    assert.deepEqual(stored.filter((m) => m.body.startsWith('before')).map((m) => m.body), earlier);
    assert.equal(await alice.status(), 'Online');
    for (const body of earlier) assert.ok((await alice.messages()).includes(body));

    // A message typed now cannot be queued: it stays in the field, with the reason beside it.
    await alice.type('typed while full');
    const field = 'parley-client >>> parley-composer >>> textarea';
    await until(() => alice.page.$eval('parley-client >>> parley-composer >>> .error', (e) => e.textContent ?? '').then((t) => /Storage is full/.test(t)), { what: 'the composer says why' });
    assert.equal(await alice.page.$eval(field, (t) => (t as HTMLTextAreaElement).value), 'typed while full');

    // With room again, the same text goes out: nothing typed was lost.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await alice.page.focus(field);
    await alice.page.keyboard.press('Enter');
    await bob.waitForBody('typed while full');
  });
});

