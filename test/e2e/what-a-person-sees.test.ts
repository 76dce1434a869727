import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';
import { MAX_EDITS } from '../../src/shared/limits.js';

const NS_MARKERS = 'urn:xmpp:chat-markers:0';
const NS_RECEIPTS = 'urn:xmpp:receipts';
const NS_REPLY = 'urn:xmpp:reply:0';
const NS_FALLBACK = 'urn:xmpp:fallback:0';
const NS_CORRECT = 'urn:xmpp:message-correct:0';
const C = 'parley-client >>> parley-conversation >>> ';
const LIST = 'parley-client >>> parley-conversations >>> ';

/** Bodies of the messages a person can see in the open conversation (inside its scrolled area). */
function onScreen(page: ClientPage): Promise<string[]> {
  return page.page.$eval('parley-client >>> parley-conversation', (host) => {
    const box = host.getBoundingClientRect();
    const bottom = box.top + host.clientHeight;
    return [...host.shadowRoot!.querySelectorAll('li.message')]
      .filter((li) => {
        const r = li.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= bottom + 1 && r.height > 0;
      })
      .map((li) => li.querySelector('.body')?.textContent ?? '');
  });
}

/** The displayed markers (XEP-0333) `peer` got, in order of arrival: the ids they name. */
const displayedAt = (peer: Peer): string[] =>
  peer.received.flatMap((el) => {
    const id = el.name === 'message' ? el.getChild('displayed', NS_MARKERS)?.attrs.id : undefined;
    return id ? [id] : [];
  });

/** A markable chat message with our own id, as clients supporting XEP-0333 send. */
const markable = (to: string, id: string, body: string): Element =>
  xml('message', { to, type: 'chat', id }, xml('body', {}, body), xml('markable', { xmlns: NS_MARKERS }));

