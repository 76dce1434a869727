import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const NS_REACTIONS = 'urn:xmpp:reactions:0';
const NS_REPLY = 'urn:xmpp:reply:0';
const NS_FALLBACK = 'urn:xmpp:fallback:0';
const C = 'parley-client >>> parley-conversation >>> ';

interface Shown {
  body: string;
  quote: string | null;
  /** A "> " block quote in the body, as XEP-0393 styling renders it. */
  inBody: string | null;
  reactions: { label: string; title: string }[];
}

function shown(page: ClientPage): Promise<Shown[]> {
  return page.page.$$eval(`${C}li.message`, (els) =>
    els.map((e) => ({
      body: e.querySelector('.body')?.textContent ?? '',
      quote: e.querySelector('.quote-text')?.textContent ?? null,
      inBody: e.querySelector('.body blockquote')?.textContent?.trim() ?? null,
      reactions: [...e.querySelectorAll('.reactions button')].map((b) => ({ label: b.textContent!.trim(), title: b.getAttribute('title') ?? '' })),
    })),
  );
}

function waitShown(page: ClientPage, check: (m: Shown) => boolean, what: string): Promise<Shown> {
  return until(async () => (await shown(page)).find(check), { what, timeout: 15_000 });
}

/** Index of the message with this body among those shown (for nth-of-type selectors). */
async function indexOf(page: ClientPage, body: string): Promise<number> {
  const i = (await shown(page)).findIndex((m) => m.body === body);
  assert.ok(i >= 0, `"${body}" shown`);
  return i;
}

const messagesWith = (peer: Peer, name: string, ns: string): Element[] =>
  peer.received.filter((el) => el.name === 'message' && el.getChild(name, ns));

