/**
 * Push figure for `npm run bench`: ms from the server's publish (the gateway receiving it) to the
 * notification the Service Worker shows, with every tab closed, the chain as in test/e2e/push.test.ts
 * (the loopback push service's decrypted payload handed to the Service Worker over DevTools), and
 * the part from the push service's receipt on.
 */
import { ClientPage, launch } from '../test/harness/browser.js';
import { setup, PASSWORD } from '../test/harness/fixture.js';
import { PUSH_DOMAIN, pushComponent, runGateway } from '../test/harness/gateway.js';
import { befriend, connectPeer } from '../test/harness/peer.js';
import { startPushService } from '../test/harness/push-service.js';
import { ServiceWorkerDriver } from '../test/harness/service-worker.js';
import { until } from '../test/harness/wait.js';

export async function pushWake(runs: number, fmt: (xs: number[]) => string): Promise<void> {
  const component = pushComponent();
  const fx = await setup(['alice', 'bob'], { push: component });
  const origin = new URL(fx.url).origin;
  const service = await startPushService();
  const gateway = await runGateway(fx.server, component.secret);
  const profile = await launch();
  try {
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    const bob = await connectPeer(fx.server, 'bob', PASSWORD);
    await bob.say(fx.jid('alice'), 'history');
    const driver = await ServiceWorkerDriver.open(profile, origin);
    const page = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    const sub = service.subscribe();
    await page.page.evaluate(`(async () => {
      const { parley } = await import('/dist/parley.js');
      const subscription = ${JSON.stringify({ endpoint: sub.endpoint, keys: sub.keys })};
      await parley().push.enable({ gateway: ${JSON.stringify(PUSH_DOMAIN)}, subscribe: async () => subscription });
    })()`);
    await page.closeLast();
    const total: number[] = [];
    const fromService: number[] = [];
    for (let i = 0; i < runs; i++) {
      const body = `push bench ${i}`;
      const received = gateway.events.filter((e) => e.type === 'received').length;
      await bob.say(fx.jid('alice'), body);
      const delivery = await service.next(sub.id, i);
      const published = (await until(() => gateway.events.filter((e) => e.type === 'received')[received])).at;
      await driver.deliverPush(origin, delivery.text);
      const shown = await until(async () => (await driver.notifications(origin)).find((n) => n.body === body), { timeout: 30_000, what: 'notification' });
      total.push(shown.timestamp - published);
      fromService.push(shown.timestamp - delivery.at);
    }
    console.log(`bench: push, server publish → notification shown (every tab closed; login + archive catch-up in the Service Worker): ${fmt(total)}`);
    console.log(`bench: push, of which push service receipt → notification shown: ${fmt(fromService)}`);
    await bob.stop();
    await driver.close();
  } finally {
    await profile.close();
    await gateway.stop();
    await service.close();
    await fx.dispose();
  }
}
