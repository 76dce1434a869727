/**
 * Exactly once as a user sees it: sender ids that repeat, edits met again in the archive, and a
 * contact's clock that must not move messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const C = 'parley-client >>> parley-conversation >>> ';
const NS_RECEIPTS = 'urn:xmpp:receipts';
const NS_CORRECT = 'urn:xmpp:message-correct:0';

/** Messages shown in the open conversation, with the "(edited)" history of each. */
function shown(page: ClientPage): Promise<{ body: string; previous: string[] }[]> {
  return page.page.$$eval(`${C}li.message`, (els) =>
    els.map((e) => ({
      body: e.querySelector('.body')?.textContent?.trim() ?? '',
      previous: [...e.querySelectorAll('.edited .previous')].map((p) => p.textContent ?? ''),
    })),
  );
}

/** The conversation list, top first. */
const conversationList = (page: ClientPage) =>
  page.page.$$eval('parley-client >>> parley-conversations >>> li.conversation', (els) => els.map((e) => e.getAttribute('data-jid')));

/** The archive id forward sync of the own archive resumes from, as the worker stored it. */
function mamCursor(page: ClientPage, ownJid: string): Promise<string | undefined> {
  return page.page.evaluate(async (jid) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('parley');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const cursor = await new Promise<{ last?: string } | undefined>((ok) => {
      const r = db.transaction('state').objectStore('state').get(`archive:${jid}`);
      r.onsuccess = () => ok(r.result as { last?: string } | undefined);
    });
    db.close();
    return cursor?.last;
  }, ownJid);
}

const receiptsFor = (peer: Peer, id: string) =>
  peer.received.filter((el: Element) => el.name === 'message' && el.getChild('received', NS_RECEIPTS)?.attrs.id === id);

describe('exactly once, as the user sees it', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carol: Peer;
  let aliceJid: string;
  let bobJid: string;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    aliceJid = fx.jid('alice');
    bobJid = fx.jid('bob');
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['alice', PASSWORD], ['carol', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { resource: 'phone' });
    carol = await connectPeer(fx.server, 'carol', PASSWORD, { resource: 'pc' });
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await until(async () => (await alice.contacts())[bobJid] === 'online', { what: 'bob online for alice' });
    await alice.open(bobJid);
  });

  after(async () => {
    await bob?.stop();
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it("shows both of two different messages that reuse one id (bob's client restarted its counter), and confirms each", async () => {
    const send = (body: string) =>
      bob.xmpp.send(xml('message', { to: aliceJid, type: 'chat', id: '1' }, xml('body', {}, body), xml('request', { xmlns: NS_RECEIPTS })));
    await send('before my restart');
    await send('after my restart');
    await until(async () => (await alice.messages()).includes('after my restart'), { what: 'second message shown' });
    assert.deepEqual(await alice.messages(), ['before my restart', 'after my restart']);
    await until(() => receiptsFor(bob, '1').length === 2, { what: 'a receipt for each' });
  });

  it("applies bob's correction once when the archive catch-up meets it again after a reload: one history entry", async () => {
    await bob.xmpp.send(xml('message', { to: aliceJid, type: 'chat', id: 'typo' }, xml('body', {}, 'see you tomorow')));
    await bob.xmpp.send(
      xml('message', { to: aliceJid, type: 'chat', id: 'fix' }, xml('body', {}, 'see you tomorrow'), xml('replace', { xmlns: NS_CORRECT, id: 'typo' })),
    );
    const live = await until(async () => (await shown(alice)).find((m) => m.body === 'see you tomorrow'), { what: 'correction shown' });
    assert.deepEqual(live.previous, ['see you tomorow']);
    // The first sync found an empty archive, so the next one pages through all of the above again.
    assert.equal(await mamCursor(alice, aliceJid), undefined);
    await alice.page.reload();
    await alice.waitForStatus('Online');
    await until(() => mamCursor(alice, aliceJid), { what: 'archive catch-up done' });
    await alice.open(bobJid);
    const fixed = await until(async () => (await shown(alice)).find((m) => m.body === 'see you tomorrow'), { what: 'corrected message shown' });
    assert.deepEqual(fixed.previous, ['see you tomorow']);
    assert.equal((await shown(alice)).filter((m) => /see you/.test(m.body)).length, 1);
  });

  it("does not let bob's own clock move his message: a delay he stamped is ignored", async () => {
    await carol.say(aliceJid, 'carol was here first');
    await until(async () => (await conversationList(alice))[0] === fx.jid('carol'), { what: 'carol on top' });
    // Bob's client claims it wrote this long ago; only our own server's stamps date a message.
    await bob.xmpp.send(
      xml('message', { to: aliceJid, type: 'chat', id: 'old' }, xml('body', {}, 'written in 2001, says bob'),
        xml('delay', { xmlns: 'urn:xmpp:delay', from: `${bobJid}/phone`, stamp: '2001-01-01T00:00:00Z' })),
    );
    await until(async () => (await alice.messages()).includes('written in 2001, says bob'), { what: 'delayed message shown' });
    assert.equal((await alice.messages()).at(-1), 'written in 2001, says bob');
    assert.deepEqual(await conversationList(alice), [bobJid, fx.jid('carol')]);
  });
});
