/**
 * `PARLEY_BENCH_ONLY=compare npm run bench`: issue 13's figures side by side, Parley and Converse.js
 * (the released npm package, a devDependency used only here, served from node_modules) in the same
 * headless Chromium on the same embedded Prosody 13, in alternating rounds (Parley, Converse.js,
 * Parley, …) so the machine's noise falls on both, plus the limit (a bare @xmpp/client in Node doing
 * only the protocol work) where one exists. Prints a table and writes bench/results.json; a figure
 * that could not be measured is listed with the reason. The history figures (2, 3, 7) are in
 * bench-compare-history.ts, the room (8b) in bench-compare-room.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { xml } from '@xmpp/client';
import { component } from '@xmpp/component';
import type { CDPSession, Page } from 'puppeteer-core';
import { launch, type Profile } from '../test/harness/browser.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../test/harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';
import { history, longRun } from './bench-compare-history.js';
import { roomSideBySide } from './bench-compare-room.js';

const ROUNDS = Number(process.env.PARLEY_BENCH_ROUNDS ?? 3);
const LATENCY_MESSAGES = Number(process.env.PARLEY_BENCH_LATENCY ?? 500);

/** One client under test: how to give it credentials, and where it shows what we wait for. */
export interface Client {
  name: 'Parley' | 'Converse.js';
  /** The page to navigate to for `user`; `settings` are Converse.js's (initialize options), ignored by Parley. */
  url(fx: Fixture, user: string, settings?: Record<string, unknown>): string;
  /** Page script run as the page loads: gives the credentials (Converse.js takes them from its URL). */
  credentials(jid: string): string;
  /** CSS selector of the roster entry for `jid` (searched through shadow roots). */
  contact(jid: string): string;
  /** CSS selector of a message body in the open conversation. */
  body: string;
  /** CSS selector of what to click in the roster entry for `jid` to open that conversation. */
  opener(jid: string): string;
  /** Opens the conversation with `jid` and returns once it shows. */
  open(page: Page, jid: string): Promise<void>;
}

export const parley: Client = {
  name: 'Parley',
  url: (fx) => fx.url,
  // The login form, filled and submitted from inside the page the moment it renders: no
  // round trips to puppeteer inside the measured time.
  credentials: (jid) => `const LOGIN_FORM = 'form:has(input[name="password"])';
    window.__whenShown(LOGIN_FORM, null).then(() => {
      const form = window.__deepQuery(LOGIN_FORM);
      form.querySelector('input[name="jid"]').value = ${JSON.stringify(jid)};
      form.querySelector('input[name="password"]').value = ${JSON.stringify(PASSWORD)};
      form.requestSubmit();
    });`,
  // Selectors match inside one shadow root (the watcher looks in each).
  contact: (jid) => `li.contact-row[data-jid="${jid}"]`,
  body: 'li.message .body',
  opener: (jid) => `li.contact-row[data-jid="${jid}"] button.contact`,
  async open(page, jid) {
    await page.click(`parley-client >>> parley-roster >>> li[data-jid="${jid}"] button.contact`);
    await until(async () => (await page.$eval('parley-client >>> parley-conversation', (el) => el.getAttribute('aria-label'))) === `Conversation with ${jid}`, { what: 'Parley conversation open' });
  },
};

export const converse: Client = {
  name: 'Converse.js',
  // The fragment is never sent to the server; the bench page hands it to converse.initialize.
  url: (fx, user, settings) =>
    `${fx.url}converse-page/#${new URLSearchParams({ jid: fx.jid(user), password: PASSWORD, ...(settings ? { settings: JSON.stringify(settings) } : {}) })}`,
  credentials: () => '',
  contact: (jid) => `converse-roster-contact a.open-chat[data-jid="${jid}"]`,
  body: 'converse-chat-message-body.chat-msg__text',
  opener: (jid) => `converse-roster-contact a.open-chat[data-jid="${jid}"]`,
  async open(page, jid) {
    await page.click(`converse-roster-contact a.open-chat[data-jid="${jid}"]`);
    await page.waitForSelector('textarea.chat-textarea', { timeout: 15_000 });
  },
};

export const CLIENTS = [parley, converse];

