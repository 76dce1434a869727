import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { prosodyOf, setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const WORKER = '/dist/parley-worker.js';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The dedicated Parley worker a tab runs (only the leading tab has one). */
const ownWorker = (tab: ClientPage) => tab.page.workers().find((w) => w.url().endsWith(WORKER));
const sharedWorkers = (profile: Profile) => profile.browser.targets().filter((t) => t.type() === 'shared_worker' && t.url().endsWith(WORKER));
const composer = 'parley-client >>> parley-composer >>> ';

/** Starts recording the status events a tab hears, with the time. */
const recordStatuses = (tab: ClientPage) =>
  tab.page.evaluate(`(async () => {
    const { parley } = await import('/dist/parley.js');
    window.__statuses = [];
    parley().on((e) => e.type === 'status' && window.__statuses.push({ state: e.status.state, at: Date.now() }));
  })()`);
const statuses = (tab: ClientPage) => tab.page.evaluate('window.__statuses') as Promise<{ state: string; at: number }[]>;
/** Waits for a tab to hear 'online' after `since` (a status shown may still be the dead worker's last). */
const onlineAfter = (tab: ClientPage, since: number, timeout = 15_000) =>
  until(async () => (await statuses(tab)).find((s) => s.state === 'online' && s.at > since), { timeout, what: 'online again after the leader closed' });


describe('without SharedWorker: one tab leads and runs the worker for all', () => {
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;
  let tabs: ClientPage[] = [];
  const shown: string[] = [];

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('the same bundle still uses a SharedWorker where there is one', async () => {
    const plain = await launch();
    try {
      const tab = await ClientPage.open(plain, fx.url);
      assert.equal(await tab.waitForStatus('Logged out'), 'Logged out'); // the worker answered
      await until(() => sharedWorkers(plain).length === 1, { what: 'a shared worker' });
      assert.equal(ownWorker(tab), undefined);
    } finally {
      await plain.close();
    }
  });

  it('login in tab 1; tab 2 is online without logging in; the server holds one session', async () => {
    const first = await ClientPage.open(profile, fx.url, { sharedWorker: false });
    assert.equal(await first.page.evaluate('typeof SharedWorker'), 'undefined');
    await first.login(fx.jid('alice'), PASSWORD);
    await first.waitForStatus('Online');
    const second = await ClientPage.open(profile, fx.url, { sharedWorker: false });
    assert.equal(await second.waitForStatus('Online'), 'Online');
    assert.equal(await second.hasLoginForm(), false);
    tabs = [first, second];
    assert.equal((await fx.server.sessions('alice')).length, 1);
    // Tab 1 leads: it runs the worker; tab 2 runs none, and no SharedWorker exists.
    assert.ok(ownWorker(first), 'the leading tab runs the worker');
    assert.equal(ownWorker(second), undefined);
    assert.equal(sharedWorkers(profile).length, 0);
  });

  it('a message typed in tab 2 (a follower) reaches bob once and shows in both tabs', async () => {
    for (const tab of tabs) await tab.open(fx.jid('bob'));
    await tabs[1]!.type('typed in tab two');
    shown.push('typed in tab two');
    await bob.waitForBody('typed in tab two');
    for (const tab of tabs) assert.deepEqual(await tab.waitForMessages(1), shown);
    // One outbox sends in order: once a later message reaches bob, a second copy would have too.
    await tabs[1]!.type('and then this');
    shown.push('and then this');
    await bob.waitForBody('and then this');
    assert.equal(bob.received.filter((el) => el.getChildText('body') === 'typed in tab two').length, 1);
  });

  it('a message from bob shows in both tabs', async () => {
    await bob.say(fx.jid('alice'), 'hello both tabs');
    shown.push('hello both tabs');
    for (const tab of tabs) assert.deepEqual(await tab.waitForMessages(shown.length), shown);
  });

  it('when the leader closes mid-conversation, the other tab takes over and shows every message once, in order', async (t) => {
    const [leader, follower] = tabs as [ClientPage, ClientPage];
    await follower.page.bringToFront(); // the tab that stays is the one looked at (XEP-0352 below)
    await recordStatuses(follower);
    const workerStarted = new Promise<number>((resolve) => follower.page.once('workercreated', () => resolve(Date.now())));
    let closedAt = 0;
    let closing: Promise<void> = Promise.resolve();
    const sent: string[] = [];
    for (let i = 1; i <= 10; i++) {
      const body = `bob says ${i}`;
      await bob.say(fx.jid('alice'), body);
      sent.push(body);
      if (i === 3) {
        closedAt = Date.now();
        closing = leader.page.close();
      }
      await sleep(200);
    }
    await closing;
    shown.push(...sent);

    const takeoverMs = (await workerStarted) - closedAt;
    const online = await onlineAfter(follower, closedAt);
    t.diagnostic(`takeover: worker started ${takeoverMs} ms after the leader closed; online after ${online.at - closedAt} ms; ` +
      `statuses: ${(await statuses(follower)).map((s) => `${s.state}@+${s.at - closedAt}`).join(' ')}`);
    assert.ok(takeoverMs < 1000, `the lock passed within a second (took ${takeoverMs} ms)`);
    assert.ok(online.at - closedAt < 5000, `online again within 5 s (took ${online.at - closedAt} ms)`);
    assert.equal(await follower.waitForStatus('Online'), 'Online');
    assert.ok(ownWorker(follower), 'the remaining tab now runs the worker itself');
    tabs = [follower];

    // Every message exactly once (say which are missing if some are), and in order.
    await follower.waitForMessages(shown.length, 20_000).catch(() => undefined);
    // A round trip after the new worker's archive catch-up (the outbox waits for it): any duplicate
    // it could bring is stored before bob gets this.
    await follower.type('after the takeover');
    await bob.waitForBody('after the takeover');
    shown.push('after the takeover');
    await follower.waitForMessages(shown.length);
    const messages = await follower.messages();
    const missing = shown.filter((m) => !messages.includes(m));
    const twice = messages.filter((m, i) => messages.indexOf(m) !== i);
    assert.deepEqual({ missing, twice }, { missing: [], twice: [] }, `shown: ${JSON.stringify(messages)}`);
    assert.deepEqual(messages, shown, 'in the order bob sent them');

    // The new worker resumed the old session, or replaced it by binding the same resource: one either way.
    await until(async () => (await fx.server.sessions('alice')).length === 1, { what: 'one session for alice' });

    // The new worker learnt which tabs are visible (Client State Indication): the server hears 'active'
    // while the remaining tab is in front, 'inactive' when it is not. Read from Prosody's session table.
    if (SERVER === 'ejabberd') return;
    const [full] = await fx.server.sessions('alice');
    const csi = () => prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].state`);
    // No wait needed: the worker told the server its state before the message above, on the same stream.
    assert.doesNotMatch(await csi(), /inactive|flushing/); // flushing: mod_csi_simple's inactive, sending one burst
    const blank = await profile.browser.newPage();
    await blank.bringToFront();
    await until(async () => (await csi()) === 'Result: inactive', { what: 'inactive' });
    await follower.page.bringToFront();
    await until(async () => (await csi()) === 'Result: active', { what: 'active' });
    await blank.close();
  });

  it('a call in flight when the leader closes fails with an error, and the composer keeps the text', async () => {
    const leader = tabs[0]!;
    const follower = await ClientPage.open(profile, fx.url, { sharedWorker: false });
    assert.equal(await follower.waitForStatus('Online'), 'Online');
    assert.equal(ownWorker(follower), undefined);
    await follower.open(fx.jid('bob'));
    // The leader's worker stops answering: it spins until its tab closes and ends it. (A debugger pause
    // would not do: closing the tab detaches the debugger, which resumes the worker for a moment.)
    void ownWorker(leader)!.evaluate('for (const end = Date.now() + 30000; Date.now() < end;);').catch(() => undefined);
    await sleep(100);
    const before = await follower.messages();
    const text = 'typed while the leader hangs';
    await follower.type(text);
    const input = () => follower.page.$eval(`${composer}textarea`, (t) => (t as HTMLTextAreaElement).value);
    await until(async () => (await input()) === '', { what: 'the call in flight (the composer cleared)' });
    assert.deepEqual(await follower.messages(), before, 'and the stuck worker did not store it');

    await recordStatuses(follower);
    const closedAt = Date.now();
    await leader.page.close();
    const error = await until(() => follower.page.$eval(`${composer}p.error`, (p) => p.textContent ?? ''), { what: 'an error shown' });
    assert.match(error, /closed before answering/);
    assert.equal(await input(), text, 'what was typed is back in the composer');

    // Now it leads; sending again works, and bob gets the message once.
    await onlineAfter(follower, closedAt);
    assert.ok(ownWorker(follower));
    await follower.click(`${composer}button[type="submit"]`);
    await bob.waitForBody(text);
    assert.deepEqual(await follower.waitForMessages(before.length + 1), [...before, text]);
    // Round trips instead of waiting: bob's next message shows after any second copy of ours would
    // be stored, and our next one reaches bob after any second copy of it would (one ordered outbox).
    await bob.say(fx.jid('alice'), 'got it');
    await follower.waitForMessages(before.length + 2);
    await follower.type('good');
    await bob.waitForBody('good');
    assert.deepEqual(await follower.waitForMessages(before.length + 3), [...before, text, 'got it', 'good']);
    assert.equal(bob.received.filter((el) => el.getChildText('body') === text).length, 1);
    const sessions = await fx.server.sessions('alice');
    assert.equal(sessions.length, 1, `sessions: ${sessions.join(', ')}`);
  });
});

describe('without SharedWorker: private relays, and a frozen leader', () => {
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;
  let leader: ClientPage;
  let follower: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('a login typed in a follower tab is never seen by another page listening on the relay channel', async () => {
    leader = await ClientPage.open(profile, fx.url, { sharedWorker: false });
    assert.equal(await leader.waitForStatus('Logged out'), 'Logged out');
    follower = await ClientPage.open(profile, fx.url, { sharedWorker: false });
    assert.equal(ownWorker(follower), undefined, 'the second tab follows');
    // Any page of the origin can listen: this one records every relayed message, as text.
    const spy = await profile.browser.newPage();
    await spy.goto(`${fx.url}dist/parley-client.js`); // a document of the origin that does not run Parley
    await spy.evaluate(`window.__heard = [];
      window.__channel = new BroadcastChannel('parley-tabs');
      window.__channel.onmessage = ({ data }) => window.__heard.push(JSON.stringify(data, (k, v) =>
        v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : v));`);
    await follower.login(fx.jid('alice'), PASSWORD);
    assert.equal(await follower.waitForStatus('Online'), 'Online');
    const heard = (await spy.evaluate('window.__heard')) as string[];
    assert.ok(heard.some((m) => m.includes('"call"')), 'the login went over the relay');
    assert.deepEqual(heard.filter((m) => m.includes(PASSWORD)), []);
    await spy.close();
  });

  it('a frozen leader: a call to it fails with a clear error, and another tab takes over', async () => {
    await leader.waitForStatus('Online');
    for (const tab of [leader, follower]) await tab.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'before the freeze');
    for (const tab of [leader, follower]) await tab.waitForMessages(1);
    const cdp = await leader.page.createCDPSession();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await bob.say(fx.jid('alice'), 'while frozen');
    const text = 'typed while the leader is frozen';
    await follower.type(text);
    const error = await until(() => follower.page.$eval(`${composer}p.error`, (p) => p.textContent ?? ''), { what: 'an error shown' });
    assert.match(error, /stopped answering/);
    // The follower now leads: it runs the worker.
    await until(() => ownWorker(follower), { what: 'the follower runs the worker' });
  });

  // Caught (one run in two): a frozen page still gets change events and starts reads whose answers
  // wait for its thaw, so its transactions held the stores the new leader writes (archive pages,
  // stream state) and nothing it sent was written. A frozen page now starts no read (freeze.ts).
  it('after a frozen leader: the new leader sends what was typed once, and the thawed tab stops its worker', async () => {
    const text = 'typed while the leader is frozen';
    const cdp = await leader.page.createCDPSession();
    await follower.click(`${composer}button[type="submit"]`);
    await bob.waitForBody(text, 20_000);
    assert.deepEqual(await follower.waitForMessages(3, 20_000), ['before the freeze', 'while frozen', text]);

    // The frozen tab thaws: it finds it lost the lead and stops its worker; one session, no repeats.
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await until(() => !ownWorker(leader), { what: 'the thawed tab stopped its worker' });
    await bob.say(fx.jid('alice'), 'after the thaw');
    const expected = ['before the freeze', 'while frozen', text, 'after the thaw'];
    assert.deepEqual(await follower.waitForMessages(4), expected);
    assert.deepEqual(await leader.waitForMessages(4), expected);
    await follower.type('marker');
    await bob.waitForBody('marker');
    assert.equal(bob.received.filter((el) => el.getChildText('body') === text).length, 1);
    assert.deepEqual(await follower.waitForMessages(5), [...expected, 'marker']);
    await until(async () => (await fx.server.sessions('alice')).length === 1, { what: 'one session for alice' });
  });
});
