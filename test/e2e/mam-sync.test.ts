/**
 * Archive sync that scales, on a real Prosody: a first login with a big archive takes only the
 * newest messages, and an archive trimmed between two logins (the cursor expired) neither breaks
 * catch-up nor loses the older history stored on the device.
 *
 * Archives are filled server-side in one SQL transaction into Prosody's own archive table (a peer
 * sending 20,000 takes minutes); Prosody then serves them as any archive, through mod_mam.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

/**
 * Appends `count` chat messages from `from` to `to` into `to`'s archive, bodies `<prefix> 1…count`,
 * one second apart ending `endsAgo` seconds ago.
 */
async function archive(fx: Fixture, { from, to, prefix, count, endsAgo = 1 }: { from: string; to: string; prefix: string; count: number; endsAgo?: number }): Promise<void> {
  const user = to.split('@')[0]!;
  const lua = `local sql, st, uuid = require "util.sql", require "util.stanza", require "util.uuid".generate;
    local e = sql:create_engine({ driver = "SQLite3", database = prosody.paths.data .. "/prosody.sqlite" }); assert(e:connect());
    local t0 = os.time() - ${endsAgo} - ${count};
    local ok, err = e:transaction(function() for i = 1, ${count} do
      local m = st.message({ from = "${from}/phone", to = "${to}", type = "chat", id = "${prefix}-" .. i }):tag("body"):text("${prefix} " .. i):up();
      e:insert([[INSERT INTO "prosodyarchive" ("host","user","store","when","with","key","type","value") VALUES (?,?,?,?,?,?,?,?)]],
        "${fx.prosody.host}", "${user}", "archive", t0 + i, "${from}", uuid(), "xml", tostring(m)) end end);
    e.conn:close(); return ok and "seeded" or tostring(err)`;
  const out = await fx.prosody.eval(lua.replace(/\n\s*/g, ' '));
  assert.match(out, /seeded/, `archive seeded: ${out}`);
}

/** Counts the archive queries Prosody receives from now on (a handler ahead of mod_mam's that only counts). */
async function countQueries(fx: Fixture): Promise<() => Promise<number>> {
  await fx.prosody.eval(`local c = { n = 0 }; prosody.parley_mam_queries = c; prosody.hosts["${fx.prosody.host}"].events.add_handler("iq-set/self/urn:xmpp:mam:2:query", function() c.n = c.n + 1 end, 1000)`);
  return async () => Number((await fx.prosody.eval('prosody.parley_mam_queries.n')).replace(/^Result: /, ''));
}

/** The conversation's stored messages, read from the page's IndexedDB. */
const storedBodies = async (page: ClientPage, jid: string) => (await page.stored(jid)).map((m) => m.body);

describe('first login with 20,000 archived messages', () => {
  const ARCHIVED = 20_000;
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.prosody, ['alice', PASSWORD], ['bob', PASSWORD]);
    await archive(fx, { from: fx.jid('bob'), to: fx.jid('alice'), prefix: 'archived', count: ARCHIVED });
    bob = await connectPeer(fx.prosody, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('shows the newest at once and downloads only a recent window, not the other 19,750', async () => {
    const queries = await countQueries(fx);
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

describe('archive trimmed between two logins (the cursor expired)', () => {
  let fx: Fixture;
  let profile: Profile;
  let carol: Peer;
  let alice: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    await befriend(fx.prosody, ['alice', PASSWORD], ['bob', PASSWORD]);
    carol = await connectPeer(fx.prosody, 'carol', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('the next login catches up with what is new, and scrolling back reaches the new messages in the hole, then the old ones', async () => {
    const bobJid = fx.jid('bob');
    await archive(fx, { from: bobJid, to: fx.jid('alice'), prefix: 'old', count: 30, endsAgo: 7200 });
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    // What alice sends leaves once the first sync is over (the outbox waits for it).
    await alice.api('send', fx.jid('carol'), 'first sync done?');
    await carol.waitForBody('first sync done?', 60_000);
    assert.deepEqual(await storedBodies(alice, bobJid), range('old', 1, 30));
    await alice.closeLast();

    // The server expires all of it, and 400 new messages come while alice is away.
    const host = fx.prosody.host;
    await fx.prosody.eval(`require"core.storagemanager".open("${host}", "archive", "archive"):delete("alice")`);
    assert.equal(await fx.prosody.eval(`local n = 0 for _ in require"core.storagemanager".open("${host}", "archive", "archive"):find("alice", {}) do n = n + 1 end return n`), 'Result: 0');
    await archive(fx, { from: bobJid, to: fx.jid('alice'), prefix: 'new', count: 400, endsAgo: 60 });

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
