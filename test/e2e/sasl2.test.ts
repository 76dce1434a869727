import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

interface StoredAccount {
  jid: string;
  keys?: unknown;
  fast?: { token: string; mechanism: string; expiry: string };
}

/** The account record as IndexedDB holds it, and everything stored as text. */
async function storedAccount(page: ClientPage): Promise<{ account: StoredAccount | undefined; all: string }> {
  const all = await page.storedText();
  return { account: (JSON.parse(all) as { account: StoredAccount[] }).account[0], all };
}

describe('SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484) on Prosody 13', { skip: SERVER !== 'prosody' && 'needs Prosody 13 with the SASL2 modules' }, () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;

  before(async () => {
    // Tokens due for rotation at every use: each FAST login gets a new one, which must be kept.
    fx = await setup(['alice', 'bob'], { proxy: true, prosody: { extraConfig: 'sasl2_fast_token_min_ttl = 0' } });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    profile = await launch();
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('logs in over SASL2 with a server-proven SCRAM, binds with Bind2, and keeps a FAST token instead of keys', async () => {
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    const [session] = await fx.server.sessions('alice');
    // Prosody's Bind2 names the resource "<tag>~<hash of the user-agent id>": a SASL1 bind would not.
    assert.match(session ?? '', /^alice@localhost\/parley-[0-9a-f]{8}~/);
    const { account, all } = await storedAccount(alice);
    assert.equal(typeof account?.fast?.token, 'string');
    assert.equal(account?.fast?.mechanism, 'HT-SHA-256-NONE');
    assert.equal(account?.keys, undefined, 'no SCRAM keys where FAST serves');
    assert.ok(!all.includes(PASSWORD), 'the password is not stored');
  });

  it('with every tab closed and one reopened, logs in with the token alone and resumes the stream: what came meanwhile arrives once', async () => {
    await alice.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'before');
    await alice.waitForMessages(1);
    const before = await fx.server.sessions('alice');
    await alice.closeLast();
    for (const body of ['while closed 1', 'while closed 2', 'while closed 3']) await bob.say(fx.jid('alice'), body);
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online');
    assert.equal(await alice.hasLoginForm(), false);
    assert.deepEqual(await fx.server.sessions('alice'), before, 'the same server session, resumed');
    await alice.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'after');
    await alice.waitForMessages(5);
    assert.deepEqual((await alice.stored(fx.jid('bob'))).map((m) => m.body), ['before', 'while closed 1', 'while closed 2', 'while closed 3', 'after']);
  });

  it('a token the server rotates is kept: the next login uses the new one', async () => {
    const first = (await storedAccount(alice)).account?.fast?.token;
    await alice.closeLast();
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online');
    const second = await until(async () => {
      const token = (await storedAccount(alice)).account?.fast?.token;
      return token && token !== first ? token : undefined;
    }, { what: 'a rotated token stored' });
    await alice.closeLast();
    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online');
    assert.equal(await alice.hasLoginForm(), false);
    await until(async () => {
      const token = (await storedAccount(alice)).account?.fast?.token;
      return token && token !== second;
    }, { what: 'rotated again, and the new one kept' });
  });

  it('a dropped connection comes back over SASL2 and carries on', async () => {
    fx.proxy!.drop();
    await alice.waitForStatus('Online', 20_000);
    await alice.type('back');
    await bob.waitForBody('back');
    assert.deepEqual(alice.errors, []);
  });

  it('after the password changed elsewhere, the token no longer works: the form asks for the password, the new one logs in', async () => {
    await alice.closeLast();
    // Prosody stamps a password change in whole seconds and keeps tokens issued later than that:
    // change it in a second after the token's, as a person doing it elsewhere would.
    await new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
    await fx.server.register('alice', 'a new password');
    alice = await ClientPage.open(profile, fx.url);
    const error = await alice.loginError();
    assert.match(error, /Enter your password again/);
    const { account } = await storedAccount(alice);
    assert.equal(account?.fast, undefined, 'the dead token is dropped');
    await alice.login(fx.jid('alice'), 'a new password');
    await alice.waitForStatus('Online');
    await until(async () => (await storedAccount(alice)).account?.fast?.token, { what: 'a new FAST token' });
  });
});
