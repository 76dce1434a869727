import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/**
 * A SharedWorker is one per URL: pages of two deploys (hashed file names, a `worker-url`, a query)
 * start two workers. Only one of them may hold the account's connection and write.
 */
describe('one connection owner per account, whatever the worker URL', () => {
  let fx: Fixture;
  let profile: Profile;
  let bob: Peer;
  let newer: string;
  let first: ClientPage;
  let second: ClientPage;
  let pages: ClientPage[] = [];
  const count = (body: string) => bob.received.filter((el) => el.getChildText('body') === body).length;

  before(async () => {
    newer = await mkdtemp(join(tmpdir(), 'parley-newer-'));
    fx = await setup(['alice', 'bob'], { proxy: true, mounts: { '/newer/': newer } });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    profile = await launch();
  });

  after(async () => {
    await bob?.stop();
    await profile?.close();
    await fx?.dispose();
    await rm(newer, { recursive: true, force: true });
  });

  it('two worker URLs of one build: one server session, and a message queued offline reaches bob once', async () => {
    first = await ClientPage.open(profile, fx.url, { workerUrl: '/dist/parley-worker.js?v=1' });
    await first.login(fx.jid('alice'), PASSWORD);
    await first.waitForStatus('Online');
    await first.open(fx.jid('bob'));
    await fx.proxy!.close();
    await first.waitForStatus('Offline');
    await first.type('typed offline');
    assert.deepEqual(await first.waitForMessages(1), ['typed offline']);

    second = await ClientPage.open(profile, fx.url, { workerUrl: '/dist/parley-worker.js?v=2' });
    await fx.proxy!.open();
    await bob.waitForBody('typed offline', 20_000);
    // The second page's worker settled one way or the other: it connected too, or it waits its turn.
    const shown = await until(async () => {
      const status = await second.status();
      return /^(Online|Waiting)/.test(status) ? status : undefined;
    }, { timeout: 20_000, what: 'second page settled' });
    // A round trip after anything the second worker could have flushed when it connected.
    await first.type('after the flush');
    await bob.waitForBody('after the flush');
    assert.equal(count('typed offline'), 1, 'delivered exactly once');
    assert.deepEqual(await fx.server.sessions('alice'), [await only(fx, 'alice')]);
    assert.match(shown, /^Waiting/, 'the second page says that another window holds the connection');
    assert.equal(await first.status(), 'Online');
  });

  it('when the owner goes away the waiting worker takes over, and nothing is lost or doubled', async () => {
    await first.page.close(); // its worker's only page: the worker ends and frees the lock
    await second.waitForStatus('Online', 20_000);
    await bob.say(fx.jid('alice'), 'to the second worker');
    await second.open(fx.jid('bob'));
    assert.deepEqual(await second.waitForMessages(3), ['typed offline', 'after the flush', 'to the second worker']);
    await until(async () => (await fx.server.sessions('alice')).length === 1, { what: 'one session for alice' });
  });

  it('a newer build takes over from the running worker, which stops without ending the stream', async () => {
    // The same worker as a later build would be: only its build stamp differs.
    const worker = await readFile('dist/parley-worker.js', 'utf8');
    const stamped = worker.replace(/parley-build:[^"'`]+/g, 'parley-build:9999-12-31T23:59:59.999Z');
    assert.ok(stamped !== worker, 'the worker bundle carries a build stamp');
    await writeFile(join(newer, 'parley-worker.js'), stamped);
    const stream = await only(fx, 'alice');
    const token = await resumptionToken(fx, stream);
    const latest = await ClientPage.open(profile, fx.url, { workerUrl: '/newer/parley-worker.js' });
    assert.equal(await latest.waitForStatus('Online', 20_000), 'Online');
    assert.match(await second.waitForStatus('Waiting'), /newer version/);
    // The new worker resumed the old worker's stream (XEP-0198): the very same session on the server.
    assert.deepEqual(await fx.server.sessions('alice'), [stream]);
    assert.equal(await resumptionToken(fx, stream), token);
    await bob.say(fx.jid('alice'), 'to the newer worker');
    await latest.open(fx.jid('bob'));
    assert.deepEqual(await latest.waitForMessages(4), ['typed offline', 'after the flush', 'to the second worker', 'to the newer worker']);
    await latest.type('from the newer worker');
    await bob.waitForBody('from the newer worker');
    assert.equal(count('from the newer worker'), 1);
    assert.equal(count('typed offline'), 1);
    pages = [latest, second];
  });

  it('a newer schema wanting the database stops the running worker instead of leaving it connected and unable to store', async () => {
    const [latest] = pages as [ClientPage];
    const stream = await only(fx, 'alice');
    // What a newer Parley's page does first: open the database at a higher version (a migration).
    const upgraded = await latest.page.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open('parley', 1000);
      open.onsuccess = () => { open.result.close(); resolve('upgraded'); };
      open.onerror = () => reject(open.error);
      setTimeout(() => resolve('still blocked'), 10000);
    })`);
    assert.equal(upgraded, 'upgraded', 'the old worker let the migration through');
    assert.match(await latest.waitForStatus('Waiting'), /updated: reload/);
    // It stopped without ending the stream: the server keeps it for the new version to resume.
    assert.deepEqual(await fx.server.sessions('alice'), [stream]);
  });
});

/** The XEP-0198 id of a server session: a new stream would have another. */
const resumptionToken = (fx: Fixture, full: string) => prosodyOf(fx).eval(`return prosody.full_sessions["${full}"].resumption_token`);

/** The user's one server session (fails if there are several). */
async function only(fx: Fixture, user: string): Promise<string> {
  const sessions = await until(async () => {
    const s = await fx.server.sessions(user);
    return s.length === 1 ? s : undefined;
  }, { what: `exactly one session of ${user}` });
  return sessions[0]!;
}
