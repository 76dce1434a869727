/**
 * Archive sync that scales, on a real Prosody: a first login with a big archive takes only the
 * newest messages, and an archive trimmed between two logins (the cursor expired) neither breaks
 * catch-up nor loses the older history stored on the device.
 * Archives are filled server-side (test/harness/archive.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { onProsody, prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';
import { countArchiveQueries, emptyArchive, fillArchive } from '../harness/archive.js';

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

/** The conversation's stored messages, read from the page's IndexedDB. */
const storedBodies = async (page: ClientPage, jid: string) => (await page.stored(jid)).map((m) => m.body);

describe('first login with 20,000 archived messages', onProsody, () => {
  const ARCHIVED = 20_000;
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await fillArchive(prosodyOf(fx), { from: fx.jid('bob'), to: fx.jid('alice'), prefix: 'archived', count: ARCHIVED });
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('shows the newest at once and downloads only a recent window, not the other 19,750', async () => {
    const queries = await countArchiveQueries(prosodyOf(fx));
    const alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await alice.open(fx.jid('bob'));
    const shown = await alice.waitForMessages(100, 60_000);
    assert.deepEqual(shown, range('archived', ARCHIVED - 99, ARCHIVED));
    // What alice sends leaves only once the catch-up has finished (the outbox waits for it): when
    // bob has it, the catch-up is over.
    await alice.type('caught up?');
    await bob.waitForBody('caught up?', 120_000);
    assert.deepEqual(await storedBodies(alice, fx.jid('bob')), [...range('archived', ARCHIVED - 249, ARCHIVED), 'caught up?']);
    // Prosody answers at most 50 per query: five pages back from the newest.
    assert.equal(await queries(), 5);
  });
});

describe('archive trimmed between two logins (the cursor expired)', onProsody, () => {
  let fx: Fixture;
  let profile: Profile;
  let carol: Peer;
  let alice: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('the next login catches up with what is new, and scrolling back reaches the new messages in the hole, then the old ones', async () => {
    const bobJid = fx.jid('bob');
    await fillArchive(prosodyOf(fx), { from: bobJid, to: fx.jid('alice'), prefix: 'old', count: 30, endsAgo: 7200 });
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    // What alice sends leaves once the first sync is over (the outbox waits for it).
    await alice.api('send', fx.jid('carol'), 'first sync done?');
    await carol.waitForBody('first sync done?', 60_000);
    assert.deepEqual(await storedBodies(alice, bobJid), range('old', 1, 30));
    await alice.closeLast();

    // The server expires all of it, and 400 new messages come while alice is away.
    assert.equal(await emptyArchive(prosodyOf(fx), 'alice'), 0);
    await fillArchive(prosodyOf(fx), { from: bobJid, to: fx.jid('alice'), prefix: 'new', count: 400, endsAgo: 60 });

    alice = await ClientPage.open(profile, fx.url);
    await alice.waitForStatus('Online');
    // The newest 250 come in (new 151-400); the 150 before them are a hole, paged in by scrolling.
    await until(async () => {
      const stored = await storedBodies(alice, bobJid);
      return stored.includes('new 400') && stored.includes('new 151');
    }, { timeout: 60_000, what: 'the newest messages stored' });
    await alice.open(bobJid);
    const full = [...range('old', 1, 30), ...range('new', 1, 400)];
    // The newest show at once; the hole below them is not shown as if nothing were missing.
    assert.deepEqual(await alice.waitForMessages(100), full.slice(-100));
    for (let i = 0; i < 20 && (await alice.messages())[0] !== 'old 1'; i++) await alice.scrollToOlder();
    assert.deepEqual(await alice.messages(), full);
    assert.equal((await alice.stored(bobJid)).length, full.length, 'each stored once');
  });
});
