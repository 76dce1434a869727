import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const NS_CORRECT = 'urn:xmpp:message-correct:0';
const NS_RETRACT = 'urn:xmpp:message-retract:1';
const C = 'parley-client >>> parley-conversation >>> ';

interface Stored {
  key: string;
  id?: string;
  conversation: string;
  direction: string;
  body: string;
  edits?: { body: string; ts: number }[];
  retracted?: boolean;
}

/** Every record of a store of the page's IndexedDB 'parley', read directly. */
function readStore<T>(page: ClientPage, store: string): Promise<T[]> {
  return page.page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('parley');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = await new Promise<unknown[]>((ok) => {
      const r = db.transaction(name).objectStore(name).getAll();
      r.onsuccess = () => ok(r.result);
    });
    db.close();
    return all;
  }, store) as Promise<T[]>;
}

const storedMessages = (page: ClientPage) => readStore<Stored>(page, 'messages');

interface Shown {
  body: string;
  direction: string | null;
  edited: string;
  previous: string[];
}

function shown(page: ClientPage): Promise<Shown[]> {
  return page.page.$$eval(`${C}li.message`, (els) =>
    els.map((e) => ({
      body: e.querySelector('.body')?.textContent?.trim() ?? '',
      direction: e.getAttribute('data-direction'),
      edited: e.querySelector('.edited summary')?.textContent?.trim() ?? '',
      previous: [...e.querySelectorAll('.edited .previous')].map((p) => p.textContent ?? ''),
    })),
  );
}

const bodyOf = (peer: Peer, pred: (el: Element) => boolean, what: string) =>
  until(() => peer.received.find((el) => el.name === 'message' && pred(el)), { what });

