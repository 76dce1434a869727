/** The page origin's Service Worker in real Chromium, through the DevTools protocol. */
import type { CDPSession, Page, WebWorker } from 'puppeteer-core';
import type { Profile } from './browser.js';
import { until } from './wait.js';

export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  /** When the Service Worker showed it (ms since the epoch). */
  timestamp: number;
  data: unknown;
}

/**
 * A tab of another origin (about:blank) holding a DevTools session: it delivers push messages
 * (`ServiceWorker.deliverPushMessage` fires a real `push` event) and reads the Service Worker,
 * while no tab of the app is open.
 */
export class ServiceWorkerDriver {
  readonly logs: string[] = [];
  private registrations = new Map<string, string>(); // scope URL → registration id
  private worker: WebWorker | undefined;

  private constructor(readonly profile: Profile, private readonly page: Page, private readonly cdp: CDPSession) {}

  static async open(profile: Profile, origin: string): Promise<ServiceWorkerDriver> {
    await profile.browser.defaultBrowserContext().setPermission(origin, { permission: { name: 'notifications' }, state: 'granted' });
    const page = await profile.browser.newPage();
    const cdp = await page.createCDPSession();
    const driver = new ServiceWorkerDriver(profile, page, cdp);
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      for (const r of registrations) {
        if (r.isDeleted) driver.registrations.delete(r.scopeURL);
        else driver.registrations.set(r.scopeURL, r.registrationId);
      }
    });
    await cdp.send('ServiceWorker.enable');
    return driver;
  }

  /** The running Service Worker of `origin` (started if need be by a push), with its console kept. */
  async serviceWorker(origin: string): Promise<WebWorker> {
    const target = await this.profile.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(origin), { timeout: 15_000 });
    const worker = (await target.worker())!;
    if (worker !== this.worker) {
      this.worker = worker;
      worker.on('console', (m) => {
        this.logs.push(m.text());
        if (process.env.PARLEY_DEBUG) console.log(`[sw] ${m.text()}`);
      });
    }
    return worker;
  }

  /** Fires a `push` event with `data` in the running Service Worker (started first, so its log is heard from the start). */
  async deliverPush(origin: string, data: string): Promise<void> {
    const [scopeURL, registrationId] = await until(() => [...this.registrations].find(([scope]) => scope.startsWith(origin)), { what: 'a service worker registration' });
    await this.cdp.send('ServiceWorker.startWorker', { scopeURL });
    await this.serviceWorker(origin);
    await this.cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data });
  }

  /** Waits for the Service Worker's log line that matches, after the first `after` such lines. */
  waitForLog(pattern: RegExp, after = 0): Promise<string> {
    return until(() => this.logs.filter((l) => pattern.test(l))[after], { timeout: 30_000, what: `service worker log ${pattern}` });
  }

  async notifications(origin: string): Promise<ShownNotification[]> {
    const worker = await this.serviceWorker(origin);
    return worker.evaluate(async () => {
      const scope = globalThis as unknown as ServiceWorkerGlobalScope;
      const shown = await scope.registration.getNotifications();
      return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, timestamp: (n as Notification & { timestamp: number }).timestamp, data: n.data as unknown }));
    });
  }

  /** Forgets what the origin's pages kept in localStorage (IndexedDB stays), as if none had been open before. */
  async clearLocalStorage(origin: string): Promise<void> {
    await this.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'local_storage' });
  }

  async close(): Promise<void> {
    await this.page.close().catch(() => undefined);
  }
}