/**
 * Page script installed before any of the page's own: every shadow root is watched by one
 * MutationObserver with the document, so `__whenShown(selector, text)` resolves (with the wall
 * clock, `performance.timeOrigin + performance.now()`, comparable with Node's) in the very task
 * that puts a matching element (with exactly that text, if given) into the DOM, without polling.
 */
export const WATCHER = `(() => {
  const roots = new Set();
  const waiting = [];
  const now = () => performance.timeOrigin + performance.now();
  const matches = (el, w) => el.matches(w.selector) && (w.text === null || el.textContent === w.text);
  const find = (root, w) => {
    for (const el of root.querySelectorAll(w.selector)) if (matches(el, w)) return el;
    return null;
  };
  // Shadow roots of elements gone from the page are let go: kept, they would hold every row a
  // conversation ever dropped, and the long run would weigh the watcher, not the client.
  const live = () => {
    for (const root of roots) if (!root.host.isConnected) roots.delete(root);
    return [document, ...roots];
  };
  window.__deepQuery = (selector) => {
    for (const root of live()) { const el = root.querySelector(selector); if (el) return el; }
    return null;
  };
  const anywhere = (w) => live().some((root) => find(root, w));
  const settle = (i, t) => { const [w] = waiting.splice(i, 1); w.resolve(t); };
  // Only what a mutation touched is looked at: a conversation of thousands is not searched per message.
  const touched = (records, w) => {
    for (const r of records) {
      const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (target) {
        const host = target.closest(w.selector);
        if (host && matches(host, w)) return true;
      }
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (matches(n, w) || find(n, w)) return true;
      }
    }
    return false;
  };
  const observer = new MutationObserver((records) => {
    const t = now();
    for (let i = waiting.length - 1; i >= 0; i--) if (touched(records, waiting[i])) settle(i, t);
  });
  const watch = (root) => observer.observe(root, { childList: true, subtree: true, characterData: true, attributes: true });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    roots.add(root);
    watch(root);
    return root;
  };
  watch(document);
  // The longest main-thread task since the document started (what a user feels as a freeze).
  window.__longestTask = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longestTask = Math.max(window.__longestTask, e.duration);
  }).observe({ type: 'longtask', buffered: true });
  // Bounded: what never shows fails the figure after 120 s, naming what it waited for.
  window.__whenShown = (selector, text) => new Promise((resolve, reject) => {
    const w = { selector, text, resolve };
    if (anywhere(w)) return resolve(now());
    waiting.push(w);
    setTimeout(() => {
      const i = waiting.indexOf(w);
      if (i >= 0) { waiting.splice(i, 1); reject(new Error('not shown in 120 s: ' + selector + (text === null ? '' : ' with text ' + JSON.stringify(text)))); }
    }, 120000);
  });
})();`;

export interface Row {
  figure: string;
  unit: string;
  /** Samples per client, over rounds. */
  parley: number[];
  converse: number[];
  limit?: number[];
  /** Why the whole row could not be measured. */
  missing?: string;
  /** Why a client has no samples. */
  failed?: Partial<Record<Client['name'], string>>;
}

export const rows: Row[] = [];

/** Beside the demo: the converse.js package's files and the bench's page for it. */
export const CONVERSE_MOUNTS = { '/converse/': 'node_modules/converse.js/dist', '/converse-page/': 'bench/converse' };

export async function compare(): Promise<void> {
  const started = Date.now();
  const load = [loadavg()];
  await mkdir('.tmp', { recursive: true }); // the screenshots of each client's login (and of a failed one)
  if (['1', '4', '5', '6'].some(wanted)) await loggedInFigures(load);
  if (wanted('8')) await bigRoster();
  load.push(loadavg());
  if (wanted('2') || wanted('3')) await history({ firstLogin: wanted('3'), catchUp: wanted('3'), coldOpen: wanted('2') });
  load.push(loadavg());
  if (wanted('7')) await longRun();
  load.push(loadavg());
  if (wanted('8b')) await roomSideBySide();
  load.push(loadavg());
  for (const figure of NOT_MEASURED) rows.push({ figure: figure[0], unit: '', parley: [], converse: [], missing: figure[1] });
  await report(load, Date.now() - started);
}

