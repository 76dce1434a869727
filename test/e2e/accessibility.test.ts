import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { xml } from '@xmpp/client';
import type { Page } from 'puppeteer-core';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const C = 'parley-client >>> ';
const NS_MUC = 'http://jabber.org/protocol/muc';
/** A contact whose name is longer than a phone is wide. */
const LONG = 'bartholomew-maximilian-wolfeschlegelsteinhausenberger';
const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now (shadow roots included), one line each: rule, then where. */
async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
  const found = (await page.evaluate('axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, help: v.help, where: v.nodes.map((n) => JSON.stringify(n.target)) })))')) as { id: string; help: string; where: string[] }[];
  return found.map((v) => `${v.id} (${v.help}): ${v.where.join(', ')}`);
}

/** The element with keyboard focus, through shadow roots: its tag, class and label. */
function focused(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    return [el.localName, el.className, el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40)].join('|');
  })()`) as Promise<string>;
}

/** Presses Tab until focus is on what `matches` accepts (at most `max` presses), as a keyboard user does. */
async function tabTo(page: Page, matches: (f: string) => boolean, what: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (matches(await focused(page))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${what} (focus on "${await focused(page)}")`);
}

describe('accessibility: axe finds nothing on any screen; everything works from the keyboard', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carol: Peer;
  let room: string;

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', LONG], { registration: true });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['alice', PASSWORD], [LONG, PASSWORD]);
    room = `garden@conference.${fx.server.host}`;
    profile = await launch();
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
  });

  after(async () => {
    await bob?.stop();
    await carol?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('the login screen', async () => {
    alice = await ClientPage.open(profile, fx.url);
    await alice.page.waitForSelector(`${C}parley-login >>> form`, { visible: true });
    assert.deepEqual(await violations(alice.page), []);
  });

  it("creating an account: the server's name, then the server's own form; back to the login", async () => {
    const register = `${C}parley-login >>> parley-register >>> `;
    await alice.click(`${C}parley-login >>> button.create`);
    await alice.page.waitForSelector(`${register}input[name="domain"]`, { visible: true });
    assert.deepEqual(await violations(alice.page), []);
    await alice.fill(`${register}input[name="domain"]`, fx.server.host);
    await alice.click(`${register}form.server button[type="submit"]`);
    await alice.page.waitForSelector(`${register}parley-form >>> input[name="username"]`, { visible: true });
    assert.deepEqual(await violations(alice.page), []);
    await alice.click(`${register}button.back`);
    await alice.page.waitForSelector(`${C}parley-login >>> input[name="jid"]`, { visible: true });
  });

  it('the roster and a conversation with messages from both sides, light and dark', async () => {
    await alice.login(fx.jid('alice'), PASSWORD);
    await alice.waitForStatus('Online');
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online' });
    await alice.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'Hello alice, *how* are you?');
    await alice.waitForMessages(1);
    await alice.type('Fine, thanks!');
    await bob.waitForBody('Fine, thanks!');
    await alice.waitForMessages(2);
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    assert.equal(await alice.page.$eval('parley-client', (el) => getComputedStyle(el).backgroundColor), 'rgb(17, 24, 39)', 'the dark theme is on');
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([]);
  });

  it('a room with occupants, its subject and messages', async () => {
    const result = await alice.api<{ status: string }>('createRoom', room, 'alice', { 'muc#roomconfig_roomname': ['Garden'], 'muc#roomconfig_whois': ['anyone'] });
    assert.equal(result.status, 'joined');
    await carol.xmpp.send(xml('presence', { to: `${room}/carol` }, xml('x', { xmlns: NS_MUC }, xml('history', { maxstanzas: '0' }))));
    await until(() => carol.received.find((el) => el.name === 'presence' && el.attrs.from === `${room}/carol`), { what: 'carol in the room' });
    await carol.xmpp.send(xml('message', { to: room, type: 'groupchat', id: crypto.randomUUID() }, xml('body', {}, 'The roses are out')));
    // Clicked once the list is still: a message arriving moves the room's row to the top.
    const row = `${C}parley-conversations >>> li[data-jid="${room}"]`;
    await until(async () => (await alice.page.$eval(`${row} .preview`, (el) => el.textContent).catch(() => '')) === 'The roses are out', { what: 'the room listed with its message' });
    await alice.click(`${row} button`);
    await until(async () => (await alice.messages()).includes('The roses are out'), { what: 'carol heard in the room' });
    await until(async () => (await alice.page.$$(`${C}parley-room >>> parley-occupants >>> li.occupant`)).length === 2, { what: 'two occupants listed' });
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([]);
    // The owner's settings: the room's own form in a dialog; Escape closes it.
    const settings = `${C}parley-room >>> parley-room-settings >>> `;
    await alice.click(`${settings}button.settings`);
    await alice.page.waitForSelector(`${settings}parley-form >>> input[name="muc#roomconfig_roomname"]`, { visible: true });
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.keyboard.press('Escape');
    await until(async () => (await alice.page.$(`${settings}parley-form`)) === null, { what: 'the settings closed' });
  });

  it('joining a room: the form and the rooms the server lists; Escape closes it', async () => {
    await alice.click(`${C}parley-join >>> button.open-join`);
    await until(async () => (await focused(alice.page)).startsWith('input|'), { what: 'focus in the room field' });
    await alice.click(`${C}parley-join >>> button.find`);
    const listed = () => alice.page.$eval(`${C}parley-join >>> ul`, () => 'listed').catch(() => '');
    const error = () => alice.page.$eval(`${C}parley-join >>> [role="alert"]`, (el) => el.textContent ?? '').catch(() => '');
    assert.equal(await until(async () => (await listed()) || (await error()), { what: 'the rooms listed', timeout: 15_000 }), 'listed');
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.keyboard.press('Escape');
    await until(async () => (await focused(alice.page)).startsWith('button|open-join|'), { what: 'focus back on "Join or create a room"' });
  });

  it('a form in a dialog: editing our own card', async () => {
    const dialog = `${C}parley-profile >>> parley-card >>> dialog`;
    await alice.click(`${C}parley-profile >>> button`);
    await until(() => alice.page.$eval(dialog, (d) => (d as HTMLDialogElement).open && !!d.querySelector('form input[name="fn"]')), { what: 'the card form' });
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.keyboard.press('Escape');
    await until(() => alice.page.$eval(dialog, (d) => !(d as HTMLDialogElement).open), { what: 'Escape closed the dialog' });
  });

  it('a phone-sized screen: the list alone, then the conversation alone, light and dark', async () => {
    await alice.page.setViewport({ width: 390, height: 844 });
    await alice.click(`${C}button.back`);
    await alice.page.waitForSelector(`${C}parley-roster >>> li[data-jid="${fx.jid('bob')}"]`, { visible: true });
    assert.equal(await alice.page.$(`${C}parley-composer`).then((el) => el!.isVisible()), false, 'no conversation beside the list');
    assert.deepEqual(await violations(alice.page), []);
    await alice.open(fx.jid('bob'));
    assert.equal(await alice.page.$(`${C}parley-roster`).then((el) => el!.isVisible()), false, 'the conversation alone');
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.emulateMediaFeatures([]);
    // A room: its messages, or its details (subject, nick, occupants) in their place.
    await alice.click(`${C}button.back`);
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    await alice.click(`${C}button.room-toggle`);
    await alice.page.waitForSelector(`${C}parley-room >>> parley-occupants >>> li.occupant`, { visible: true });
    assert.equal(await alice.page.$(`${C}parley-conversation`).then((el) => el!.isVisible()), false, 'the details instead of the messages');
    assert.deepEqual(await violations(alice.page), []);
    await alice.click(`${C}button.back`);
    await alice.open(fx.jid('bob'));
  });

  it("a phone's open conversation: one line above it, a long name cut short, the less used actions in a menu that works from the keyboard", async () => {
    await alice.page.setViewport({ width: 375, height: 812 });
    await alice.click(`${C}button.back`);
    await alice.open(fx.jid(LONG));
    const bar = await alice.page.evaluate(`(() => {
      const root = document.querySelector('parley-client').shadowRoot;
      const box = (el) => el.getBoundingClientRect();
      const name = root.querySelector('.chat-bar h2');
      return {
        above: box(root.querySelector('parley-conversation')).top,
        line: box(root.querySelector('.chat-bar button.back')).height,
        cut: name.scrollWidth > name.clientWidth,
        right: Math.max(...[...root.querySelectorAll('.chat-bar > *')].map((el) => box(el).right)),
        composer: box(root.querySelector('parley-composer')).bottom,
      };
    })()`) as { above: number; line: number; cut: boolean; right: number; composer: number };
    // One line: the conversation starts right under a bar as tall as its buttons (plus its padding).
    assert.ok(bar.above < bar.line + 16, `one line above the conversation (${bar.above} px, a line is ${bar.line} px)`);
    assert.ok(bar.cut, 'the long name is cut short');
    assert.ok(bar.right <= 375, `nothing off screen (the bar ends at ${bar.right} px)`);
    assert.ok(Math.abs(bar.composer - 812) < 2, `the message field at the bottom of the screen (${bar.composer} px)`);
    await until(async () => (await alice.page.$(`${C}parley-menu >>> [role="menuitem"].block`)) !== null, { what: 'Block in the menu (the server offers it)' });

    // The menu button, from the keyboard: Enter opens it on its first item, arrows move, Escape closes it.
    const more = (f: string) => f.startsWith('button|more|More actions for');
    await tabTo(alice.page, more, 'the more button');
    assert.equal(await alice.page.$eval(`${C}parley-menu >>> button.more`, (b) => b.getAttribute('aria-haspopup')), 'menu');
    await alice.page.keyboard.press('Enter');
    await until(async () => (await focused(alice.page)) === 'button|card|Contact card', { what: 'focus on the first item' });
    assert.equal(await alice.page.$eval(`${C}parley-menu >>> button.more`, (b) => b.getAttribute('aria-expanded')), 'true');
    assert.deepEqual(await violations(alice.page), []);
    await alice.page.keyboard.press('ArrowDown');
    assert.equal(await focused(alice.page), 'button|block|Block');
    await alice.page.keyboard.press('Escape');
    await until(async () => more(await focused(alice.page)), { what: 'focus back on the more button' });
    assert.equal(await alice.page.$eval(`${C}parley-menu >>> button.more`, (b) => b.getAttribute('aria-expanded')), 'false');
    assert.equal(await alice.page.$eval(`${C}parley-menu >>> [role="menu"]`, (m) => (m as HTMLElement).hidden), true);

    // The card, chosen from the menu, comes back to the menu button when it closes.
    await alice.page.keyboard.press('Enter');
    await until(async () => (await focused(alice.page)) === 'button|card|Contact card', { what: 'focus on Contact card' });
    await alice.page.keyboard.press('Enter');
    const dialog = `${C}parley-card.contact-card >>> dialog`;
    await until(() => alice.page.$eval(dialog, (d, who) => (d as HTMLDialogElement).open && d.textContent!.includes(`Card of ${who}`), LONG), { what: 'the card open' });
    await alice.page.keyboard.press('Escape');
    await until(async () => more(await focused(alice.page)), { what: 'focus back on the more button after the card' });

    // Block, then Unblock, from the menu by keyboard.
    const blockedShown = () => alice.page.$$eval(`${C}parley-roster >>> li.blocked`, (rows) => rows.map((r) => r.getAttribute('data-jid')));
    await alice.page.keyboard.press('ArrowDown');
    await until(async () => (await focused(alice.page)) === 'button|card|Contact card', { what: 'ArrowDown opens the menu' });
    await alice.page.keyboard.press('ArrowDown');
    await alice.page.keyboard.press('Enter');
    await until(async () => (await blockedShown()).includes(fx.jid(LONG)), { what: 'blocked from the menu' });
    await alice.page.keyboard.press('ArrowUp');
    await until(async () => (await focused(alice.page)) === 'button|mute|Mute conversation', { what: 'ArrowUp opens the menu on its last item' });
    await alice.page.keyboard.press('ArrowUp');
    assert.equal(await focused(alice.page), 'button|block|Unblock');
    await alice.page.keyboard.press('Enter');
    await until(async () => !(await blockedShown()).includes(fx.jid(LONG)), { what: 'unblocked from the menu' });
    assert.deepEqual(alice.errors, []);
    await alice.click(`${C}button.back`);
    await alice.open(fx.jid('bob'));
  });

  it('from the keyboard alone: open a conversation, send a message, go back to the list on the same row', async () => {
    await alice.page.setViewport({ width: 390, height: 844 });
    await alice.page.reload();
    await alice.waitForStatus('Online');
    const back = (f: string) => f.startsWith('button|back|');
    await tabTo(alice.page, back, 'the Back button');
    await alice.page.keyboard.press('Enter');
    // bob's row in the conversation list, where the conversation was chosen from.
    await until(async () => /^button\|.*bob/.test(await focused(alice.page)), { what: "focus on bob's row after Back" });
    await alice.page.keyboard.press('Enter');
    await until(async () => (await focused(alice.page)).startsWith('textarea|'), { what: 'focus in the message field after opening' });
    await alice.page.keyboard.type('Typed without a mouse');
    await alice.page.keyboard.press('Enter');
    await bob.waitForBody('Typed without a mouse');
    assert.equal((await alice.messages()).at(-1), 'Typed without a mouse');
    assert.deepEqual(alice.errors, []);
  });
});