describe('message correction (XEP-0308) and retraction (XEP-0424)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let mallory: Peer;
  let bobJid: string;
  let aliceOriginalId: string;
  let bobMessageId: string;

  before(async () => {
    fx = await setup(['alice', 'bob', 'mallory']);
    bobJid = fx.jid('bob');
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { resource: 'laptop' });
    mallory = await connectPeer(fx.server, 'mallory', PASSWORD, { resource: 'evil' });
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await until(async () => (await alice.contacts())[bobJid] === 'online', { what: 'bob online for alice' });
    await alice.open(bobJid);
  });

  after(async () => {
    await bob?.stop();
    await mallory?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('alice edits her last message: bob gets a <replace/> naming it, alice sees the new text marked edited', async () => {
    await alice.type('first one');
    await bob.waitForBody('first one');
    await alice.type('helo bob');
    const original = await bob.waitForBody('helo bob');
    assert.ok(original.attrs.id);
    aliceOriginalId = original.attrs.id;
    // Edit only on the last own message, Retract on each.
    await until(async () => (await alice.page.$$(`${C}button.retract-button`)).length === 2, { what: 'two retract buttons' });
    assert.equal((await alice.page.$$(`${C}button.edit-button`)).length, 1);
    const label = await alice.page.$eval(`${C}button.edit-button`, (b) => b.getAttribute('aria-label'));
    assert.equal(label, 'Edit your message: helo bob');

    await alice.click(`${C}button.edit-button`);
    const area = await alice.page.waitForSelector(`${C}form.edit textarea`, { visible: true });
    // Keyboard: the editor takes focus with the old text in it.
    assert.equal(await area!.evaluate((t) => (t.getRootNode() as ShadowRoot).activeElement === t), true);
    await area!.evaluate((t) => (t as HTMLTextAreaElement).select());
    await alice.page.keyboard.type('hello bob');
    await alice.page.keyboard.press('Enter');

    const correction = await bodyOf(bob, (el) => !!el.getChild('replace', NS_CORRECT), 'correction at bob');
    assert.equal(correction.getChild('replace', NS_CORRECT)!.attrs.id, aliceOriginalId);
    assert.equal(correction.getChildText('body'), 'hello bob');
    assert.equal(correction.attrs.type, 'chat');
    const originId = correction.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id;
    assert.ok(originId && originId !== aliceOriginalId && originId === correction.attrs.id);

    const mine = await until(async () => (await shown(alice)).find((m) => m.body === 'hello bob' && m.edited === '(edited)'), { what: 'edit shown' });
    assert.deepEqual(mine.previous, ['helo bob']);
    assert.equal((await shown(alice)).some((m) => m.body === 'helo bob'), false);
    const record = (await storedMessages(alice)).find((m) => m.body === 'hello bob')!;
    assert.deepEqual(record.edits?.map((e) => e.body), ['helo bob']);
  });

  it('refuses to edit any message but the last own one', async () => {
    const first = (await storedMessages(alice)).find((m) => m.body === 'first one')!;
    await assert.rejects(alice.api('correct', bobJid, first.key, 'rewritten'), /Only your last message/);
    assert.equal((await storedMessages(alice)).find((m) => m.key === first.key)!.body, 'first one');
  });

  it('Escape cancels an edit and gives focus back to the Edit button', async () => {
    await alice.click(`${C}button.edit-button`);
    await alice.page.waitForSelector(`${C}form.edit textarea`, { visible: true });
    await alice.page.keyboard.type(' and more');
    await alice.page.keyboard.press('Escape');
    await until(async () => (await alice.page.$(`${C}form.edit`)) === null, { what: 'editor closed' });
    const focused = await alice.page.$eval('parley-client >>> parley-conversation', (el) => el.shadowRoot!.activeElement?.className ?? '');
    assert.equal(focused, 'edit-button');
    assert.equal((await storedMessages(alice)).find((m) => m.direction === 'out' && m.id === aliceOriginalId)!.body, 'hello bob');
  });

  it('bob corrects his own message: alice shows the new text and keeps the old one in history', async () => {
    bobMessageId = `bob-${crypto.randomUUID()}`;
    await bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id: bobMessageId }, xml('body', {}, 'I am hapy')));
    await until(async () => (await shown(alice)).some((m) => m.body === 'I am hapy'), { what: "bob's message shown" });
    await bob.xmpp.send(
      xml('message', { to: fx.jid('alice'), type: 'chat', id: crypto.randomUUID() }, xml('body', {}, 'I am happy'), xml('replace', { xmlns: NS_CORRECT, id: bobMessageId })),
    );
    const m = await until(async () => (await shown(alice)).find((x) => x.body === 'I am happy'), { what: "bob's correction shown" });
    assert.equal(m.direction, 'in');
    assert.equal(m.edited, '(edited)');
    assert.deepEqual(m.previous, ['I am hapy']);
    const stored = (await storedMessages(alice)).filter((x) => x.conversation === bobJid && x.direction === 'in');
    assert.equal(stored.length, 1, 'the correction is not stored as a message of its own');
    assert.equal(stored[0]!.body, 'I am happy');
    assert.deepEqual(stored[0]!.edits?.map((e) => e.body), ['I am hapy']);
    // Nothing of ours to edit or retract on bob's message.
    assert.equal((await alice.page.$$(`${C}li[data-direction="in"] :is(.edit-button, .retract-button)`)).length, 0);
  });

  it("mallory's correction and retraction naming bob's message are ignored", async () => {
    const alice_ = fx.jid('alice');
    await mallory.xmpp.send(
      xml('message', { to: alice_, type: 'chat', id: crypto.randomUUID() }, xml('body', {}, 'pwned'), xml('replace', { xmlns: NS_CORRECT, id: bobMessageId })),
    );
    await mallory.xmpp.send(
      xml('message', { to: alice_, type: 'chat', id: crypto.randomUUID() },
        xml('retract', { xmlns: NS_RETRACT, id: bobMessageId }),
        xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: NS_RETRACT }),
        xml('body', {}, '/me retracted a previous message')),
    );
    // A carbon forged by mallory claiming alice's account sent a correction of alice's message.
    await mallory.xmpp.send(
      xml('message', { to: alice_, type: 'chat' }, xml('sent', { xmlns: 'urn:xmpp:carbons:2' }, xml('forwarded', { xmlns: 'urn:xmpp:forward:0' },
        xml('message', { from: `${alice_}/x`, to: bobJid, type: 'chat', id: 'f1' }, xml('body', {}, 'forged'), xml('replace', { xmlns: NS_CORRECT, id: aliceOriginalId }))))),
    );
    // In order: once this one is stored, the three before it were handled.
    await mallory.say(alice_, 'just saying hi');
    await until(async () => (await storedMessages(alice)).some((m) => m.body === 'just saying hi'), { what: "mallory's plain message stored" });
    const all = await storedMessages(alice);
    const bobs = all.find((m) => m.conversation === bobJid && m.direction === 'in' && m.id === bobMessageId)!;
    assert.equal(bobs.body, 'I am happy');
    assert.equal(bobs.retracted, undefined);
    assert.equal(all.find((m) => m.body === 'hello bob')?.direction, 'out');
    for (const text of ['pwned', 'forged', '/me retracted a previous message']) assert.equal(all.some((m) => m.body === text), false, text);
    assert.ok((await shown(alice)).some((m) => m.body === 'I am happy'));
  });

  it('bob retracts his message: its text and history leave storage and the log says so', async () => {
    await bob.xmpp.send(
      xml('message', { to: fx.jid('alice'), type: 'chat', id: crypto.randomUUID() },
        xml('retract', { xmlns: NS_RETRACT, id: bobMessageId }),
        xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: NS_RETRACT }),
        xml('body', {}, "/me retracted a previous message, but it's unsupported by your client."),
        xml('store', { xmlns: 'urn:xmpp:hints' })),
    );
    await until(async () => (await storedMessages(alice)).find((m) => m.conversation === bobJid && m.direction === 'in' && m.id === bobMessageId)?.retracted, { what: 'retraction stored' });
    const record = (await storedMessages(alice)).find((m) => m.conversation === bobJid && m.direction === 'in' && m.id === bobMessageId)!;
    assert.equal(record.body, '');
    assert.equal(record.edits, undefined);
    const everything = JSON.stringify([await storedMessages(alice), await readStore(alice, 'conversations')]);
    assert.equal(everything.includes('I am happy'), false, 'new text gone from storage');
    assert.equal(everything.includes('I am hapy'), false, 'old text gone from storage');
    await until(async () => (await shown(alice)).some((m) => m.direction === 'in' && m.body === 'message retracted'), { what: 'retracted shown' });
    assert.equal((await shown(alice)).some((m) => m.body.includes('happy') || m.body.includes('hapy')), false);
    assert.deepEqual(alice.errors, []);
  });

  it('alice retracts her own message: bob receives the retraction', async () => {
    await alice.click(`${C}button[aria-label="Retract your message: hello bob"]`);
    const retraction = await bodyOf(bob, (el) => !!el.getChild('retract', NS_RETRACT), 'retraction at bob');
    assert.equal(retraction.getChild('retract', NS_RETRACT)!.attrs.id, aliceOriginalId);
    assert.equal(retraction.getChild('fallback', 'urn:xmpp:fallback:0')?.attrs.for, NS_RETRACT);
    assert.ok(retraction.getChildText('body'));
    await until(async () => (await shown(alice)).filter((m) => m.body === 'message retracted').length === 2, { what: 'own retraction shown' });
    const all = await storedMessages(alice);
    assert.equal(all.some((m) => m.body.includes('hello bob') || m.body.includes('helo bob')), false);
    // The newest own message that is left can now be edited; the retracted one offers nothing.
    assert.equal(await alice.page.$eval(`${C}button.edit-button`, (b) => b.getAttribute('aria-label')), 'Edit your message: first one');
    assert.deepEqual(alice.errors, []);
  });

  it('a device that logs in later applies the edits and retractions it finds in the archive', async () => {
    const laptop = await launch();
    try {
      const later = await ClientPage.loggedIn(laptop, fx, 'alice', PASSWORD);
      await later.open(bobJid);
      // bob's retracted message and alice's own edited-then-retracted one: no text left of either.
      const records = await until(async () => {
        const all = await storedMessages(later);
        const bobs = all.find((m) => m.conversation === bobJid && m.direction === 'in' && m.id === bobMessageId);
        const own = all.find((m) => m.conversation === bobJid && m.direction === 'out' && m.id === aliceOriginalId);
        return bobs?.retracted && own?.retracted ? all : undefined;
      }, { timeout: 20_000, what: 'archive edits applied' });
      assert.equal(records.some((m) => /hello bob|helo bob|pwned|forged/.test(m.body)), false);
      await until(async () => (await shown(later)).filter((m) => m.body === 'message retracted').length === 2, { what: 'both shown retracted' });
    } finally {
      await laptop.close();
    }
  });
});