/** Figures (1), (4), (5) and (6), on one server with alice, bob, carol and dave. */
async function loggedInFigures(load: number[][]): Promise<void> {
  const fx = await setup(['alice', 'bob', 'carol', 'dave'], { mounts: CONVERSE_MOUNTS, foreign: ['/converse-page/'] });
  try {
    // Parley is alice and Converse.js carol where both are open at once; each has bob as a contact.
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    await befriend(fx.server, ['carol', PASSWORD], ['bob', PASSWORD]);
    if (wanted('1') || wanted('6')) await freshLogin(fx);
    load.push(loadavg());
    if (wanted('4')) await latency(fx);
    load.push(loadavg());
    if (wanted('5')) await tabs(fx);
    load.push(loadavg());
  } finally {
    await fx.dispose();
  }
}

/**
 * `PARLEY_BENCH_FIGURES=2,3` runs only those of issue 13's figures (1, 2, 3, 4, 5, 6, 7, 8, 8b; 1
 * and 6 come from the same logins): development runs stay short. Such a partial run does not
 * overwrite bench/results.json (it writes .tmp/bench-results-partial.json).
 */
const FIGURES = process.env.PARLEY_BENCH_FIGURES?.split(',').map((f) => f.trim()).filter(Boolean);
const wanted = (figure: string) => !FIGURES || FIGURES.includes(figure);

/** Figures of issue 13 this bench does not measure yet, with the reason, so none is left out silently. */
const NOT_MEASURED: [string, string][] = [];

/** A fresh profile with one page, its CDP Network events counted from before navigation. */
export async function freshPage(client: Client, jid: string): Promise<{ profile: Profile; page: Page; traffic: Traffic }> {
  const profile = await launch();
  const page = await profile.browser.newPage();
  await page.evaluateOnNewDocument(WATCHER);
  const script = client.credentials(jid);
  if (script) await page.evaluateOnNewDocument(`document.addEventListener('DOMContentLoaded', () => { ${script} });`);
  const traffic = await countTraffic(profile, page);
  return { profile, page, traffic };
}

interface Traffic {
  /** Bytes received over HTTP (encoded, headers included) and over WebSockets both ways (payload), every target. */
  http: number;
  ws: number;
  /** Every URL the page and its shared or dedicated workers fetched over HTTP (not a service worker's). */
  urls: Set<string>;
}

/**
 * CDP Network events of the page and of every worker the profile starts (Parley's connection lives
 * in a SharedWorker, which the page's own session does not see). A service worker's fetches (Parley
 * precaches its files for offline use) count as bytes moved but not as what the chat needs to show.
 */
async function countTraffic(profile: Profile, page: Page): Promise<Traffic> {
  const traffic: Traffic = { http: 0, ws: 0, urls: new Set() };
  const follow = async (session: CDPSession, needed: boolean) => {
    if (needed) session.on('Network.responseReceived', (e) => traffic.urls.add(e.response.url));
    session.on('Network.loadingFinished', (e) => (traffic.http += e.encodedDataLength));
    session.on('Network.webSocketFrameReceived', (e) => (traffic.ws += e.response.payloadData.length));
    session.on('Network.webSocketFrameSent', (e) => (traffic.ws += e.response.payloadData.length));
    await session.send('Network.enable');
  };
  profile.browser.on('targetcreated', async (target) => {
    const type = target.type();
    if (!['shared_worker', 'worker', 'service_worker'].includes(type)) return;
    // The worker's own script was fetched before it could be followed.
    const needed = type !== 'service_worker';
    if (needed) traffic.urls.add(target.url());
    await follow(await target.createCDPSession(), needed).catch(() => undefined);
  });
  await follow(await page.createCDPSession(), true);
  return traffic;
}

/**
 * (1) Fresh login: an empty profile; navigation start → alice's first roster contact (bob) rendered,
 * with the credentials given as soon as the client can take them; the bytes the page and its
 * workers transferred meanwhile. (6) Size: gzip bytes of every file the page loaded to get there.
 */
