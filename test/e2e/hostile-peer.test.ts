import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { onProsody, prosodyOf, setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/** The largest stanza Prosody takes from a client (its announced stream limit, XEP-0478). */
const LIMIT = 262_144;

describe('what a hostile peer sends does not break our session or our archive ids', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let mallory: Peer;

  before(async () => {
    fx = await setup(['alice', 'mallory']);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    mallory = await connectPeer(fx.server, 'mallory', PASSWORD);
  });

  after(async () => {
    await mallory?.stop();
    await profile?.close();
    await fx?.dispose();
  });

  it('an IQ just under the size limit gets an error reply without its payload, and our session stays', onProsody, async () => {
    const [session] = await fx.server.sessions('alice');
    assert.ok(session);
    // Marks the server's session object: a fresh login after a closed stream would not have it.
    const marked = `local s = prosody.full_sessions["${session}"]; return s and s.parley_marker`;
    await prosodyOf(fx).eval(`prosody.full_sessions["${session}"].parley_marker = "still here"`);
    // As large as the server lets mallory send: an echo of it with an <error/> added would be over the limit.
    const request = (pad: number) => xml('iq', { type: 'get', to: session, id: 'big' }, xml('query', { xmlns: 'urn:example:unknown' }, 'A'.repeat(pad)));
    const pad = LIMIT - 64 - request(0).toString().length;
    assert.ok(request(pad).toString().length < LIMIT);
    const reply = new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply from alice')), 15_000);
      mallory.xmpp.on('element', (el: Element) => {
        if (el.name !== 'iq' || el.attrs.id !== 'big') return;
        clearTimeout(timer);
        resolve(el);
      });
    });
    await mallory.xmpp.send(request(pad));
    const answer = await reply;
    assert.equal(answer.attrs.type, 'error');
    assert.deepEqual(answer.getChildElements().map((c) => c.name), ['error']);
    assert.ok(answer.getChild('error')?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
    // The same stream, never dropped: a ping round trip through it answers, and the server still has it.
    await mallory.xmpp.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), session);
    assert.deepEqual(await fx.server.sessions('alice'), [session]);
    assert.match(await prosodyOf(fx).eval(`(function() ${marked} end)()`), /still here/);
    assert.equal(await alice.status(), 'Online');
  });

  it("a stanza-id claiming our archive in another spelling is not trusted; our server's own is", async () => {
    await mallory.xmpp.send(
      xml('message', { to: fx.jid('alice'), type: 'chat', id: 'm1' },
        xml('body', {}, 'trust me'),
        xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by: `${fx.jid('alice')}/evil`, id: 'forged-1' }),
        xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by: fx.jid('alice').toUpperCase(), id: 'forged-2' })),
    );
    const stored = await until(async () => (await alice.stored(fx.jid('mallory'))).find((m) => m.body === 'trust me'), { what: "mallory's message stored" });
    assert.ok(stored.stanzaId, 'the server stamped its own');
    assert.ok(!stored.stanzaId.startsWith('forged'), `stored archive id ${stored.stanzaId}`);
  });

  it('presence from someone we do not follow is not stored', async () => {
    const [session] = await fx.server.sessions('alice');
    await mallory.xmpp.send(xml('presence', { to: session }, xml('status', {}, 'look at me')));
    // A round trip after it: mallory's next message is stored, so the presence was handled before.
    await mallory.xmpp.send(xml('message', { to: fx.jid('alice'), type: 'chat', id: 'after-presence' }, xml('body', {}, 'after presence')));
    await until(async () => (await alice.stored(fx.jid('mallory'))).some((m) => m.body === 'after presence'), { what: 'the message after the presence' });
    const stored = JSON.parse(await alice.storedText()) as { presence: { jid: string }[] };
    assert.deepEqual(stored.presence.filter((p) => p.jid === fx.jid('mallory')), []);
  });
});
