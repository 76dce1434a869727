import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/** Markup that would run if it reached an HTML sink. */
const XSS = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>';

describe('under a strict Content Security Policy with Trusted Types (every e2e page is served with it)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('the page forbids inline scripts and eval, and requires Trusted Types', async () => {
    const policy = (await fetch(fx.url)).headers.get('content-security-policy') ?? '';
    const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('require-trusted-types-for'), ["'script'"]);
    assert.deepEqual(directives.get('trusted-types'), ['lit-html', 'parley']);
  });

  it('the app runs without a violation: worker, Service Worker, a conversation with markup in it shown as text', async () => {
    // From the very start of the document this time: the page is loaded again with a listener in place.
    await alice.page.evaluateOnNewDocument(`window.__violations = [];
      addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample)));`);
    await alice.page.reload();
    await alice.waitForStatus('Online');
    await bob.say(fx.jid('alice'), XSS);
    await alice.open(fx.jid('bob'));
    await until(async () => (await alice.messages()).includes(XSS), { what: 'the markup shown as text' });
    await alice.type('sent under the policy');
    await bob.waitForBody('sent under the policy');
    await until(() => alice.page.evaluate('navigator.serviceWorker.getRegistration().then((r) => !!r?.active)'), { what: 'the Service Worker active' });
    assert.equal(await alice.page.evaluate('window.__xss'), undefined);
    assert.equal(await alice.page.$$eval('parley-client >>> parley-conversation >>> img', (imgs) => imgs.length), 0);
    assert.deepEqual(await alice.page.evaluate('window.__violations'), []);
  });

  it('a string given to an HTML or script sink is refused and reported, so no markup can reach one', async () => {
    const refused = await alice.page.evaluate(`(() => {
      const attempt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.name; } };
      return [
        attempt(() => { document.createElement('div').innerHTML = '<b>x</b>'; }),
        attempt(() => new Worker('/dist/parley-worker.js', { type: 'module' })),
      ];
    })()`);
    assert.deepEqual(refused, ['TypeError', 'TypeError']);
    // The listener the test above relied on does hear violations: these two.
    const heard = (await alice.page.evaluate('window.__violations')) as string[];
    assert.deepEqual(heard.map((v) => v.split(' ')[0]), ['require-trusted-types-for', 'require-trusted-types-for']);
  });
});
