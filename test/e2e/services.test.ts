import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import xml from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { buildCaps, buildDiscoInfo, NS_CAPS, NS_DISCO_INFO } from '../../src/worker/caps.js';
import { advertise, befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';
import { serve, type Served } from '../../scripts/lib/serve.js';

const C = 'parley-client >>> ';

describe('services: entity time, software version, idle, blocking', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;
  let carol: Peer | undefined;
  let aliceNode: Peer | undefined;
  let erin: Peer | undefined;

  /** Alice's full JID, as her presence reached bob. */
  const aliceFull = () => bob.received.find((el) => el.name === 'presence' && el.attrs.from?.startsWith(`${fx.jid('alice')}/`))?.attrs.from as string | undefined;
  const presencesOfAlice = () => bob.received.filter((el) => el.name === 'presence' && el.attrs.from?.startsWith(`${fx.jid('alice')}/`));
  /** What the page shows for a time, in its own locale. */
  const shown = (ts: number) => alice.page.evaluate((t) => new Date(t).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }), ts);

  before(async () => {
    // Prosody takes spam reports (XEP-0377) with the community module; ejabberd offers none.
    // Alice's page goes through a proxy, so a test can take her connection down.
    fx = await setup(['alice', 'bob', 'carol', 'dave', 'erin'], { prosody: { modules: ['spam_reporting'] }, proxy: true });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    // Bob's clock is five and a half hours east of UTC.
    bob.xmpp.iqCallee.get('urn:xmpp:time', 'time', () =>
      xml('time', { xmlns: 'urn:xmpp:time' }, xml('tzo', {}, '+05:30'), xml('utc', {}, `${new Date().toISOString().slice(0, 19)}Z`)),
    );
    // And his client says so (XEP-0115): Parley asks only a resource that does.
    await advertise(bob, ['urn:xmpp:time']);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await Promise.all([bob?.stop(), carol?.stop(), aliceNode?.stop(), erin?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it("answers a peer's entity time (XEP-0202) and software version (XEP-0092), and advertises both", async () => {
    const to = await until(aliceFull, { what: "alice's presence at bob" });
    const before = Date.now();
    const time = (await bob.xmpp.iqCaller.get(xml('time', { xmlns: 'urn:xmpp:time' }), to))!;
    const utc = Date.parse(time.getChildText('utc')!);
    assert.ok(utc >= before - 1000 && utc <= Date.now() + 1000, `utc ${time.getChildText('utc')} is now`);
    assert.match(time.getChildText('tzo')!, /^[+-]\d{2}:\d{2}$/);
    const version = (await bob.xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:version' }), to))!;
    assert.equal(version.getChildText('name'), 'Parley');
    assert.match(version.getChildText('version') ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(version.getChild('os'), undefined);
    const info = (await bob.xmpp.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), to))!;
    const features = info.getChildren('feature').map((f) => f.attrs.var);
    for (const ns of ['urn:xmpp:time', 'jabber:iq:version', 'urn:xmpp:idle:1']) assert.ok(features.includes(ns), `${ns} advertised`);
  });

  it("shows a contact's local time on the chosen contact", async () => {
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online' });
    await alice.open(fx.jid('bob'));
    const line = await until(() => alice.page.$eval(`${C}parley-roster >>> li.detail`, (el) => el.textContent!.trim()).catch(() => ''), {
      what: "bob's local time shown",
    });
    const wall = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(11, 16);
    const now = Date.now();
    assert.ok([wall(now), wall(now - 60_000)].map((w) => `Local time ${w} (UTC+05:30)`).includes(line), line);
    // And on his card.
    await alice.click(`${C}parley-roster >>> button[aria-label="Card of ${fx.jid('bob')}"]`);
    const onCard = await until(() => alice.page.$eval(`${C}parley-roster >>> parley-card >>> dd.time`, (el) => el.textContent!.trim()).catch(() => ''), {
      what: "bob's local time on his card",
    });
    assert.ok([wall(now), wall(now - 60_000), wall(Date.now())].map((w) => `${w} (UTC+05:30)`).includes(onCard), onCard);
    await alice.page.keyboard.press('Escape');
  });

  it("asks a contact's clock only of a resource whose verified capabilities say it answers (XEP-0115)", async () => {
    await befriend(fx.server, ['alice', PASSWORD], ['erin', PASSWORD]);
    erin = await connectPeer(fx.server, 'erin', PASSWORD);
    let asked = 0;
    erin.xmpp.iqCallee.get('urn:xmpp:time', 'time', () => {
      asked++;
      return xml('time', { xmlns: 'urn:xmpp:time' }, xml('tzo', {}, '-03:00'), xml('utc', {}, `${new Date().toISOString().slice(0, 19)}Z`));
    });
    await until(async () => (await alice.contacts())[fx.jid('erin')] === 'online', { what: 'erin online' });
    const time = () => alice.api<{ offset: number } | null>('contactTime', fx.jid('erin'));
    // Her client says nothing of what it supports: not asked.
    assert.equal(await time(), null);
    // It claims a ver its disco#info answer does not hash to, listing entity time there: believed neither.
    let discoAsked = 0;
    const info = { identities: [{ category: 'client', type: 'pc' }], features: [NS_DISCO_INFO, NS_CAPS, 'urn:xmpp:time'] };
    const forged = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    erin.xmpp.iqCallee.get(NS_DISCO_INFO, 'query', () => {
      discoAsked++;
      return buildDiscoInfo(info, `https://peer.invalid#${forged}`);
    });
    await erin.xmpp.send(xml('presence', {}, buildCaps(forged, 'https://peer.invalid')));
    await until(() => discoAsked > 0, { what: 'alice asks what the forged ver stands for' });
    assert.equal(await time(), null);
    assert.equal(asked, 0);
    // Its true ver: asked, once the answer is verified.
    await advertise(erin, ['urn:xmpp:time']);
    const answer = await until(time, { what: "erin's clock" });
    assert.equal(answer.offset, -180);
    assert.ok(asked >= 1);
  });

  it('says in our presence since when the user is away from every page (XEP-0319)', async () => {
    const hiddenAt = Date.now();
    const other = await profile.browser.newPage();
    await other.bringToFront();
    await until(() => alice.page.evaluate(() => document.visibilityState === 'hidden'), { what: "alice's page hidden" });
    const idle = await until(() => presencesOfAlice().at(-1)?.getChild('idle', 'urn:xmpp:idle:1'), { what: 'idle presence at bob' });
    assert.ok(Date.parse(String(idle.attrs.since)) >= hiddenAt - 1000, `since ${idle.attrs.since}`);
    assert.ok(presencesOfAlice().at(-1)?.getChild('c', 'http://jabber.org/protocol/caps'), 'caps still sent');
    await alice.page.bringToFront();
    await until(() => presencesOfAlice().at(-1)?.getChild('idle', 'urn:xmpp:idle:1') === undefined, { what: 'active again' });
    await other.close();
  });

  it("shows a contact's idle time, and when they were last seen", async () => {
    const idleSince = Date.parse('2026-01-02T03:04:00Z');
    await bob.xmpp.send(xml('presence', {}, xml('show', {}, 'away'), xml('idle', { xmlns: 'urn:xmpp:idle:1', since: '2026-01-02T03:04:00Z' })));
    const idleText = `away · idle since ${await shown(idleSince)}`;
    await until(async () => (await alice.contacts())[fx.jid('bob')] === idleText, { what: 'bob idle shown' });
    const lastSeen = Date.parse('2026-01-03T04:05:00Z');
    await bob.xmpp.send(xml('presence', { type: 'unavailable' }, xml('idle', { xmlns: 'urn:xmpp:idle:1', since: '2026-01-03T04:05:00Z' })));
    const seenText = `offline · last seen ${await shown(lastSeen)}`;
    await until(async () => (await alice.contacts())[fx.jid('bob')] === seenText, { what: 'bob last seen shown' });
    // Kept across a reload: it is stored, not held in the page.
    await alice.page.reload();
    await until(async () => (await alice.contacts().catch(() => ({}) as Record<string, string>))[fx.jid('bob')] === seenText, { what: 'last seen after reload' });
    assert.deepEqual(alice.errors, []);
  });

  const blockedShown = () => alice.page.$$eval(`${C}parley-roster >>> li.blocked`, (rows) => rows.map((r) => r.getAttribute('data-jid')));
  const serverBlocklist = async (peer: Peer) =>
    (await peer.xmpp.iqCaller.get(xml('blocklist', { xmlns: 'urn:xmpp:blocking' })))!.getChildren('item').map((i) => String(i.attrs.jid));

  it("blocking stops a contact's messages, and unblocking lets new ones in (XEP-0191)", async () => {
    // Bob came back online (the previous test took him offline).
    await bob.stop();
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online' });
    await alice.click(`${C}parley-roster >>> li[data-jid="${fx.jid('bob')}"] button.block`);
    await until(async () => (await blockedShown()).includes(fx.jid('bob')), { what: 'bob in the blocklist view' });
    await bob.say(fx.jid('alice'), 'while blocked');
    // A round trip after it (the server answers or refuses bob's ping in order): the message was dealt with.
    await bob.xmpp.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), fx.jid('alice')).catch(() => undefined);
    await alice.click(`${C}parley-roster >>> li.blocked[data-jid="${fx.jid('bob')}"] button`);
    await until(async () => !(await blockedShown()).includes(fx.jid('bob')), { what: 'bob unblocked' });
    await bob.say(fx.jid('alice'), 'after unblock');
    await until(async () => (await alice.stored(fx.jid('bob'))).some((m) => m.body === 'after unblock'), { what: 'new message stored' });
    assert.ok(!(await alice.stored(fx.jid('bob'))).some((m) => m.body === 'while blocked'), 'the blocked message never stored');
    // From the open conversation's header too, and back.
    await alice.open(fx.jid('bob'));
    await alice.click(`${C}header button.block[aria-pressed="false"]`);
    await until(async () => (await blockedShown()).includes(fx.jid('bob')), { what: 'bob blocked from the header' });
    await alice.click(`${C}header button.block[aria-pressed="true"]`);
    await until(async () => !(await blockedShown()).includes(fx.jid('bob')), { what: 'bob unblocked from the header' });
  });

  it('a Block that fails (the connection is down) is told beside the conversation, and cleared by the next try', async () => {
    const error = `${C}.block-error`;
    await alice.page.waitForSelector(`${C}header button.block[aria-pressed="false"]`, { visible: true });
    await fx.proxy!.close();
    try {
      await alice.waitForStatus('Offline');
      await alice.click(`${C}header button.block`);
      const shown = await until(() => alice.page.$eval(error, (el) => el.textContent ?? '').catch(() => ''), { what: 'the error shown' });
      assert.match(shown, /^Blocking failed: You are offline/);
      assert.equal(await alice.page.$eval(error, (el) => el.getAttribute('role')), 'alert');
      assert.ok(await alice.page.$(error).then((el) => el!.isVisible()), 'where the user sees it');
    } finally {
      await fx.proxy!.open();
    }
    await alice.waitForStatus('Online', 30_000);
    await alice.click(`${C}header button.block`);
    await until(async () => (await blockedShown()).includes(fx.jid('bob')), { what: 'blocked on the next try' });
    assert.equal(await alice.page.$eval(error, (el) => el.textContent), '', 'the error gone');
    await alice.click(`${C}header button.block[aria-pressed="true"]`);
    await until(async () => !(await blockedShown()).includes(fx.jid('bob')), { what: 'bob unblocked again' });
  });

  it("blocks a stranger's subscription request, reporting it where the server takes reports (XEP-0377)", async () => {
    carol = await connectPeer(fx.server, 'carol', PASSWORD, { autoApprove: false });
    await carol.xmpp.send(xml('presence', { to: fx.jid('alice'), type: 'subscribe' }));
    await until(async () => (await alice.requests()).includes(fx.jid('carol')), { what: 'request shown' });
    const button = SERVER === 'ejabberd' ? 'button.block' : 'button.report';
    if (SERVER === 'ejabberd') assert.equal(await alice.page.$(`${C}parley-roster >>> li.request button.report`), null, 'no report button without XEP-0377');
    await alice.click(`${C}parley-roster >>> li.request ${button}`);
    await until(async () => (await alice.requests()).length === 0, { what: 'request gone' });
    await until(async () => (await blockedShown()).includes(fx.jid('carol')), { what: 'carol blocked' });
    aliceNode = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'laptop' });
    assert.ok((await serverBlocklist(aliceNode)).includes(fx.jid('carol')), "on the server's blocklist");
  });

  it("applies blocklist pushes from our own account's other devices", async () => {
    await aliceNode!.xmpp.iqCaller.set(xml('block', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid: fx.jid('dave') })));
    await until(async () => (await blockedShown()).includes(fx.jid('dave')), { what: 'dave blocked from the laptop' });
    await aliceNode!.xmpp.iqCaller.set(xml('unblock', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid: fx.jid('dave') })));
    await until(async () => !(await blockedShown()).includes(fx.jid('dave')), { what: 'dave unblocked from the laptop' });
    assert.deepEqual(alice.errors, []);
  });

  /** The demo with no server configured, looking up host-meta at `origin` (its own when not given). */
  const demoWithout = async (hostMeta: string): Promise<{ page: ClientPage; served: Served }> => {
    const served = await serve({ mounts: { '/': 'demo', '/dist/': 'dist' }, vars: { SERVICE: '' }, hostMeta });
    const tab = await profile.browser.newPage();
    await tab.evaluateOnNewDocument(`new MutationObserver(() => {
      for (const el of document.querySelectorAll('parley-client:not([discovery-origin])')) el.setAttribute('discovery-origin', location.origin);
    }).observe(document, { childList: true, subtree: true });`);
    const page = new ClientPage(tab);
    await tab.goto(served.url);
    await tab.waitForSelector(`${C}header`, { visible: true });
    return { page, served };
  };

  it("finds the WebSocket endpoint from the demo's own host-meta (XEP-0156), asking for no server URL", async () => {
    assert.equal(await alice.api('discover', fx.jid('alice'), new URL(fx.url).origin), fx.service);
    const { page, served } = await demoWithout(fx.server.wsUrl);
    try {
      assert.equal(await page.page.$(`${C}parley-login >>> input[name="service"]`), null, 'no server field before discovery failed');
      await page.login(fx.jid('dave'), PASSWORD);
      await page.waitForStatus('Online');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.page.close();
      await served.close();
    }
  });

  it('refuses a host-meta pointing to a non-WebSocket URL, then asks for the server', async () => {
    const { page, served } = await demoWithout('https://evil.example/xmpp');
    try {
      await page.login(fx.jid('dave'), PASSWORD);
      assert.match(await page.loginError(), /https:\/\/evil\.example\/xmpp.*not a ws:\/\/ or wss:\/\/ URL: refused/);
      await page.page.waitForSelector(`${C}parley-login >>> input[name="service"]`, { visible: true });
    } finally {
      await page.page.close();
      await served.close();
    }
  });
});