async function freshLogin(fx: Fixture): Promise<void> {
  const login: Record<string, number[]> = { Parley: [], 'Converse.js': [] };
  const bytes: Record<string, number[]> = { Parley: [], 'Converse.js': [] };
  const size: Record<string, number[]> = { Parley: [], 'Converse.js': [] };
  const longest: Record<string, number[]> = { Parley: [], 'Converse.js': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of CLIENTS) {
      const { profile, page, traffic } = await freshPage(client, fx.jid('alice'));
      try {
        // Recorded in the page, relative to its navigation start (the new document's time origin).
        await page.evaluateOnNewDocument(`window.__whenShown(${JSON.stringify(client.contact(fx.jid('bob')))}, null).then((t) => { window.__shown = t - performance.timeOrigin; });`);
        await page.goto(client.url(fx, 'alice'));
        const shown = await page.waitForFunction('window.__shown', { timeout: 60_000, polling: 100 }).catch(async (err: Error) => {
          await page.screenshot({ path: `.tmp/bench-failed-${client.name}.png` });
          throw err;
        });
        login[client.name]!.push((await shown.jsonValue()) as number);
        longest[client.name]!.push((await page.evaluate('window.__longestTask')) as number);
        bytes[client.name]!.push(traffic.http + traffic.ws);
        size[client.name]!.push(await gzipBytes(traffic.urls));
        if (round === 0) await page.screenshot({ path: `.tmp/bench-${client.name}-login.png` });
      } finally {
        await profile.close();
      }
    }
  }
  rows.push({ figure: '(1) fresh login → first contact rendered', unit: 'ms', parley: login.Parley!, converse: login['Converse.js']! });
  rows.push({ figure: '(1) longest main-thread task until then', unit: 'ms', parley: longest.Parley!, converse: longest['Converse.js']! });
  rows.push({ figure: '(1) bytes moved meanwhile (HTTP + WebSocket, all targets)', unit: 'kB', parley: bytes.Parley!.map(kB), converse: bytes['Converse.js']!.map(kB) });
  rows.push({ figure: '(6) size: gzip -9 of what page + worker loaded', unit: 'kB', parley: size.Parley!.map(kB), converse: size['Converse.js']!.map(kB) });
}

const kB = (n: number) => n / 1000;

/** Gzip (level 9) bytes of each distinct http(s) URL's body, fetched again from the local server. */
async function gzipBytes(urls: Set<string>): Promise<number> {
  let total = 0;
  for (const url of urls) {
    if (!url.startsWith('http://127.0.0.1')) continue;
    const res = await fetch(url);
    if (!res.ok) continue;
    total += gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
  }
  return total;
}

/**
 * (4) Latency: bob, a Node peer, sends LATENCY_MESSAGES messages one at a time; each is timed from
 * the send until its text is in the open conversation's DOM (the page's MutationObserver notes the
 * wall clock). Parley is alice, Converse.js is carol, both logged in and looking at bob; the rounds
 * alternate between them. The limit: the same sends to dave, a bare @xmpp/client in Node, timed to
 * its receipt.
 */
async function latency(fx: Fixture): Promise<void> {
  const bob = await connectPeer(fx.server, 'bob', PASSWORD);
  const dave = await connectPeer(fx.server, 'dave', PASSWORD);
  const open: { client: Client; user: string; profile: Profile; page: Page }[] = [];
  const samples: Record<string, number[]> = { Parley: [], 'Converse.js': [], limit: [] };
  const now = () => performance.timeOrigin + performance.now();
  try {
    for (const [client, user] of [[parley, 'alice'], [converse, 'carol']] as const) {
      const { profile, page } = await freshPage(client, fx.jid(user));
      open.push({ client, user, profile, page });
      await page.goto(client.url(fx, user));
      await page.evaluate(`window.__whenShown(${JSON.stringify(client.contact(fx.jid('bob')))}, null)`);
      await client.open(page, fx.jid('bob'));
    }
    let n = 0;
    const perRound = Math.ceil(LATENCY_MESSAGES / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const { client, user, page } of open) {
        for (let i = 0; i < perRound; i++) {
          const body = `latency ${++n}: the quick brown fox jumps over the lazy dog`;
          // The comma: evaluate would await the promise itself, before bob sends.
          await page.evaluate(`window.__pending = window.__whenShown(${JSON.stringify(client.body)}, ${JSON.stringify(body)}), undefined`);
          const t0 = now();
          await bob.say(fx.jid(user), body);
          samples[client.name]!.push(((await page.evaluate('window.__pending')) as number) - t0);
        }
      }
      for (let i = 0; i < perRound; i++) {
        const body = `latency ${++n}: the quick brown fox jumps over the lazy dog`;
        const got = received(dave, body);
        const t0 = now();
        await bob.say(fx.jid('dave'), body);
        samples.limit!.push((await got) - t0);
      }
    }
  } catch (err) {
    for (const { client, page } of open) await page.screenshot({ path: `.tmp/bench-failed-latency-${client.name}.png` }).catch(() => undefined);
    throw err;
  } finally {
    for (const { profile } of open) await profile.close();
    await bob.stop();
    await dave.stop();
  }
  const p = (q: number) => (xs: number[]) => [percentile(xs, q)];
  for (const [label, q] of [['p50', 0.5], ['p99', 0.99]] as const) {
    rows.push({
      figure: `(4) latency send → rendered, ${label} of ${LATENCY_MESSAGES}`,
      unit: 'ms',
      parley: p(q)(samples.Parley!),
      converse: p(q)(samples['Converse.js']!),
      limit: p(q)(samples.limit!),
    });
  }
}

