import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

describe('local-first: storage renders before the network, reconnect without password', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let bob: Peer;

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('has a conversation', async () => {
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    await alice.open(fx.jid('bob'));
    await bob.say(fx.jid('alice'), 'one');
    await alice.waitForMessages(1);
    await alice.type('two');
    await bob.waitForBody('two');
    assert.deepEqual(await alice.waitForMessages(2), ['one', 'two']);
  });

  it('with the server stopped, a reload renders roster and conversation from IndexedDB and says offline', async () => {
    await bob.stop();
    await fx.server.stop();
    await alice.page.reload();
    await alice.page.waitForSelector('parley-client >>> parley-roster', { visible: true });
    assert.equal(await alice.hasLoginForm(), false);
    await until(async () => (await alice.contacts())[fx.jid('bob')] !== undefined, { what: 'roster from storage' });
    // When bob was last seen is stored too (XEP-0319, from his last unavailable presence).
    assert.deepEqual(Object.keys(await alice.contacts()), [fx.jid('bob')]);
    assert.match((await alice.contacts())[fx.jid('bob')]!, /^offline( · last seen .+)?$/);
    await alice.open(fx.jid('bob'));
    assert.deepEqual(await alice.waitForMessages(2), ['one', 'two']);
    assert.match(await alice.waitForStatus('Offline'), /^Offline/);
  });

  it('a message typed while offline waits, marked as sending', async () => {
    await alice.type('three, typed offline');
    assert.deepEqual(await alice.waitForMessages(3), ['one', 'two', 'three, typed offline']);
    const state = await alice.page.$eval('parley-client >>> parley-conversation >>> li.message:last-child', (li) => li.getAttribute('data-state'));
    assert.equal(state, 'pending');
  });

  it('when the server is back it reconnects by itself, without the password, and sends what waited', async () => {
    await fx.server.start();
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    assert.equal(await alice.waitForStatus('Online', 30_000), 'Online');
    assert.equal(await alice.hasLoginForm(), false);
    await bob.waitForBody('three, typed offline');
    await until(async () => (await alice.contacts())[fx.jid('bob')] === 'online', { what: 'bob online again' });
    await bob.say(fx.jid('alice'), 'four');
    assert.deepEqual(await alice.waitForMessages(4), ['one', 'two', 'three, typed offline', 'four']);
  });

  // The page's worker here never answers (a worker script that is not Parley's), so what shows can
  // only come from the page's own storage, or from how the page was left.
  const SILENT_WORKER = '/dist/parley-intl.js';
  const C = 'parley-client >>> ';
  // The page's database answers only when the test says so (window.__releaseStorage()).
  const HOLD_STORAGE = `window.__releaseStorage = () => {};
    const held = new Promise((release) => (window.__releaseStorage = release));
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (...args) {
      const request = open.apply(this, args);
      const add = request.addEventListener;
      request.addEventListener = function (type, listener, options) {
        if (type !== 'success') return add.call(this, type, listener, options);
        return add.call(this, type, (event) => held.then(() => listener.call(this, event)), options);
      };
      return request;
    };`;

  it('a cold open draws the stored conversation first, then starts the worker', async () => {
    await alice.closeLast();
    // What happens first: the stored messages drawn, or the worker started.
    const order = `window.__order = [];
      const note = (what) => window.__order.includes(what) || window.__order.push(what);
      const Shared = window.SharedWorker;
      window.SharedWorker = function (...args) { note('worker started'); return new Shared(...args); };
      const attach = Element.prototype.attachShadow;
      Element.prototype.attachShadow = function (init) {
        const root = attach.call(this, init);
        new MutationObserver(() => root.querySelector('li.message') && note('messages drawn')).observe(root, { childList: true, subtree: true });
        return root;
      };`;
    alice = await ClientPage.open(profile, fx.url, { script: order });
    assert.match(await alice.waitForStatus('Online'), /^Online/);
    assert.deepEqual(await alice.page.evaluate('window.__order'), ['messages drawn', 'worker started']);
    assert.deepEqual(await alice.waitForMessages(4), ['one', 'two', 'three, typed offline', 'four']);
  });

  it('a cold open whose storage does not answer still starts the worker, and comes online', async () => {
    await alice.closeLast();
    alice = await ClientPage.open(profile, fx.url, { script: HOLD_STORAGE });
    assert.match(await alice.waitForStatus('Online'), /^Online/);
    await alice.page.evaluate('window.__releaseStorage()');
    assert.deepEqual(await alice.waitForMessages(4), ['one', 'two', 'three, typed offline', 'four']);
  });

  it("a page left signed in draws the chat before its storage answers, so the open conversation's reads go out with the first", async () => {
    await alice.closeLast();
    alice = await ClientPage.open(profile, fx.url, { workerUrl: SILENT_WORKER, script: HOLD_STORAGE });
    await alice.page.waitForSelector(`${C}parley-conversation`);
    assert.equal(await alice.hasLoginForm(), false);
    assert.deepEqual(await alice.messages(), [], 'nothing read yet');
    await alice.page.evaluate('window.__releaseStorage()');
    assert.deepEqual(await alice.waitForMessages(4), ['one', 'two', 'three, typed offline', 'four']);
  });

  it('a first visit shows the login form before its storage or its worker answers', async () => {
    const fresh = await launch();
    try {
      const first = await ClientPage.open(fresh, fx.url, { workerUrl: SILENT_WORKER, script: HOLD_STORAGE });
      await first.page.waitForSelector(`${C}parley-login`);
      assert.equal(await first.page.$(`${C}parley-conversation`), null);
    } finally {
      await fresh.close();
    }
  });

  it('a page left signed in whose storage was cleared shows the login form, not an empty chat', async () => {
    await alice.closeLast();
    const other = await profile.browser.newPage();
    await other.goto(`${fx.url}manifest.webmanifest`);
    assert.equal(await other.evaluate(`new Promise((done) => { const r = indexedDB.deleteDatabase('parley'); r.onsuccess = () => done('deleted'); r.onerror = r.onblocked = () => done('not deleted'); })`), 'deleted');
    await other.close();
    alice = await ClientPage.open(profile, fx.url, { workerUrl: SILENT_WORKER });
    await alice.page.waitForSelector(`${C}parley-login`);
    assert.equal(await alice.page.$(`${C}parley-conversation`), null);
  });
});
