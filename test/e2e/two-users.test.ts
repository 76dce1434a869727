import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { until } from '../harness/wait.js';

describe('two users in two browser profiles', () => {
  let fx: Fixture;
  let aliceProfile: Profile;
  let bobProfile: Profile;
  let alice: ClientPage;
  let bob: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    [aliceProfile, bobProfile] = await Promise.all([launch(), launch()]);
    [alice, bob] = await Promise.all([ClientPage.open(aliceProfile, fx.url), ClientPage.open(bobProfile, fx.url)]);
  });

  after(async () => {
    await Promise.all([aliceProfile?.close(), bobProfile?.close()]);
    await fx?.dispose();
  });

  it('log in through the form', async () => {
    await alice.login(fx.jid('alice'), PASSWORD);
    await bob.login(fx.jid('bob'), PASSWORD);
    assert.equal(await alice.waitForStatus('Online'), 'Online');
    assert.equal(await bob.waitForStatus('Online'), 'Online');
    assert.equal(await alice.hasLoginForm(), false);
  });

  it('alice adds bob, bob approves, and they see each other online', async () => {
    await alice.addContact(fx.jid('bob'));
    await until(async () => (await alice.contacts())[fx.jid('bob')]?.includes('awaiting approval'), { what: 'bob pending in alice roster' });
    await bob.approve(fx.jid('alice')); // approving also asks alice back; she added him, so she is not asked
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'alice sees bob online' });
    await until(async () => (await bob.contacts())[fx.jid('alice')] === 'online', { what: 'bob sees alice online' });
    assert.deepEqual(await alice.requests(), []);
  });

  it('exchange 20 messages each way by typing; both sides show all 40 in order', async () => {
    await alice.open(fx.jid('bob'));
    await bob.open(fx.jid('alice'));
    const expected: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const fromAlice = `alice → bob ${i}`;
      const fromBob = `bob → alice ${i}`;
      await alice.type(fromAlice);
      expected.push(fromAlice);
      // Wait for delivery before the reply, so "in order" means the same order on both sides.
      await until(async () => (await bob.messages()).includes(fromAlice), { what: fromAlice });
      await bob.type(fromBob);
      expected.push(fromBob);
      await until(async () => (await alice.messages()).includes(fromBob), { what: fromBob });
    }
    assert.deepEqual(await alice.waitForMessages(40), expected);
    assert.deepEqual(await bob.waitForMessages(40), expected);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  });

  it('what bob has seen shows as seen on alice\'s side (XEP-0333)', async () => {
    const lastOfAlice = 'parley-client >>> parley-conversation >>> li.message[data-direction="out"]:nth-last-child(2)';
    // alice's last message is the second to last shown (bob answered it); bob's tab is in front.
    await until(async () => (await alice.page.$eval(lastOfAlice, (li) => li.getAttribute('data-state'))) === 'displayed', { what: 'seen' });
    assert.equal(await alice.page.$eval(lastOfAlice, (li) => li.querySelector('.state')?.textContent), 'seen');
  });

  it('typing shows on the other side and clears when the text is deleted or sent (XEP-0085)', async () => {
    await alice.draft('I am writing');
    assert.equal(await until(() => bob.typing(), { what: 'bob sees alice typing' }), `${fx.jid('alice')} is typing…`);
    await alice.fill('parley-client >>> parley-composer >>> textarea', ' ');
    await alice.page.keyboard.press('Backspace');
    await until(async () => (await bob.typing()) === '', { what: 'typing cleared on delete' });
    await alice.draft('now sending');
    await until(() => bob.typing(), { what: 'typing again' });
    await alice.page.keyboard.press('Enter');
    await until(async () => (await bob.messages()).at(-1) === 'now sending', { what: 'message arrives' });
    assert.equal(await bob.typing(), '');
  });
});