/** `promise`, or a rejection with `why` after `ms`. */
export function within<T>(ms: number, promise: Promise<T>, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Resolves with the wall clock at which `peer` receives a message with this body. */
function received(peer: Peer, body: string): Promise<number> {
  return new Promise((ok) => {
    const on = (el: { name: string; getChildText(n: string): string | null }) => {
      if (el.name !== 'message' || el.getChildText('body') !== body) return;
      peer.xmpp.removeListener('stanza', on);
      ok(performance.timeOrigin + performance.now());
    };
    peer.xmpp.on('stanza', on);
  });
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const median = (xs: number[]) => percentile(xs, 0.5);

/** Prints the table and writes bench/results.json. */
async function report(load: number[][], ms: number): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  const loads = load.map((l) => l.map((x) => x.toFixed(2)).join(' '));
  const fmt = (xs: number[] | undefined) => {
    if (!xs?.length) return '—';
    return xs.length === 1 ? xs[0]!.toFixed(1) : `${median(xs).toFixed(1)} (min ${Math.min(...xs).toFixed(1)})`;
  };
  const lines = [
    '| figure | unit | Parley | Converse.js | limit | Converse.js / Parley |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      if (r.missing) return `| ${r.figure} | | not measured: ${r.missing} | not measured | | |`;
      const cell = (xs: number[], why: string | undefined) => (xs.length ? fmt(xs) : `not measured: ${why ?? 'no samples'}`);
      const ratio = r.parley.length && r.converse.length && median(r.parley) > 0 ? `${(median(r.converse) / median(r.parley)).toFixed(2)}×` : '—';
      return `| ${r.figure} | ${r.unit} | ${cell(r.parley, r.failed?.Parley)} | ${cell(r.converse, r.failed?.['Converse.js'])} | ${fmt(r.limit)} | ${ratio} |`;
    }),
  ];
  console.log(`\nbench compare: ${ROUNDS} rounds alternating, ${new Date().toISOString()}, ${machine}`);
  console.log(`load average (1/5/15 min) at start, then after each figure: ${loads.join(' → ')}`);
  console.log('cells: median (min) over rounds; latency cells are percentiles over all messages\n');
  console.log(lines.join('\n'));
  console.log(`\nbench compare took ${(ms / 1000).toFixed(0)} s`);
  await mkdir('bench', { recursive: true });
  await writeFile(
    FIGURES ? '.tmp/bench-results-partial.json' : 'bench/results.json',
    `${JSON.stringify({ date: new Date().toISOString(), machine, rounds: ROUNDS, loadavg: load, converse: '14.0.0', server: 'Prosody 13', rows }, null, 2)}\n`,
  );
}

const TAB_COUNTS = [1, 5, 10];

/**
 * (5) Tabs: one profile per client, logged in in its first tab, then more tabs of the same page up to
 * 1, 5 and 10, each counted once it shows bob in the roster. At each count: the account's server
 * sessions (hibernating ones left out), the PSS of every browser process, and the JS heap of every
 * page and worker after a garbage collection. One round: memory is not what the machine's load moves.
 */