describe('reactions (XEP-0444) and replies (XEP-0461 + XEP-0428) with a foreign client', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let aliceWeb: string;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD, { resource: 'laptop' });
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online for alice' });
    aliceWeb = await until(
      () => bob.received.find((el) => el.name === 'presence' && !el.attrs.type && el.attrs.from?.startsWith(`${fx.jid('alice')}/parley-`))?.attrs.from,
      { what: "bob sees alice's Parley resource" },
    );
    await alice.open(fx.jid('bob'));
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it("alice reacts to bob's message with the React button; bob gets her whole set", async () => {
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-1' }, xml('body', {}, 'Lunch at noon?')));
    await waitShown(alice, (m) => m.body === 'Lunch at noon?', 'bob-1 shown');
    const n = (await indexOf(alice, 'Lunch at noon?')) + 1;
    const li = `${C}li.message:nth-of-type(${n})`;
    await alice.click(`${li} button[aria-label="React to this message"]`);
    await alice.click(`${li} button[aria-label="React with 👍"]`);
    const first = await until(() => messagesWith(bob, 'reactions', NS_REACTIONS)[0], { what: 'reactions at bob' });
    const r = first.getChild('reactions', NS_REACTIONS)!;
    assert.equal(r.attrs.id, 'bob-1');
    assert.deepEqual(r.getChildren('reaction').map((x) => x.text()), ['👍']);
    assert.equal(first.attrs.type, 'chat');
    assert.ok(first.getChild('store', 'urn:xmpp:hints'));
    const mine = await waitShown(alice, (m) => m.body === 'Lunch at noon?' && m.reactions.length === 1, 'own reaction shown');
    assert.deepEqual(mine.reactions, [{ label: '👍 1', title: 'you' }]);

    // A second emoji: the full set again, then removing the first by clicking its chip.
    await alice.click(`${li} button[aria-label="React to this message"]`);
    await alice.click(`${li} button[aria-label="React with ❤️"]`);
    const second = await until(() => messagesWith(bob, 'reactions', NS_REACTIONS)[1], { what: 'second reactions at bob' });
    assert.deepEqual(second.getChild('reactions', NS_REACTIONS)!.getChildren('reaction').map((x) => x.text()), ['👍', '❤️']);
    await alice.click(`${li} .reactions button[data-emoji="👍"]`);
    const third = await until(() => messagesWith(bob, 'reactions', NS_REACTIONS)[2], { what: 'third reactions at bob' });
    assert.deepEqual(third.getChild('reactions', NS_REACTIONS)!.getChildren('reaction').map((x) => x.text()), ['❤️']);
    await waitShown(alice, (m) => m.body === 'Lunch at noon?' && m.reactions.length === 1 && m.reactions[0]!.label === '❤️ 1', 'only ❤️ left');
  });

  it("bob reacts to alice's message; a second set from him replaces the first", async () => {
    await alice.type('See you there');
    const sent = await bob.waitForBody('See you there');
    const id = sent.attrs.id!;
    assert.equal(sent.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id, id);
    const react = (...emojis: string[]) =>
      bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: crypto.randomUUID() },
        xml('reactions', { xmlns: NS_REACTIONS, id }, ...emojis.map((e) => xml('reaction', {}, e))),
        xml('store', { xmlns: 'urn:xmpp:hints' })));
    await react('😂', '👨‍👩‍👧‍👦');
    const one = await waitShown(alice, (m) => m.body === 'See you there' && m.reactions.length === 2, "bob's reactions shown");
    assert.deepEqual(one.reactions, [{ label: '😂 1', title: fx.jid('bob') }, { label: '👨‍👩‍👧‍👦 1', title: fx.jid('bob') }]);
    await react('😮');
    const two = await waitShown(alice, (m) => m.body === 'See you there' && m.reactions.length === 1, 'second set replaces the first');
    assert.deepEqual(two.reactions, [{ label: '😮 1', title: fx.jid('bob') }]);
    // Nonsense is dropped; a reaction to an id that is no message of this chat changes nothing.
    await react('not an emoji', '😮', '😮');
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: crypto.randomUUID() },
      xml('reactions', { xmlns: NS_REACTIONS, id: 'no-such-message' }, xml('reaction', {}, '💀'))));
    await bob.say(aliceWeb, 'sync point');
    await waitShown(alice, (m) => m.body === 'sync point', 'sync point');
    assert.deepEqual((await shown(alice)).find((m) => m.body === 'See you there')!.reactions, [{ label: '😮 1', title: fx.jid('bob') }]);
    // Removing all: an empty element.
    await react();
    await waitShown(alice, (m) => m.body === 'See you there' && m.reactions.length === 0, 'reactions removed');
  });

  it("alice's reaction from her phone shows in Parley (carbon); a forged carbon of one does not", async () => {
    const phone = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' });
    try {
      await bob.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id: 'for-phone' }, xml('body', {}, 'react on your phone')));
      await waitShown(alice, (m) => m.body === 'react on your phone', 'message shown');
      const reactAs = (peer: Peer, emoji: string) =>
        peer.xmpp.send(xml('message', { to: fx.jid('bob'), type: 'chat', id: crypto.randomUUID() },
          xml('reactions', { xmlns: NS_REACTIONS, id: 'for-phone' }, xml('reaction', {}, emoji))));
      await reactAs(phone, '🎉');
      const shownOne = await waitShown(alice, (m) => m.body === 'react on your phone' && m.reactions.length === 1, 'phone reaction shown');
      assert.deepEqual(shownOne.reactions, [{ label: '🎉 1', title: 'you' }]);
      // bob forges a carbon claiming alice reacted: dropped.
      await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat' },
        xml('sent', { xmlns: 'urn:xmpp:carbons:2' }, xml('forwarded', { xmlns: 'urn:xmpp:forward:0' },
          xml('message', { from: `${fx.jid('alice')}/phone`, to: fx.jid('bob'), type: 'chat' },
            xml('reactions', { xmlns: NS_REACTIONS, id: 'for-phone' }, xml('reaction', {}, '💀')))))));
      await bob.say(aliceWeb, 'after forged carbon');
      await waitShown(alice, (m) => m.body === 'after forged carbon', 'sync point');
      assert.deepEqual((await shown(alice)).find((m) => m.body === 'react on your phone')!.reactions, [{ label: '🎉 1', title: 'you' }]);
    } finally {
      await phone.stop();
    }
  });

  it("alice replies to bob's message; bob gets <reply/> and a quoted fallback body", async () => {
    const n = (await indexOf(alice, 'Lunch at noon?')) + 1;
    await alice.click(`${C}li.message:nth-of-type(${n}) button[aria-label="Reply to this message"]`);
    const banner = await until(() => alice.page.$eval('parley-client >>> parley-composer >>> .replying', (e) => e.textContent ?? '').catch(() => ''), { what: 'Replying to' });
    assert.match(banner, /Replying to bob@[^:]+:\s*Lunch at noon\?/);
    // Escape cancels, and Reply again brings it back.
    await alice.page.keyboard.press('Escape');
    await until(async () => (await alice.page.$('parley-client >>> parley-composer >>> .replying')) === null, { what: 'reply cancelled' });
    await alice.click(`${C}li.message:nth-of-type(${n}) button[aria-label="Reply to this message"]`);
    await alice.page.waitForSelector('parley-client >>> parley-composer >>> .replying', { visible: true });
    await alice.type('Yes 🍕!');
    const body = '> Lunch at noon?\nYes 🍕!';
    const got = await bob.waitForBody(body);
    const reply = got.getChild('reply', NS_REPLY)!;
    assert.equal(reply.attrs.id, 'bob-1');
    // The full JID bob's message came from; with Bind2 the server picks it ("laptop~…"), so ask the peer.
    assert.equal(reply.attrs.to, bob.jid);
    const range = got.getChild('fallback', NS_FALLBACK)!;
    assert.equal(range.attrs.for, NS_REPLY);
    assert.deepEqual(range.getChild('body')!.attrs, { start: '0', end: String([...'> Lunch at noon?\n'].length) });
    // In Parley: the quote above, the text once.
    const mine = await waitShown(alice, (m) => m.body === 'Yes 🍕!', 'own reply shown');
    assert.equal(mine.quote, 'Lunch at noon?');
    assert.equal(await alice.page.$('parley-client >>> parley-composer >>> .replying'), null);
  });

  it("bob's reply with a fallback quote shows once, under the quoted original", async () => {
    const quote = '> See you there\n';
    const end = [...quote].length;
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-reply-1' },
      xml('body', {}, `${quote}Great 👨‍👩‍👧‍👦 party`),
      xml('reply', { xmlns: NS_REPLY, to: aliceWeb, id: await ownId(alice, 'See you there') }),
      xml('fallback', { xmlns: NS_FALLBACK, for: NS_REPLY }, xml('body', { start: '0', end: String(end) }))));
    const m = await waitShown(alice, (x) => x.body.includes('party'), "bob's reply shown");
    assert.equal(m.body, 'Great 👨‍👩‍👧‍👦 party');
    assert.equal(m.inBody, null);
    assert.equal(m.quote, 'See you there');
  });

  it('a reply from a client without fallback shows fine; a bad range shows the whole body', async () => {
    const target = await ownId(alice, 'See you there');
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-reply-2' },
      xml('body', {}, 'plain reply'), xml('reply', { xmlns: NS_REPLY, to: fx.jid('alice'), id: target })));
    const plain = await waitShown(alice, (x) => x.body === 'plain reply', 'plain reply shown');
    assert.equal(plain.quote, 'See you there');
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-reply-3' },
      xml('body', {}, '> x\nbad range'), xml('reply', { xmlns: NS_REPLY, id: target }),
      xml('fallback', { xmlns: NS_FALLBACK, for: NS_REPLY }, xml('body', { start: '0', end: '500' }))));
    const bad = await waitShown(alice, (x) => x.body.includes('bad range'), 'bad range shown');
    assert.equal(bad.inBody, 'x'); // the whole body, its "> x" line styled as a quote (XEP-0393)
    assert.equal(bad.body, 'xbad range');
    // A reply to a message Parley does not have: no quote, the fallback stays as the context.
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-reply-4' },
      xml('body', {}, '> something old\nunknown original'), xml('reply', { xmlns: NS_REPLY, id: 'never-seen' }),
      xml('fallback', { xmlns: NS_FALLBACK, for: NS_REPLY }, xml('body', { start: '0', end: '16' }))));
    const unknown = await waitShown(alice, (x) => x.body.includes('unknown original'), 'unknown original shown');
    assert.equal(unknown.inBody, 'something old');
    assert.equal(unknown.body, 'something oldunknown original');
    assert.equal(unknown.quote, null);
    assert.deepEqual(alice.errors, []);
  });
});

/** The stanza id of alice's stored message with this body. */
async function ownId(page: ClientPage, body: string): Promise<string> {
  return page.page.evaluate(async (text) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('parley');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = await new Promise<{ body: string; originId?: string }[]>((ok) => {
      const r = db.transaction('messages').objectStore('messages').getAll();
      r.onsuccess = () => ok(r.result);
    });
    db.close();
    return all.find((m) => m.body === text)!.originId!;
  }, body);
}
