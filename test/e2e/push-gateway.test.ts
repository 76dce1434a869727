import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Sealer } from '../../gateway/seal.js';
import { parsePushPayload } from '../../src/shared/push.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { enablePush, publishIq, pushComponent, runGateway, type RunningGateway } from '../harness/gateway.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { startPushService, type PushService } from '../harness/push-service.js';
import { until } from '../harness/wait.js';

/**
 * The gateway against the real server's push module (Prosody's cloud_notify, ejabberd's mod_push):
 * the server publishes to the gateway component, which sends Web Push to a push service on loopback
 * that checks VAPID and decrypts the payload with the subscription's private key.
 */
describe('push gateway', () => {
  const component = pushComponent();
  let fx: Fixture;
  let service: PushService;
  let gateway: RunningGateway;
  let bob: Peer;
  let carol: Peer;
  const alice = { sub: undefined as unknown as ReturnType<PushService['subscribe']>, node: '', secret: '' };
  const dave = { sub: undefined as unknown as ReturnType<PushService['subscribe']> };

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol', 'dave'], { push: component });
    service = await startPushService();
    gateway = await runGateway(fx.server, component.secret);
    // Alice and dave enable push from a session, then close every session.
    for (const [user, who] of [['alice', alice], ['dave', dave]] as const) {
      const peer = await connectPeer(fx.server, user, PASSWORD, { resource: 'phone' });
      who.sub = service.subscribe();
      const got = await enablePush(peer, who.sub);
      if (who === alice) Object.assign(alice, { node: got.node, secret: got.secret });
      assert.equal(got.key, gateway.keys.vapidPublicKey);
      await peer.stop();
    }
    bob = await connectPeer(fx.server, 'bob', PASSWORD);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
  });

  after(async () => {
    await bob?.stop();
    await carol?.stop();
    await gateway?.stop();
    await service?.close();
    await fx?.dispose();
  });

  it('a message to alice while she is offline reaches her push subscription, encrypted, signed, without its text', async () => {
    await bob.say(fx.jid('alice'), 'secret words for alice');
    const delivery = await service.next(alice.sub.id);
    assert.equal(delivery.vapidKey, gateway.keys.vapidPublicKey, 'signed with the key the gateway gave the client');
    assert.equal(delivery.claims.sub, 'mailto:admin@localhost');
    const payload = parsePushPayload(delivery.text);
    assert.ok(payload, `a Parley payload: ${delivery.text}`);
    assert.equal(payload.to, fx.jid('alice'));
    assert.ok(payload.count >= 1);
    assert.ok(!delivery.text.includes('secret words'), 'the message text does not cross the push service');
    assert.deepEqual(service.rejected, []);
  });

  it('a forged publish (wrong secret, unknown node, right secret from a user) sends nothing', async () => {
    const before = service.deliveries.length;
    const refusals = gateway.events.filter((e) => e.type === 'refused').length;
    const condition = async (node: string, secret: string) => {
      try {
        await carol.xmpp.iqCaller.request(publishIq(node, secret));
        return 'result';
      } catch (err) {
        return (err as { condition?: string }).condition;
      }
    };
    // The gateway answers a publish only after sending (or not): each answer is the round trip.
    assert.equal(await condition(alice.node, 'not-the-secret'), 'not-authorized');
    assert.equal(await condition(alice.node.slice(0, -4) + 'AAAA', alice.secret), 'item-not-found');
    assert.equal(await condition('made-up-node', alice.secret), 'item-not-found');
    assert.equal(await condition(alice.node, alice.secret), 'forbidden', 'only alice’s server publishes for her');
    assert.equal(service.deliveries.length, before, 'no push was sent');
    assert.equal(gateway.events.filter((e) => e.type === 'refused').length, refusals + 4, 'each was refused and logged');
  });

  it('a restarted gateway (same keys, no database) serves the registrations made before', async () => {
    const seen = service.deliveries.filter((d) => d.subscription === alice.sub.id).length;
    await gateway.stop();
    gateway = await runGateway(fx.server, component.secret, gateway.keys);
    await bob.say(fx.jid('alice'), 'after the restart');
    const delivery = await service.next(alice.sub.id, seen);
    assert.equal(parsePushPayload(delivery.text)?.to, fx.jid('alice'));
  });

  it('a subscription the push service says is gone (410) is dropped: no more pushes for it', async () => {
    service.answer(alice.sub.id, 410);
    const seen = service.deliveries.filter((d) => d.subscription === alice.sub.id).length;
    await bob.say(fx.jid('alice'), 'to a dropped subscription');
    await service.next(alice.sub.id, seen);
    await until(() => gateway.events.some((e) => e.type === 'gone'), { what: 'the gateway saw the 410' });
    // The gateway's error answer reached the server before this ping's answer came back.
    await gateway.ping(fx.server.host);
    const received = gateway.events.filter((e) => e.type === 'received').length;
    await bob.say(fx.jid('alice'), 'nobody is told of this one');
    // Dave's push comes after anything the server would still publish for alice (one sender, in order).
    const daveSeen = service.deliveries.filter((d) => d.subscription === dave.sub.id).length;
    await bob.say(fx.jid('dave'), 'dave is still told');
    await service.next(dave.sub.id, daveSeen);
    assert.equal(service.deliveries.filter((d) => d.subscription === alice.sub.id).length, seen + 1, 'alice’s dropped subscription got nothing more');
    assert.equal(gateway.events.filter((e) => e.type === 'received').length, received + 1, 'the server published only dave’s');
  });
});

describe('push gateway nodes (no database)', () => {
  const sealer = new Sealer(randomBytes(32));
  const registration = { jid: 'alice@example.org', subscription: { endpoint: 'https://push.example.net/x', keys: { p256dh: 'B' + 'A'.repeat(86), auth: 'a'.repeat(22) } } };

  it('a node opens to the registration it sealed, with this key only, and its secret is its own', () => {
    const { node, secret } = sealer.seal(registration);
    assert.deepEqual(sealer.open(node), registration);
    assert.equal(new Sealer(randomBytes(32)).open(node), null, 'another gateway key');
    assert.equal(sealer.verify(node, secret), true);
    assert.equal(sealer.verify(sealer.seal(registration).node, secret), false, 'a secret belongs to one node');
  });

  it('an altered node opens to nothing', () => {
    const { node } = sealer.seal(registration);
    const raw = Buffer.from(node, 'base64url');
    for (const at of [0, 12, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at]! ^= 1;
      assert.equal(sealer.open(bad.toString('base64url')), null, `byte ${at} flipped`);
    }
    assert.equal(sealer.open(''), null);
  });
});