async function tabs(fx: Fixture): Promise<void> {
  for (const [client, user] of [[parley, 'alice'], [converse, 'carol']] as const) {
    const { profile, page } = await freshPage(client, fx.jid(user));
    const pages = [page];
    const contact = JSON.stringify(client.contact(fx.jid('bob')));
    try {
      await page.goto(client.url(fx, user));
      await page.evaluate(`window.__whenShown(${contact}, null)`);
      for (const count of TAB_COUNTS) {
        while (pages.length < count) {
          const tab = await profile.browser.newPage();
          await tab.evaluateOnNewDocument(WATCHER);
          await tab.goto(client.url(fx, user));
          await tab.evaluate(`window.__whenShown(${contact}, null)`);
          pages.push(tab);
        }
        const sessions = (await prosodyOf(fx).sessions(user, { hibernating: false })).length;
        const heap = await jsHeap(profile);
        const pss = await browserPss(profile);
        const push = (figure: string, unit: string, value: number) => {
          let row = rows.find((r) => r.figure === figure);
          if (!row) rows.push((row = { figure, unit, parley: [], converse: [] }));
          (client === parley ? row.parley : row.converse).push(value);
        };
        push(`(5) ${count} tab${count > 1 ? 's' : ''}: server sessions`, '', sessions);
        push(`(5) ${count} tab${count > 1 ? 's' : ''}: JS heap, pages + workers`, 'MiB', heap / 2 ** 20);
        push(`(5) ${count} tab${count > 1 ? 's' : ''}: browser PSS, all processes`, 'MiB', pss / 2 ** 20);
      }
    } finally {
      await profile.close();
    }
  }
}

/** Used JS heap of every page and worker of the profile, each after a garbage collection; `by` gets it per kind of target. */
export async function jsHeap(profile: Profile, by?: Map<string, number>): Promise<number> {
  let total = 0;
  for (const target of profile.browser.targets()) {
    if (!['page', 'shared_worker', 'worker', 'service_worker'].includes(target.type())) continue;
    const session = await target.createCDPSession();
    try {
      await session.send('HeapProfiler.collectGarbage');
      const used = (await session.send('Runtime.getHeapUsage')).usedSize;
      total += used;
      by?.set(target.type(), (by.get(target.type()) ?? 0) + used);
    } finally {
      await session.detach().catch(() => undefined);
    }
  }
  return total;
}

/** Proportional set size (bytes) of the browser's process and all its descendants (Linux /proc). */
async function browserPss(profile: Profile): Promise<number> {
  const root = profile.browser.process()?.pid;
  if (!root) throw new Error('no browser process');
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // Field 4 of stat, after the parenthesised command (which may hold spaces).
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parent.set(Number(name), ppid);
  }
  const within = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!within(pid)) continue;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
  }
  return total;
}

const CONTACTS = Number(process.env.PARLEY_BENCH_CONTACTS ?? 2000);
const ONLINE = Number(process.env.PARLEY_BENCH_ONLINE ?? 300);
const CROWD = 'crowd.localhost';
/** How long 300 presences may take to show: Converse.js 14's page stopped answering for minutes. */
const BUSY_BOUND = Number(process.env.PARLEY_BENCH_BUSY_S ?? 60) * 1000;
/** Fewer rounds than the other figures: one takes a minute or more per client on two cores. */
const BIG_ROUNDS = Number(process.env.PARLEY_BENCH_BIG_ROUNDS ?? 1);

/**
 * (8) Big lists: an account with CONTACTS contacts (written into the server's roster store), each
 * `guestN@crowd.localhost`, a domain one XEP-0114 component speaks for, so probes go nowhere and the
 * presences are real stanzas without thousands of connections. Per round and client, an empty
 * profile: navigation → all contacts listed (see `listed`); then ONLINE of them come online (the
 * component sends their presences at once, the first contact's last) → the first contact shown
 * online; the longest main-thread task over it all, and the JS heap of the page and its workers
 * after a GC.
 */