/** The conversation list as shown: jid → [preview, unread badge]. */
const listed = (page: ClientPage): Promise<Record<string, [string, string]>> =>
  page.page.$$eval(`${LIST}li.conversation`, (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-jid'), [r.querySelector('.preview')?.textContent?.trim() ?? '', r.querySelector('.badge')?.textContent?.trim() ?? '']])),
  );

/** The jump-to-newest control as a screen reader announces it ('' when there is none). */
const jumpLabel = (page: ClientPage): Promise<string> =>
  page.page.$eval(`${C}button.jump`, (b) => b.getAttribute('aria-label') ?? '').catch(() => '');

/** Scrolls the conversation as a wheel does (the element hears a scroll event). */
const scrollTo = (page: ClientPage, top: number | 'middle') =>
  page.page.$eval('parley-client >>> parley-conversation', (el, t) => {
    el.scrollTop = t === 'middle' ? (el.scrollHeight - el.clientHeight) / 2 : t;
  }, top);

/** Scrolls until the bottom of the message with `body` is the bottom of the visible area. */
const scrollToBottomOf = (page: ClientPage, body: string) =>
  page.page.$eval('parley-client >>> parley-conversation', (el, b) => {
    const li = [...el.shadowRoot!.querySelectorAll('li.message')].find((x) => x.querySelector('.body')?.textContent === b)!;
    el.scrollTop += li.getBoundingClientRect().bottom - (el.getBoundingClientRect().top + el.clientHeight) + 1;
  }, body);

describe('what a person sees: read state, scrolling, previews, hostile text', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carol: Peer;
  let dave: Peer;
  let aliceWeb: string;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', 'dave']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['alice', PASSWORD], ['carol', PASSWORD]);
    await befriend(fx.server, ['alice', PASSWORD], ['dave', PASSWORD]);
    [bob, carol, dave] = await Promise.all([
      connectPeer(fx.server, 'bob', PASSWORD, { resource: 'laptop' }),
      connectPeer(fx.server, 'carol', PASSWORD, { resource: 'tablet' }),
      connectPeer(fx.server, 'dave', PASSWORD, { resource: 'hostile' }),
    ]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    aliceWeb = await until(
      () => bob.received.find((el) => el.name === 'presence' && !el.attrs.type && el.attrs.from?.startsWith(`${fx.jid('alice')}/parley-`))?.attrs.from,
      { what: "bob sees alice's Parley resource" },
    );
    await alice.open(fx.jid('bob'));
  });

  after(async () => {
    await Promise.all([bob?.stop(), carol?.stop(), dave?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it('"seen" stays seen when the receipt comes after the displayed marker', async () => {
    await alice.type('did you read this?');
    const got = await bob.waitForBody('did you read this?');
    const id = got.attrs.id!;
    // Bob's client tells what it displayed first, then confirms delivery (either order is allowed).
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: crypto.randomUUID() }, xml('displayed', { xmlns: NS_MARKERS, id })));
    await bob.xmpp.send(xml('message', { to: aliceWeb, id: crypto.randomUUID() }, xml('received', { xmlns: NS_RECEIPTS, id })));
    // Stanzas from one sender are handled in order: once this shows, both were.
    await bob.say(aliceWeb, 'after marker and receipt');
    await until(async () => (await alice.messages()).includes('after marker and receipt'), { what: 'ping shown' });
    const state = await alice.page.$$eval(`${C}li.message`, (els) =>
      els.filter((e) => e.querySelector('.body')?.textContent === 'did you read this?').map((e) => e.querySelector('.state')?.textContent ?? ''),
    );
    assert.deepEqual(state, ['seen']);
  });

  it('scrolled up, new messages are not displayed nor read until they are on screen; a marker and a jump control show them', async () => {
    for (let i = 1; i <= 40; i++) await bob.xmpp.send(markable(aliceWeb, `a-${i}`, `a ${i}`));
    // At the bottom of a visible, focused page: everything is seen.
    await until(() => displayedAt(bob).includes('a-40'), { what: 'a-40 displayed' });
    await until(async () => (await listed(alice))[fx.jid('bob')]?.[1] === '', { what: 'bob read' });
    // Alice scrolls up to read older messages.
    await scrollTo(alice, 'middle');
    const shownUp = await onScreen(alice);
    assert.ok(!shownUp.includes('a 40'), shownUp.join(', '));
    for (let i = 1; i <= 3; i++) await bob.xmpp.send(markable(aliceWeb, `n-${i}`, `new ${i}`));
    await until(async () => (await alice.messages()).includes('new 3'), { what: 'new messages in the log' });
    assert.match(await until(() => jumpLabel(alice), { what: 'jump control' }), /^3 new messages/);
    assert.equal((await listed(alice))[fx.jid('bob')]?.[1], '3');
    // A "New messages" marker shows where they start.
    const markers = await alice.page.$$eval(`${C}.new-marker`, (els) => els.map((e) => [e.textContent?.trim(), e.closest('li')?.querySelector('.body')?.textContent]));
    assert.deepEqual(markers, [['New messages', 'new 1']]);
    // She scrolls down until "new 1" (only) is on screen: that one is seen, and no more.
    await scrollToBottomOf(alice, 'new 1');
    const seenNow = await onScreen(alice);
    assert.ok(seenNow.includes('new 1') && !seenNow.includes('new 2'), seenNow.join(', '));
    // The first marker bob gets for any of the three names "new 1": nothing was displayed before it was seen.
    const first = await until(() => displayedAt(bob).find((id) => id.startsWith('n-')), { what: 'a displayed marker for a new message' });
    assert.equal(first, 'n-1');
    await until(async () => (await listed(alice))[fx.jid('bob')]?.[1] === '2', { what: 'two unread left' });
    assert.match(await until(async () => ((await jumpLabel(alice)).startsWith('2') ? jumpLabel(alice) : ''), { what: 'jump says 2' }), /^2 new messages/);
    // The jump control brings her to the newest: all seen, the control goes away.
    await alice.click(`${C}button.jump`);
    await until(() => displayedAt(bob).includes('n-3'), { what: 'n-3 displayed' });
    await until(async () => (await listed(alice))[fx.jid('bob')]?.[1] === '', { what: 'all read' });
    assert.ok((await onScreen(alice)).includes('new 3'));
    await until(async () => (await jumpLabel(alice)) === '', { what: 'jump control gone' });
    assert.deepEqual(displayedAt(bob).filter((id) => id.startsWith('n-')), ['n-1', 'n-3']);
  });

  it('sending while scrolled up (a reply to an older message) scrolls to the message sent', async () => {
    await scrollTo(alice, 60);
    const n = (await alice.messages()).indexOf('a 5') + 1;
    assert.ok(n > 0);
    await alice.click(`${C}li.message:nth-of-type(${n}) button[aria-label="Reply to this message"]`);
    assert.ok(!(await onScreen(alice)).some((b) => b.startsWith('new ')));
    await alice.type('answering an old one');
    await until(async () => (await onScreen(alice)).includes('answering an old one'), { what: 'own reply on screen' });
  });

  it('a reply shows in the conversation list without its fallback quote', async () => {
    const quote = '> a 7\n';
    await bob.xmpp.send(xml('message', { to: aliceWeb, type: 'chat', id: 'bob-reply' },
      xml('body', {}, `${quote}yes, that one`),
      xml('reply', { xmlns: NS_REPLY, to: `${fx.jid('bob')}/laptop`, id: 'a-7' }),
      xml('fallback', { xmlns: NS_FALLBACK, for: NS_REPLY }, xml('body', { start: '0', end: String([...quote].length) }))));
    await until(async () => (await alice.messages()).includes('yes, that one'), { what: 'reply shown' });
    assert.equal((await listed(alice))[fx.jid('bob')]?.[0], 'yes, that one');
  });

  it("a right-to-left override in a body does not reverse Parley's own timestamp and state beside it", async () => {
    await alice.open(fx.jid('carol'));
    await alice.type('hello carol');
    await carol.waitForBody('hello carol');
    await carol.say(fx.jid('alice'), '\u202Eevil override');
    await until(async () => (await alice.messages()).includes('\u202Eevil override'), { what: 'override shown' });
    /** For the last message with `body`: per piece of Parley's own text, whether its characters run left to right and sit right of the body. */
    const layout = (body: string) =>
      alice.page.$$eval(`${C}li.message`, (els, b) => {
        const li = els.filter((e) => e.querySelector('.body')?.textContent === b).at(-1)!;
        const bodyBox = li.querySelector('.body')!.getBoundingClientRect();
        return [...li.querySelectorAll('.meta:not(.edited)')].map((meta) => {
          const walk = document.createTreeWalker(meta, NodeFilter.SHOW_TEXT);
          let text = walk.nextNode() as Text;
          while (!text.data.trim()) text = walk.nextNode() as Text;
          // (No named functions in here: the page lacks the helper tsx gives them.)
          const lefts: number[] = [];
          for (const i of [0, text.data.length - 1]) {
            const r = document.createRange();
            r.setStart(text, i);
            r.setEnd(text, i + 1);
            lefts.push(r.getBoundingClientRect().left);
          }
          return { text: text.data, inOrder: lefts[0]! < lefts[1]!, afterBody: meta.getBoundingClientRect().left >= bodyBox.right - 1 };
        });
      }, body);
    const evil = await layout('\u202Eevil override');
    assert.equal(evil.length, 1); // the time (incoming: no state)
    assert.deepEqual(evil.map((m) => [m.inOrder, m.afterBody]), [[true, true]], JSON.stringify(evil));
    // The same in one's own message, whose time and delivery state follow it.
    await alice.type('\u202Emine too');
    await until(async () => (await alice.messages()).includes('\u202Emine too'), { what: 'own override shown' });
    const own = await layout('\u202Emine too');
    assert.equal(own.length, 2, JSON.stringify(own));
    assert.ok(own.every((m) => m.inOrder && m.afterBody), JSON.stringify(own));
  });

  it('five 64K messages of "*a* *a* …" open with a bounded number of elements; long bodies wait behind "Show more"', async () => {
    const body = '*a* '.repeat(16384);
    for (let i = 0; i < 5; i++) await dave.say(fx.jid('alice'), body);
    await dave.say(fx.jid('alice'), 'that was all');
    await until(async () => (await listed(alice))[fx.jid('dave')]?.[0] === 'that was all', { what: "dave's messages stored" });
    const started = Date.now();
    await alice.open(fx.jid('dave'));
    await until(async () => (await alice.messages()).includes('that was all'), { what: "dave's messages shown" });
    console.log(`[figure] opening five 64K styled messages: ${Date.now() - started} ms to shown`);
    const elements = () => alice.page.$eval('parley-client >>> parley-conversation', (el) => el.shadowRoot!.querySelectorAll('*').length);
    const count = await elements();
    console.log(`[figure] elements in the conversation: ${count}`);
    assert.ok(count < 5000, `${count} elements`);
    // Each long body is cut short, with a control that says so; pressing it shows the whole text.
    const more = await alice.page.$$(`${C}button.more`);
    assert.equal(more.length, 5);
    assert.equal(await more[0]!.evaluate((b) => b.getAttribute('aria-expanded')), 'false');
    // From the keyboard: a pointer click on the first of five 64K bodies is aimed after scrolling to it,
    // and on a loaded machine it missed now and then (CI); focus and Enter reach the button itself.
    await alice.page.bringToFront();
    await alice.page.$eval(`${C}button.more`, (b) => (b as HTMLElement).focus());
    await alice.page.keyboard.press('Enter');
    const whole = await until(async () => (await alice.messages()).find((b) => b.length === body.length), { what: 'whole text shown' });
    assert.equal(whole, body);
    const after = await elements();
    console.log(`[figure] elements with one expanded: ${after}`);
    assert.ok(after < count + 1000, `${after} elements`);
  });

  it('20 corrections of 30K characters each: the page shows the latest few earlier texts, cut short', async () => {
    await dave.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id: 'to-edit' }, xml('body', {}, 'first version')));
    for (let i = 1; i <= 20; i++) {
      await dave.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id: crypto.randomUUID() },
        xml('body', {}, `${i} `.padEnd(30_000, 'x')), xml('replace', { xmlns: NS_CORRECT, id: 'to-edit' })));
    }
    await dave.say(fx.jid('alice'), 'done editing');
    await until(async () => (await alice.messages()).includes('done editing'), { what: 'ping after the edits' });
    // A new message shows from the change that announced it, an edit after the read that follows it.
    await until(async () => (await alice.messages()).some((m) => m.startsWith('20 ')), { what: 'the last correction shown' });
    const shown = await alice.page.$$eval(`${C}li.message`, (els) => {
      const li = els.find((e) => e.querySelector('.body')?.textContent?.startsWith('20 '))!;
      return { chars: li.textContent!.length, previous: [...li.querySelectorAll('.previous')].map((p) => p.textContent!.split(' ')[0]), note: li.querySelector('.edited .hidden-edits')?.textContent?.trim() };
    });
    // On screen: the current text (cut short) and only the newest earlier texts, each cut short too.
    assert.ok(shown.chars < 25_000, `${shown.chars} characters on screen`);
    assert.deepEqual(shown.previous, ['15', '16', '17', '18', '19']);
    // Storage keeps the original and the latest earlier texts (MAX_EDITS); the page shows 5 of them.
    assert.equal(shown.note, `${MAX_EDITS - 5} earlier versions not shown`);
  });

  // Caught by the bench's long run: lit-html 3.3.3 left one comment node in the list per row it
  // dropped (lit/lit#5298), and the conversation slowed from 300 to 150 msg/s over 35,000 messages.
  it('an open conversation that keeps receiving holds its shown rows and nothing more', async () => {
    await alice.open(fx.jid('carol'));
    const nodes = () => alice.page.$eval('parley-client >>> parley-conversation', (el) => {
      const ol = el.shadowRoot!.querySelector('.log ol')!;
      return { rows: ol.querySelectorAll(':scope > li').length, children: ol.childNodes.length };
    });
    for (let i = 1; i <= 300; i++) await carol.say(fx.jid('alice'), `flow ${i}`);
    await until(async () => (await alice.messages()).includes('flow 300'), { what: 'the last shown' });
    const after = await nodes();
    // Each row is an <li> between the two markers Lit keeps for it, beside a few of the list's own;
    // with the leak, 200 more after 300 messages.
    assert.ok(after.rows >= 100, `${after.rows} rows shown`);
    assert.ok(after.children <= after.rows * 3 + 10, `${after.children} nodes in the list for ${after.rows} rows`);
  });
});
