import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('conversation list, unread counts and search', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carol: Peer;

  /** The list as shown: [jid, preview, unread badge]. */
  const listed = () =>
    alice.page.$$eval('parley-client >>> parley-conversations >>> li.conversation', (rows) =>
      rows.map((r) => [r.getAttribute('data-jid'), r.querySelector('.preview')?.textContent?.trim(), r.querySelector('.badge')?.textContent?.trim() ?? '']),
    );

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['alice', PASSWORD], ['carol', PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    [bob, carol] = await Promise.all([connectPeer(fx.server, 'bob', PASSWORD), connectPeer(fx.server, 'carol', PASSWORD)]);
  });

  after(async () => {
    await Promise.all([bob?.stop(), carol?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it('lists conversations by last activity with preview and unread badge; the title shows the total', async () => {
    await bob.say(fx.jid('alice'), 'bob one');
    await bob.say(fx.jid('alice'), 'the needle is here');
    await until(async () => (await listed()).length === 1, { what: 'bob listed' });
    for (const body of ['carol one', 'carol two', 'carol three']) await carol.say(fx.jid('alice'), body);
    const rows = await until(async () => {
      const r = await listed();
      return r.length === 2 && r[0]![2] === '3' ? r : undefined;
    }, { what: 'carol on top' });
    assert.deepEqual(rows, [
      [fx.jid('carol'), 'carol three', '3'],
      [fx.jid('bob'), 'the needle is here', '2'],
    ]);
    await until(async () => (await alice.page.title()) === '(5) Parley demo', { what: 'title total 5' });
  });

  it('opening a conversation reads it: its badge goes and the total drops', async () => {
    await alice.page.locator('parley-client >>> parley-conversations >>> li[data-jid="bob@localhost"] button').click();
    await until(async () => (await listed()).find((r) => r[0] === fx.jid('bob'))?.[2] === '', { what: 'bob read' });
    await until(async () => (await alice.page.title()) === '(3) Parley demo', { what: 'title total 3' });
    await alice.type('my reply');
    const rows = await until(async () => {
      const r = await listed();
      return r[0]?.[0] === fx.jid('bob') ? r : undefined;
    }, { what: 'bob back on top' });
    assert.deepEqual(rows[0], [fx.jid('bob'), 'You: my reply', '']);
  });

  it('searches the stored history of a conversation', async () => {
    const box = 'parley-client >>> parley-conversation >>> input.search';
    await alice.fill(box, 'NEEDLE');
    // Results follow every keystroke; wait for those of the whole word.
    const found = () => alice.page.$$eval('parley-client >>> parley-conversation >>> .results li.message .body', (els) => els.map((e) => e.textContent));
    await until(async () => (await found()).length === 1, { what: 'search results for the whole word' });
    assert.deepEqual(await found(), ['the needle is here']);
    await alice.fill(box, 'no such words');
    await until(async () => (await alice.page.$eval('parley-client >>> parley-conversation >>> [role="status"]', (e) => e.textContent)) === '0 found', { what: 'nothing found' });
  });
});