async function bigRoster(): Promise<void> {
  const secret = randomBytes(16).toString('hex');
  const fx = await setup(['erin', 'frank'], { push: { domain: CROWD, secret }, mounts: CONVERSE_MOUNTS, foreign: ['/converse-page/'] });
  const crowd = component({ service: `xmpp://127.0.0.1:${fx.server.componentPort}`, domain: CROWD, password: secret });
  crowd.on('error', () => undefined);
  const guest = (i: number) => `guest${i}@${CROWD}`;
  // Parley draws only the rows near the screen, each telling the list's size: the whole roster is
  // listed once one says CONTACTS. Converse.js draws every row: once the last one added is there.
  const listed: Record<string, string> = {
    Parley: `li.contact-row[aria-setsize="${CONTACTS}"]`,
    'Converse.js': converse.contact(guest(CONTACTS)),
  };
  const online: Record<string, (jid: string) => string> = {
    Parley: (jid) => `li.contact-row[data-jid="${jid}"] .dot[data-online]`,
    'Converse.js': (jid) => `li[data-status="online"] a.open-chat[data-jid="${jid}"]`,
  };
  const samples = { shown: new Map<string, number[]>(), online: new Map<string, number[]>(), longest: new Map<string, number[]>(), heap: new Map<string, number[]>() };
  const add = (m: Map<string, number[]>, name: string, v: number) => m.set(name, [...(m.get(name) ?? []), v]);
  const failed: Row['failed'] = {};
  try {
    await crowd.start();
    const prosody = prosodyOf(fx);
    for (const user of ['erin', 'frank']) {
      const out = await prosody.eval(`local rm = require "core.rostermanager"; local r = rm.load_roster("${user}", "${fx.server.host}");
        for i = 1, ${CONTACTS} do r["guest" .. i .. "@${CROWD}"] = { subscription = "both", groups = {} } end;
        return rm.save_roster("${user}", "${fx.server.host}", r) and "saved" or "failed"`.replace(/\n\s*/g, ' '));
      if (!/saved/.test(out)) throw new Error(`roster not written: ${out}`);
    }
    for (let round = 0; round < BIG_ROUNDS; round++) {
      for (const [client, user] of [[parley, 'erin'], [converse, 'frank']] as const) {
        if (failed[client.name]) continue;
        const { profile, page } = await freshPage(client, fx.jid(user));
        try {
          await page.evaluateOnNewDocument(`window.__whenShown(${JSON.stringify(listed[client.name])}, null).then((t) => { window.__shown = t - performance.timeOrigin; });`);
          await page.goto(client.url(fx, user));
          add(samples.shown, client.name, (await (await page.waitForFunction('window.__shown', { timeout: 120_000, polling: 100 })).jsonValue()) as number);
          // Last comes the first contact, the top row: in view on either client.
          await page.evaluate(`window.__pending = window.__whenShown(${JSON.stringify(online[client.name]!(guest(1)))}, null), undefined`);
          const t0 = performance.timeOrigin + performance.now();
          for (let i = ONLINE; i >= 1; i--) await crowd.send(xml('presence', { from: `${guest(i)}/bench`, to: fx.jid(user) }));
          // A page busy for longer than the in-page bound cannot even time out: bounded here too.
          add(samples.online, client.name, ((await within(BUSY_BOUND, page.evaluate('window.__pending'), `page busy, no answer in ${BUSY_BOUND / 1000} s`)) as number) - t0);
          add(samples.longest, client.name, (await page.evaluate('window.__longestTask')) as number);
          add(samples.heap, client.name, (await jsHeap(profile)) / 2 ** 20);
        } catch (err) {
          // Printed in the table instead of samples; that client's later rounds are skipped.
          failed[client.name] = `${(err as Error).message.split('\n')[0]} (round ${round + 1})`;
          // A page that stopped answering also holds up a polite browser close for minutes.
          profile.browser.process()?.kill('SIGKILL');
        } finally {
          await profile.close();
        }
      }
    }
  } finally {
    await crowd.stop().catch(() => undefined);
    await fx.dispose();
  }
  const row = (figure: string, unit: string, m: Map<string, number[]>) =>
    rows.push({ figure, unit, parley: m.get('Parley') ?? [], converse: m.get('Converse.js') ?? [], failed });
  row(`(8) ${CONTACTS} contacts: fresh login → all listed`, 'ms', samples.shown);
  row(`(8) then ${ONLINE} come online → the last shown online`, 'ms', samples.online);
  row('(8) longest main-thread task over both', 'ms', samples.longest);
  row('(8) JS heap after, page + workers', 'MiB', samples.heap);
}
