import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const ARCHIVED = 1000;
/** What a first login fetches: the newest messages only (src/worker/mam.ts RECENT). */
const RECENT = 250;
const LIVE = 200;
const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

describe('message archive (XEP-0313): first sync, live during it, paging back', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    // Alice's phone is online while bob writes, so everything lands in her archive (and not in
    // offline storage, which would hand it to Parley live).
    const phone = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' });
    const sent = range('archived', 1, ARCHIVED);
    for (const body of sent) void bob.say(fx.jid('alice'), body);
    await until(() => phone.received.filter((el) => el.name === 'message').length >= ARCHIVED, { timeout: 120_000, what: 'archive seeded' });
    await phone.stop();
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  /** Everything bob and alice said, in order: what the conversation must show a tail of. */
  const everything = [...range('archived', 1, ARCHIVED), ...range('live', 1, LIVE), 'caught up?'];

  /** How many the first login stored: the window, and whatever came live beside it. */
  let firstSync = 0;

  it(`first login stores the newest ${RECENT} archived while ${LIVE} live ones arrive: exactly once, in order, no gap`, async () => {
    alice = await ClientPage.open(profile, fx.url);
    await alice.login(fx.jid('alice'), PASSWORD);
    // Live messages start with the login, so they arrive while the first sync runs (a server that
    // serves the whole window in one page leaves no moment "between pages" to aim at). Some may be in
    // the archive before the sync reads it: then the window of the newest includes them.
    for (const body of range('live', 1, LIVE)) await bob.say(fx.jid('alice'), body);
    await until(async () => (await alice.stored(fx.jid('bob'))).some((m) => m.body === `live ${LIVE}`), { what: 'live messages stored' });
    // What alice sends leaves once the catch-up is over (the outbox waits for it).
    await alice.api('send', fx.jid('bob'), 'caught up?');
    await bob.waitForBody('caught up?', 60_000);
    const stored = await until(async () => {
      const s = await alice.stored(fx.jid('bob'));
      return s.some((m) => m.body === 'caught up?') ? s : undefined;
    }, { what: 'the message sent after the catch-up stored' });
    // The newest of everything, each once, in order, without a hole: the window and all live ones.
    assert.deepEqual(stored.map((m) => m.body), everything.slice(-stored.length));
    assert.ok(stored.length >= RECENT + 1, `at least the window (${stored.length} stored)`);
    assert.ok(stored.length < everything.length, 'not the whole archive');
    firstSync = stored.length;
    // Every received one carries the archive's id, live ones too: that is what deduplication keys on.
    const received = stored.filter((m) => m.direction === 'in');
    assert.equal(received.filter((m) => m.stanzaId).length, received.length);
  });

  it('scrolling up in the conversation pages back through local history, then the server archive, with no gaps', async () => {
    await alice.open(fx.jid('bob'));
    assert.deepEqual(await alice.waitForMessages(100), everything.slice(-100));
    for (let page = 1; page <= 5; page++) await alice.scrollToOlder();
    const shown = await alice.messages();
    assert.deepEqual(shown, everything.slice(-shown.length));
    assert.ok(shown.length > firstSync, `paged back past what the first login stored (${shown.length} shown)`);
    assert.equal((await alice.stored(fx.jid('bob'))).length, shown.length);
  });

  it('past what is stored, scrolling up pages back through the server archive and stores it', async () => {
    // A device that kept only recent history: drop everything but the newest 150 from storage.
    await alice.page.evaluate(async (jid) => {
      const db = await new Promise<IDBDatabase>((ok) => {
        const r = indexedDB.open('parley');
        r.onsuccess = () => ok(r.result);
      });
      const tx = db.transaction('messages', 'readwrite');
      const index = tx.objectStore('messages').index('byConversation');
      const keys = await new Promise<IDBValidKey[]>((ok) => {
        const r = index.getAllKeys(IDBKeyRange.bound([jid, -Infinity], [jid, Infinity]));
        r.onsuccess = () => ok(r.result);
      });
      for (const key of keys.slice(0, keys.length - 150)) tx.objectStore('messages').delete(key);
      await new Promise((ok) => (tx.oncomplete = ok));
      db.close();
    }, fx.jid('bob'));
    await alice.page.reload();
    assert.deepEqual(await alice.waitForMessages(100), everything.slice(-100));
    for (let page = 1; page <= 4; page++) await alice.scrollToOlder();
    const shown = await alice.messages();
    assert.deepEqual(shown, everything.slice(-shown.length));
    assert.ok(shown.length >= 250, `paged back past the 150 stored (${shown.length} shown)`);
    assert.equal((await alice.stored(fx.jid('bob'))).length, shown.length);
  });

  // Both checks hold here (a foreign `from`, a guessed queryid); test/unit/mam-forged.test.ts fails each alone.
  it('an archive result forged by another user (foreign from, guessed queryid) is not stored', async () => {
    const [aliceFull] = await fx.server.sessions('alice');
    const forged = xml('message', { to: aliceFull },
      xml('result', { xmlns: 'urn:xmpp:mam:2', queryid: 'guess', id: 'forged-1' },
        xml('forwarded', { xmlns: 'urn:xmpp:forward:0' },
          xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2020-01-01T00:00:00Z' }),
          xml('message', { from: fx.jid('bob'), to: fx.jid('alice'), type: 'chat', id: 'f1' }, xml('body', {}, 'forged history')))));
    await bob.xmpp.send(forged);
    await bob.say(fx.jid('alice'), 'after the forgery');
    await until(async () => (await alice.stored(fx.jid('bob'))).some((m) => m.body === 'after the forgery'), { what: 'next real message' });
    assert.equal((await alice.stored(fx.jid('bob'))).some((m) => m.body === 'forged history'), false);
  });
});
