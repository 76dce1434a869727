/** Real headless Chromium driven by puppeteer-core, one profile per simulated person. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/lib/chromium.mjs';
import { until } from './wait.js';

export interface Profile {
  browser: Browser;
  close(): Promise<void>;
}

const WORKER_LOG_LINES = 40;
/** The last lines the workers of every profile logged, oldest first. */
const workerLog: string[] = [];

export async function launch(): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-profile-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, userDataDir: dir, headless: true });
  // The worker's own log (its console), which pages do not see: printed with PARLEY_DEBUG, and its
  // last lines kept for a failure to tell where it stuck.
  browser.on('targetcreated', async (target) => {
    if (!['shared_worker', 'worker', 'service_worker'].includes(target.type())) return;
    (await target.worker().catch(() => null))?.on('console', (m) => {
      if (process.env.PARLEY_DEBUG) console.log(`[worker] ${m.text()}`);
      workerLog.push(`${new Date().toISOString().slice(11, 23)} ${target.type()} ${m.text()}`);
      if (workerLog.length > WORKER_LOG_LINES) workerLog.shift();
    });
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const C = 'parley-client >>> ';

/** What a person sees and does on a page showing <parley-client>. */
export class ClientPage {
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('pageerror', (err) => this.errors.push(String(err)));
    // A dedicated worker (the tab fallback) is the page's own: its log comes through the page.
    if (process.env.PARLEY_DEBUG) page.on('workercreated', (w) => w.on('console', (m) => console.log(`[tab worker] ${m.text()}`)));
    page.on('dialog', (d) => void d.accept());
  }

  /**
   * `sharedWorker: false` makes the page a browser without SharedWorker (as Chrome on Android).
   * `workerUrl` is set as the page's `worker-url` attribute, as a site with its own worker path does.
   * `script` runs in the page before anything of the app does.
   */
  static async open(profile: Profile, url: string, { sharedWorker = true, workerUrl = '', script = '' } = {}): Promise<ClientPage> {
    const page = await profile.browser.newPage();
    // A string, not a function: tsx-compiled functions call a `__name` helper the page lacks.
    if (!sharedWorker) await page.evaluateOnNewDocument('delete window.SharedWorker');
    if (script) await page.evaluateOnNewDocument(script);
    // Before the element upgrades (module scripts run after parsing), as if the page's HTML said so.
    if (workerUrl) {
      await page.evaluateOnNewDocument(`new MutationObserver(() => {
        for (const el of document.querySelectorAll('parley-client:not([worker-url])')) el.setAttribute('worker-url', ${JSON.stringify(workerUrl)});
      }).observe(document, { childList: true, subtree: true });`);
    }
    const client = new ClientPage(page);
    await page.goto(url);
    // `visible` makes puppeteer look again every frame. Its default looks again on the document's own
    // mutations only, never a shadow root's: such a wait ended only when something else changed the
    // document (the title did, on every update, until it was set only when the unread count changed).
    await page.waitForSelector(`${C}header`, { visible: true });
    return client;
  }

  /** A page on which `user` logged in through the form and is online. */
  static async loggedIn(profile: Profile, fx: { url: string; jid(user: string): string }, user: string, password: string): Promise<ClientPage> {
    const page = await ClientPage.open(profile, fx.url);
    await page.login(fx.jid(user), password);
    await page.waitForStatus('Online');
    return page;
  }

  /** Closes this tab, the last one of its profile, and waits until its worker (and so its connection) has ended. */
  async closeLast(): Promise<void> {
    const browser = this.page.browser();
    await this.page.close();
    await until(() => !browser.targets().some((t) => ['shared_worker', 'worker'].includes(t.type())), { what: 'the worker ended' });
  }

  async login(jid: string, password: string): Promise<void> {
    await this.fill(`${C}parley-login >>> input[name="jid"]`, jid);
    await this.fill(`${C}parley-login >>> input[name="password"]`, password);
    await this.click(`${C}parley-login >>> button[type="submit"]`);
  }

  async loginError(): Promise<string> {
    return until(() => this.text(`${C}parley-login >>> [role="alert"]`), { what: 'login error' });
  }

  async status(): Promise<string> {
    return this.text(`${C}[role="status"]`);
  }

  async waitForStatus(prefix: string, timeout = 15_000): Promise<string> {
    let last = '';
    try {
      return await until(async () => ((last = await this.status()).startsWith(prefix) ? last : ''), { timeout, what: `status "${prefix}"` });
    } catch (err) {
      // What the user saw instead says where it stuck (connecting, waiting for another tab, an error),
      // and the workers' last lines say why.
      throw new Error(`${(err as Error).message} (the page showed "${last}"); the workers' last log lines:\n${workerLog.join('\n')}`);
    }
  }

  async hasLoginForm(): Promise<boolean> {
    return (await this.page.$(`${C}parley-login`)) !== null;
  }

  async addContact(jid: string): Promise<void> {
    await this.fill(`${C}parley-roster >>> input[name="jid"]`, jid);
    await this.click(`${C}parley-roster >>> form button[type="submit"]`);
  }

  async approve(jid: string): Promise<void> {
    await this.click(`${C}parley-roster >>> button[aria-label="Approve ${jid}"]`);
  }

  async deny(jid: string): Promise<void> {
    await this.click(`${C}parley-roster >>> button[aria-label="Deny ${jid}"]`);
  }

  async removeContact(jid: string): Promise<void> {
    await this.click(`${C}parley-roster >>> button[aria-label="Remove ${jid}"]`);
  }

  /** Pending contact requests as shown. */
  async requests(): Promise<string[]> {
    return this.page.$$eval(`${C}parley-roster >>> li.request .address`, (els) => els.map((e) => e.textContent ?? ''));
  }

  async choosePresence(label: string): Promise<void> {
    await this.page.bringToFront();
    const select = await this.page.waitForSelector(`${C}header select`, { visible: true });
    const value = await select!.evaluate((s, l) => [...(s as HTMLSelectElement).options].find((o) => o.text === l)?.value, label);
    if (value === undefined) throw new Error(`no presence option "${label}"`);
    await select!.select(value);
  }

  /** Calls the page's Parley API directly, for commands the elements do not offer. */
  async api<T>(command: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate(
      async (url, cmd, argv) => {
        // The page's own module instance, so this is the page's connection to the worker.
        const { parley } = (await import(url)) as typeof import('../../src/parley.js');
        const api = parley().api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        return api[cmd]!(...argv);
      },
      '/dist/parley.js',
      command,
      args,
    ) as Promise<T>;
  }

  /** Contacts as shown: jid → presence text. */
  async contacts(): Promise<Record<string, string>> {
    return this.page.$$eval(`${C}parley-roster >>> li.contact-row`, (rows) =>
      Object.fromEntries(rows.map((r) => [r.getAttribute('data-jid'), r.querySelector('.presence')?.textContent?.trim() ?? ''])),
    );
  }

  async open(jid: string): Promise<void> {
    const shown = async () => (await this.page.$eval(`${C}parley-conversation`, (el) => el.getAttribute('aria-label'))) === `Conversation with ${jid}`;
    // The roster sorts by presence: a contact going on- or offline between finding the row and the
    // click moves another row under the pointer. A person then clicks again; so does this.
    for (let attempt = 1; ; attempt++) {
      await this.click(`${C}parley-roster >>> li[data-jid="${jid}"] button.contact`);
      try {
        await until(shown, { timeout: attempt < 3 ? 3000 : 10_000, what: `conversation with ${jid} open` });
        return;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }

  /** Types into the composer without sending. */
  async draft(text: string): Promise<void> {
    await this.fill(`${C}parley-composer >>> textarea`, text);
  }

  /** The "… is typing" line of the open conversation ('' when nobody is). */
  async typing(): Promise<string> {
    return this.text(`${C}parley-conversation >>> .typing`);
  }

  async type(text: string): Promise<void> {
    await this.fill(`${C}parley-composer >>> textarea`, text);
    await this.page.keyboard.press('Enter');
  }

  /** Scrolls the conversation to its top, as a person reading back does, and waits for older messages. */
  async scrollToOlder(timeout = 15_000): Promise<void> {
    const before = (await this.messages()).length;
    await this.page.$eval(`${C}parley-conversation`, (el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await until(async () => (await this.messages()).length > before, { timeout, what: 'older messages shown' });
  }

  /** Message bodies shown in the open conversation, in order. */
  async messages(): Promise<string[]> {
    return this.page.$$eval(`${C}parley-conversation >>> li.message .body`, (els) => els.map((e) => e.textContent ?? ''));
  }

  waitForMessages(count: number, timeout = 15_000): Promise<string[]> {
    return until(async () => {
      const m = await this.messages();
      return m.length >= count ? m : undefined;
    }, { timeout, what: `${count} messages shown` });
  }

  /** Turns push on through the page's API with `gateway`, `subscription` standing for the browser's; returns the push state after. */
  async enablePush(gateway: string, subscription: { endpoint: string; keys: unknown }): Promise<string> {
    // A string: tsx-compiled functions call a `__name` helper the page lacks.
    return (await this.page.evaluate(`(async () => {
      const { parley } = await import('/dist/parley.js');
      const subscription = ${JSON.stringify({ endpoint: subscription.endpoint, keys: subscription.keys })};
      await parley().push.enable({ gateway: ${JSON.stringify(gateway)}, subscribe: async () => subscription });
      return parley().push.state();
    })()`)) as string;
  }

  /** Everything the page's origin keeps in IndexedDB, store by store, as JSON text. */
  async storedText(): Promise<string> {
    return this.page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open('parley');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      const out: Record<string, unknown[]> = {};
      for (const name of Array.from(db.objectStoreNames)) {
        out[name] = await new Promise<unknown[]>((ok) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => ok(r.result);
        });
      }
      db.close();
      return JSON.stringify(out);
    });
  }

  /** One record of a store in IndexedDB (`rooms`, `bookmarks`, `invitations`…), as stored. */
  async record<T>(store: string, key: string): Promise<T | undefined> {
    return this.page.evaluate(async (name, k) => {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open('parley');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      const found = await new Promise<unknown>((ok) => {
        const r = db.transaction(name).objectStore(name).get(k);
        r.onsuccess = () => ok(r.result);
      });
      db.close();
      return found;
    }, store, key) as Promise<T | undefined>;
  }

  /** Messages of a conversation as stored in IndexedDB, in display order. */
  async stored(conversation: string): Promise<{ key: string; id?: string; body: string; direction: string; state: string; stanzaId?: string }[]> {
    return this.page.evaluate(async (jid) => {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open('parley');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      const range = IDBKeyRange.bound([jid, -Infinity], [jid, Infinity]);
      const all = await new Promise<{ key: string; id?: string; body: string; direction: string; state: string; stanzaId?: string }[]>((ok) => {
        const r = db.transaction('messages').objectStore('messages').index('byConversation').getAll(range);
        r.onsuccess = () => ok(r.result);
      });
      db.close();
      return all.map(({ key, id, body, direction, state, stanzaId }) => ({ key, body, direction, state, ...(id ? { id } : {}), ...(stanzaId ? { stanzaId } : {}) }));
    }, conversation);
  }

  /** Clicks like a person: waits until the control is shown, then presses it. */
  async click(selector: string): Promise<void> {
    // A person looks at the tab they use; background tabs get no animation frames to click in.
    await this.page.bringToFront();
    const el = await this.page.waitForSelector(selector, { visible: true, timeout: 15_000 });
    await el!.click();
  }

  async fill(selector: string, value: string): Promise<void> {
    await this.page.bringToFront();
    const el = await this.page.waitForSelector(selector, { visible: true, timeout: 15_000 });
    await el!.click({ count: 3 });
    await el!.type(value);
  }

  private async text(selector: string): Promise<string> {
    const el = await this.page.$(selector);
    return el ? ((await el.evaluate((e) => e.textContent)) ?? '').trim() : '';
  }
}
