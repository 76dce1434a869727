import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { onProsody, prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('one connection for all tabs', () => {
  let fx: Fixture;
  let profile: Profile;
  let tabs: ClientPage[];
  let bob: Peer;

  /** Resources of alice that bob sees online (from presence he received). */
  function aliceResources(): Set<string> {
    const online = new Set<string>();
    for (const el of bob.received) {
      const from = el.attrs.from ?? '';
      if (el.name !== 'presence' || !from.startsWith(`${fx.jid('alice')}/`)) continue;
      if (el.attrs.type === 'unavailable') online.delete(from);
      else if (!el.attrs.type) online.add(from);
    }
    return online;
  }

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

  it('three tabs share one server session', async () => {
    const first = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    tabs = [first, await ClientPage.open(profile, fx.url), await ClientPage.open(profile, fx.url)];
    for (const tab of tabs) assert.equal(await tab.waitForStatus('Online'), 'Online');
    // Server side: Prosody's own session table.
    assert.equal((await fx.server.sessions('alice')).length, 1);
    // And as another user sees it: exactly one resource of alice.
    await until(() => aliceResources().size === 1, { what: 'bob sees alice' });
    assert.equal(aliceResources().size, 1);
  });

  it('a message typed in tab 1 appears in tabs 2 and 3, and reaches bob once', async () => {
    for (const tab of tabs) await tab.open(fx.jid('bob'));
    await tabs[0]!.type('typed in tab one');
    for (const tab of tabs) assert.deepEqual(await tab.waitForMessages(1), ['typed in tab one']);
    await bob.waitForBody('typed in tab one');
    assert.equal(bob.received.filter((el) => el.getChildText('body') === 'typed in tab one').length, 1);
  });

  it('a message from bob appears in all three tabs', async () => {
    await bob.say(fx.jid('alice'), 'hello all tabs');
    for (const tab of tabs) assert.deepEqual(await tab.waitForMessages(2), ['typed in tab one', 'hello all tabs']);
  });

  it('a tab frozen in the background holds up no other tab, and catches up when it thaws', async () => {
    const cdp = await tabs[2]!.page.createCDPSession();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // Each message makes every page read again, the frozen one too (its events still arrive).
    const expected = ['typed in tab one', 'hello all tabs'];
    for (const n of [1, 2, 3]) {
      await bob.say(fx.jid('alice'), `while tab 3 sleeps ${n}`);
      expected.push(`while tab 3 sleeps ${n}`);
      assert.deepEqual(await tabs[0]!.waitForMessages(expected.length), expected);
    }
    await tabs[0]!.type('answer from tab one');
    await bob.waitForBody('answer from tab one');
    expected.push('answer from tab one');
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    assert.deepEqual(await tabs[2]!.waitForMessages(expected.length), expected);
    await cdp.detach();
  });

  it('closing two tabs keeps the session', async () => {
    const before = await fx.server.sessions('alice');
    await tabs[1]!.page.close();
    await tabs[2]!.page.close();
    await bob.say(fx.jid('alice'), 'still there?');
    const earlier = await tabs[0]!.messages();
    assert.deepEqual(await tabs[0]!.waitForMessages(earlier.length + 1), [...earlier, 'still there?']);
    assert.deepEqual(await fx.server.sessions('alice'), before);
    assert.equal(await tabs[0]!.status(), 'Online');
  });

  it('with no tab visible the server is told the client is inactive, and active again when one is (XEP-0352)', onProsody, async () => {
    const [full] = await fx.server.sessions('alice');
    const state = () => prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].state`);
    const other = await profile.browser.newPage();
    await other.bringToFront();
    await until(async () => (await state()) === 'Result: inactive', { what: 'inactive' });
    await tabs[0]!.page.bringToFront();
    await until(async () => (await state()) === 'Result: active', { what: 'active' });
    await other.close();
  });
});
