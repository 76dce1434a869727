/**
 * `npm run screenshots`: starts the demo (scripts/lib/demo.ts, loopback only), logs alice in in headless
 * Chromium, has bob chat with her and join the demo's room, and writes what she sees to docs/screenshots/:
 * desktop (1280×800) and phone (390×844), light and dark. Gives up after two minutes.
 */
import { mkdir } from 'node:fs/promises';
import { xml } from '@xmpp/client';
import type { Page } from 'puppeteer-core';
import { ClientPage, launch, type Profile } from '../test/harness/browser.js';
import { befriend, connectPeer, type Peer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';
import { build, startDemo, ROOM, type Demo } from './lib/demo.js';

const OUT = 'docs/screenshots';
const C = 'parley-client >>> ';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const CHAT: [who: 'bob' | 'alice', text: string][] = [
  ['bob', 'Hi alice! Are we still on for tea at four?'],
  ['alice', 'Yes! I will bring the scones.'],
  ['bob', 'Perfect. carol is coming too.'],
  ['bob', 'She says *hello* and asks if the garden is open.'],
  ['alice', 'It is: see you in the lobby 🌿'],
];

const timer = setTimeout(() => {
  console.error('screenshots: gave up after 2 minutes');
  process.exit(1);
}, 120_000);

build();
let demo: Demo | undefined;
let profile: Profile | undefined;
let bob: Peer | undefined;
try {
  demo = await startDemo();
  const server = demo.prosody!;
  const [alice, bobAccount] = demo.accounts;
  const jid = (user: string) => `${user}@${server.host}`;
  const room = `${ROOM}@conference.${server.host}`;
  await befriend(server, [alice!.user, alice!.password], [bobAccount!.user, bobAccount!.password]);
  bob = await connectPeer(server, bobAccount!.user, bobAccount!.password);
  await bob.xmpp.send(xml('presence', { to: `${room}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));

  profile = await launch();
  const page = await ClientPage.open(profile, demo.page.url);
  await page.page.setViewport(DESKTOP);
  await page.login(jid('alice'), alice!.password);
  await page.waitForStatus('Online');
  await page.api('joinRoom', room, 'alice');
  await until(async () => (await page.contacts())[jid('bob')]?.startsWith('online'), { what: 'bob online' });
  await page.open(jid('bob'));
  for (const [i, [who, text]] of CHAT.entries()) {
    if (who === 'bob') await bob.say(jid('alice'), text);
    else await page.type(text);
    await page.waitForMessages(i + 1);
  }
  await until(async () => (await page.page.$(`${C}parley-conversation >>> li.message[data-state="pending"]`)) === null, { what: 'every message sent' });
  await mkdir(OUT, { recursive: true });
  const shoot = async (name: string) => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await settle(page.page);
      await page.page.screenshot({ path: `${OUT}/${name}-${scheme}.png` });
      console.log(`${OUT}/${name}-${scheme}.png`);
    }
  };
  await shoot('desktop-chat');
  await page.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
  await until(async () => (await page.messages()).length >= 3, { what: 'the room history' });
  await until(async () => (await page.page.$$(`${C}parley-room >>> parley-occupants >>> li.occupant`)).length >= 2, { what: 'the occupants' });
  await shoot('desktop-room');
  await page.page.setViewport(PHONE);
  await page.click(`${C}button.back`);
  await shoot('phone-list');
  await page.open(jid('bob'));
  await shoot('phone-chat');
  if (page.errors.length) throw new Error(`page errors: ${page.errors.join('; ')}`);
} finally {
  clearTimeout(timer);
  await bob?.stop();
  await profile?.close();
  await demo?.stop();
}

/** Two animation frames: the theme and layout have been painted. */
function settle(page: Page): Promise<unknown> {
  return page.evaluate('new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)))');
}
