/**
 * Issue 13's history figures side by side (see bench-compare.ts for the clients and the page
 * watcher): (3) the first login's time to the newest message and the catch-up of STORED archived
 * messages after an absence, (2) the cold open of a conversation of STORED stored messages, and
 * (7) the JS heap over a long run of LONG live messages through one open conversation.
 *
 * "Stored" is each client's own IndexedDB: Parley's `messages` records of the conversation (the
 * worker writes them), Converse.js's records of that chat's message collection in its persistent
 * store (`converse.messages-<peer>-<me>-<id>` keys of the `converse-persistent` database; a gap
 * placeholder it adds counts as one). Counted from a tab of the same origin that is not the app, so
 * the polling is not on the measured page's main thread.
 */
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { Page } from 'puppeteer-core';
import { launch, type Profile } from '../test/harness/browser.js';
import { fillArchive } from '../test/harness/archive.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../test/harness/fixture.js';
import { befriend, connectPeer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';
import { buildQuery, NS_MAM, PAGE_SIZE, parseFin } from '../src/worker/mam.js';
import { converse, CONVERSE_MOUNTS, jsHeap, parley, rows, WATCHER, within, type Client, type Row } from './bench-compare.js';

const STORED = Number(process.env.PARLEY_BENCH_STORED ?? 10_000);
/** Rounds of the history figures: each is a first login, an absence and cold opens per client. */
const HISTORY_ROUNDS = Number(process.env.PARLEY_BENCH_HISTORY_ROUNDS ?? 1);
/** Cold opens per client and round (each its own sample): the median of a few moves with the load. */
const COLD_RUNS = Number(process.env.PARLEY_BENCH_COLD_RUNS ?? 7);
/** How long a client may take to store the catch-up before the figure says how far it got. */
const CATCH_UP_BOUND = Number(process.env.PARLEY_BENCH_CATCH_UP_S ?? 300) * 1000;
const LONG = Number(process.env.PARLEY_BENCH_LONG ?? 50_000);
/** The long run's heap is sampled after every LONG_EVERY messages. */
const LONG_EVERY = Number(process.env.PARLEY_BENCH_LONG_EVERY ?? Math.max(1, Math.floor(LONG / 5)));
/** Messages sent per window before waiting for the last to be rendered: the server's stream management queue (500) stays short. */
const LONG_WINDOW = Number(process.env.PARLEY_BENCH_LONG_WINDOW ?? 200);
/** Time each client gets for the long run before it reports where it got to. */
const LONG_BOUND = Number(process.env.PARLEY_BENCH_LONG_S ?? 300) * 1000;
/** Converse.js 14 takes about 10 messages a second here: 50,000 would take over an hour; its heap where it got to is shown. */
const LONG_BOUND_CONVERSE = Number(process.env.PARLEY_BENCH_LONG_CONVERSE_S ?? 120) * 1000;

/**
 * Converse.js 14 after an absence fetches only the newest page of an open chat (50 messages) and
 * leaves a gap placeholder (`mam_request_all_pages: false`, its default). To store every message it
 * must be told to page through all of them; that is how it runs for the catch-up and the cold open.
 */
const CONVERSE_ALL_PAGES = { mam_request_all_pages: true };

/** What Converse.js 14 does instead (seen on the wire, and in its fetchArchivedMessages). */
const CONVERSE_STOPS =
  ' (Converse.js 14 fetches the newest page of 50; its next query, with mam_request_all_pages, has lost its before and start (the RSM object is passed where {rsm, mam} options are expected), so it gets the archive’s oldest page and stops)';

const text = (prefix: string, i: number) => `${prefix} ${i}`;

/** One client's seat in the history figures: its own account and browser profile, and a tab that only counts. */
interface Seat {
  client: Client;
  user: string;
  profile: Profile;
  /** A non-app page of the same origin, for reading the client's IndexedDB. */
  watch: Page;
}

/** An app tab of `seat`'s profile with the watcher installed, before navigating; `credentials` fills the login form (Parley). */
async function appTab(seat: Seat, { credentials = false, script = '' }: { credentials?: boolean; script?: string } = {}): Promise<Page> {
  const page = await seat.profile.browser.newPage();
  await page.evaluateOnNewDocument(WATCHER);
  const login = credentials ? seat.client.credentials(`${seat.user}`) : '';
  if (login || script) await page.evaluateOnNewDocument(`document.addEventListener('DOMContentLoaded', () => { ${login} ${script} });`);
  return page;
}

/** Page script (at DOMContentLoaded): records in `__shown` the ms from navigation start until `body` is rendered. */
function whenRendered(client: Client, body: string): string {
  return `window.__whenShown(${JSON.stringify(client.body)}, ${JSON.stringify(body)}).then((t) => { window.__shown = t - performance.timeOrigin; }, (e) => { window.__shown = String(e); });`;
}

/** Page script: opens the conversation with `jid` the moment its roster entry shows (no round trip to Node). */
function openWhenListed(client: Client, jid: string): string {
  const opener = JSON.stringify(client.opener(jid));
  return `window.__whenShown(${opener}, null).then(() => window.__deepQuery(${opener}).click());`;
}

/** Waits for `__shown` (set by whenRendered) and returns it, or throws what the page reported. */
async function shownAfter(page: Page, ms = 130_000): Promise<number> {
  const value = await (await page.waitForFunction('window.__shown', { timeout: ms, polling: 100 })).jsonValue();
  if (typeof value !== 'number') throw new Error(String(value));
  return value;
}

/**
 * Page script for the watch tab: how many messages of `peer`'s conversation `me`'s client has in
 * its IndexedDB. A database that does not exist yet counts 0 and is not created.
 */
function countScript(client: Client, me: string, peer: string): string {
  const open = `(name) => new Promise((ok) => indexedDB.databases().then((dbs) => {
      if (!dbs.some((d) => d.name === name)) return ok(null);
      const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => ok(null);
    }))`;
  const count =
    client === parley
      ? `const db = await open('parley'); if (!db || !db.objectStoreNames.contains('messages')) { db?.close(); return 0; }
         const q = db.transaction('messages').objectStore('messages').index('byConversation').count(IDBKeyRange.bound([${JSON.stringify(peer)}, -Infinity], [${JSON.stringify(peer)}, Infinity]));`
      : `const db = await open('converse-persistent'); if (!db || !db.objectStoreNames.contains(${JSON.stringify(me)})) { db?.close(); return 0; }
         const prefix = ${JSON.stringify(`converse.messages-${peer}-${me}-`)};
         const q = db.transaction(${JSON.stringify(me)}).objectStore(${JSON.stringify(me)}).count(IDBKeyRange.bound(prefix, prefix + '\\uffff'));`;
  return `(async () => { const open = ${open}; ${count}
    return await new Promise((ok) => { q.onsuccess = () => { db.close(); ok(q.result); }; q.onerror = () => { db.close(); ok(-1); }; }); })()`;
}

async function stored(seat: Seat, peer: string): Promise<number> {
  return (await seat.watch.evaluate(countScript(seat.client, seat.user, peer))) as number;
}

/**
 * Polls the count every 50 ms until it reaches `target`: the watch tab's wall clock then. Or the
 * count reached when `ms` ran out or when it had not grown for STALL_MS (`stalled`).
 */
async function storedBy(seat: Seat, peer: string, target: number, ms: number): Promise<{ at?: number; count: number; stalled?: boolean }> {
  const script = `(async () => ({ count: await ${countScript(seat.client, seat.user, peer)}, at: performance.timeOrigin + performance.now() }))()`;
  const end = Date.now() + ms;
  let count = -1;
  let grew = Date.now();
  while (Date.now() < end) {
    const got = (await seat.watch.evaluate(script)) as { at: number; count: number };
    if (got.count >= target) return got;
    if (got.count !== count) grew = Date.now();
    count = got.count;
    if (Date.now() - grew > STALL_MS) return { count, stalled: true };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { count };
}

/** A catch-up whose count has not grown for this long has stopped. */
const STALL_MS = 30_000;

/** Development runs (PARLEY_BENCH_VERBOSE) say where a figure is. */
const progress = (what: string) => process.env.PARLEY_BENCH_VERBOSE && console.log(`[bench] ${new Date().toISOString().slice(11, 19)} ${what}`);

/** Waits until the count has not changed for a second (bounded), and returns it. */
async function settledCount(seat: Seat, peer: string): Promise<number> {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 120 && same < 4; i++) {
    const n = await stored(seat, peer);
    same = n === last ? same + 1 : 0;
    last = n;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/** Closes an app tab and, for Parley, waits until its SharedWorker (and so its connection) has ended. */
async function closeApp(seat: Seat, page: Page): Promise<void> {
  await page.close();
  const browser = seat.profile.browser;
  await until(() => !browser.targets().some((t) => ['shared_worker', 'worker'].includes(t.type())), { timeout: 30_000, what: 'the worker ended' });
}

/**
 * (3) and (2), per round and in alternating order: each client's own account starts with STORED
 * archived messages from bob ("old N").
 *  - First login: an empty profile, navigation → the newest archived message rendered, the
 *    conversation opened from inside the page as soon as bob is listed (Converse.js as configured
 *    by default: it fetches only the newest page).
 *  - Absence: the app's tab closed (Parley's worker gone), STORED new messages ("new N") written
 *    into the archive. Catch-up: a new tab; navigation → all STORED new ones in IndexedDB (page load
 *    and login included), messages per second, the longest main-thread task of that tab meanwhile.
 *  - Cold open, STORED stored: navigation of a new tab → the newest message rendered, with no tab of
 *    the app open (Parley: no worker yet), and for Parley also with another tab open and online (its
 *    worker running).
 * The limit: a bare @xmpp/client in Node that logs in and pages an archive of STORED forward,
 * asking for Parley's page size, counting results.
 */
export async function history({ firstLogin, catchUp, coldOpen }: { firstLogin: boolean; catchUp: boolean; coldOpen: boolean }): Promise<void> {
  const users = Array.from({ length: HISTORY_ROUNDS }, (_, r) => [`pa${r}`, `co${r}`]).flat();
  const fx = await setup(['bob', 'lim', ...users], { mounts: CONVERSE_MOUNTS, foreign: ['/converse-page/'] });
  const bob = fx.jid('bob');
  const samples = new Map<string, Record<Client['name'] | 'limit', number[]>>();
  const add = (figure: string, name: Client['name'] | 'limit', v: number) => {
    if (!samples.has(figure)) samples.set(figure, { Parley: [], 'Converse.js': [], limit: [] });
    samples.get(figure)![name].push(v);
  };
  const failed = new Map<string, Row['failed']>();
  let note = '';
  const fail = (figure: string, name: Client['name'], why: string) => failed.set(figure, { ...failed.get(figure), [name]: why });
  const F = {
    first: `(3) first login, ${STORED} archived → newest rendered`,
    catchUp: `(3) catch-up after an absence: navigation → ${STORED} new stored`,
    rate: '(3) catch-up rate',
    longest: '(3) longest main-thread task during the catch-up',
    newest: '(3) after the absence: navigation → newest rendered',
    cold: `(2) cold open, ${STORED} stored, no tab open (Parley: no worker) → newest rendered`,
    warm: `(2) cold open, ${STORED} stored, another tab open and online (Parley: worker running)`,
  };
  try {
    for (let round = 0; round < HISTORY_ROUNDS; round++) {
      const seats: Seat[] = [];
      try {
        for (const [client, user] of [[parley, `pa${round}`], [converse, `co${round}`]] as const) {
          await befriend(fx.server, [user, PASSWORD], ['bob', PASSWORD]);
          await fillArchive(prosodyOf(fx), { from: bob, to: fx.jid(user), prefix: 'old', count: STORED, endsAgo: STORED + 300 });
          const profile = await launch();
          const watch = await profile.browser.newPage();
          await watch.goto(`${fx.url}converse/manifest.json`);
          seats.push({ client, user: fx.jid(user), profile, watch });
        }
        const settings = (seat: Seat, all: boolean) => (seat.client === converse && all ? CONVERSE_ALL_PAGES : undefined);
        const before = new Map<Seat, number>();
        for (const seat of seats) {
          const page = await appTab(seat, { credentials: true, script: `${openWhenListed(seat.client, bob)} ${whenRendered(seat.client, text('old', STORED))}` });
          await page.goto(seat.client.url(fx, seat.user.split('@')[0]!, settings(seat, false)));
          try {
            const ms = await shownAfter(page);
            if (firstLogin) add(F.first, seat.client.name, ms);
          } catch (err) {
            fail(F.first, seat.client.name, (err as Error).message.split('\n')[0]!);
          }
          before.set(seat, await settledCount(seat, bob));
          progress(`${seat.client.name} first login: ${before.get(seat)} stored`);
          await closeApp(seat, page);
        }
        for (const seat of seats) await fillArchive(prosodyOf(fx), { from: bob, to: seat.user, prefix: 'new', count: STORED, endsAgo: 30 });
        for (const seat of seats) {
          const page = await appTab(seat, { script: whenRendered(seat.client, text('new', STORED)) });
          const target = before.get(seat)! + STORED;
          const counted = storedBy(seat, bob, target, CATCH_UP_BOUND);
          await page.goto(seat.client.url(fx, seat.user.split('@')[0]!, settings(seat, true)));
          const origin = (await page.evaluate('performance.timeOrigin')) as number;
          const { at, count, stalled } = await counted;
          const grown = count - before.get(seat)!;
          progress(`${seat.client.name} catch-up: ${grown} of ${STORED} stored${at ? '' : stalled ? ' (stalled)' : ' (bound reached)'}`);
          if (at && catchUp) {
            add(F.catchUp, seat.client.name, at - origin);
            add(F.rate, seat.client.name, (STORED / (at - origin)) * 1000);
            add(F.longest, seat.client.name, (await page.evaluate('window.__longestTask')) as number);
          } else if (!at) {
            const why = stalled
              ? `stopped: ${grown} more records, none for ${STALL_MS / 1000} s${seat.client === converse ? CONVERSE_STOPS : ''}`
              : `${grown} of ${STORED} stored after ${CATCH_UP_BOUND / 1000} s`;
            fail(F.catchUp, seat.client.name, why);
            for (const f of [F.rate, F.longest]) fail(f, seat.client.name, 'the catch-up did not finish (see above)');
          }
          try {
            if (catchUp) add(F.newest, seat.client.name, await shownAfter(page, 30_000));
          } catch (err) {
            fail(F.newest, seat.client.name, (err as Error).message.split('\n')[0]!);
          }
          await closeApp(seat, page);
        }
        if (!coldOpen) continue;
        for (const seat of seats) {
          if (seat.client === converse) progress(`Converse.js: ${await seedConverse(seat, bob)} records written into its IndexedDB`);
        }
        for (let run = 0; run < COLD_RUNS; run++) {
          for (const seat of seats) {
            const newest = text('new', STORED);
            try {
              add(F.cold, seat.client.name, await coldOpened(fx, seat, newest, settings(seat, true)));
            } catch (err) {
              fail(F.cold, seat.client.name, (err as Error).message.split('\n')[0]!);
            }
            if (seat.client !== parley) continue;
            const keeper = await appTab(seat, { script: whenRendered(seat.client, newest) });
            await keeper.goto(seat.client.url(fx, seat.user.split('@')[0]!));
            try {
              await shownAfter(keeper);
              // Online: a new tab opened while the other one still logs in shares the cores with
              // that login (three ad hoc runs: 180 ms then, against 99 and 124 once online).
              await keeper.waitForFunction(`window.__deepQuery('.status[data-state="online"]')`, { timeout: 30_000, polling: 50 });
              add(F.warm, seat.client.name, await coldOpened(fx, seat, newest, undefined, true));
            } catch (err) {
              fail(F.warm, seat.client.name, (err as Error).message.split('\n')[0]!);
            }
            await closeApp(seat, keeper);
          }
        }
        fail(F.warm, converse.name, 'no shared connection: every Converse.js tab logs in and restores on its own, as in the row above');
      } finally {
        for (const seat of seats) await seat.profile.close();
      }
    }
    if (catchUp) {
      const limit = await bareCatchUp(fx, 'lim', bob);
      add(F.catchUp, 'limit', limit.ms);
      add(F.rate, 'limit', (STORED / limit.ms) * 1000);
      note = ` (pages of ${limit.perPage}: asked for ${PAGE_SIZE}, the server's cap; Converse.js told to page through all)`;
    }
  } finally {
    await fx.dispose();
  }
  const units: Record<string, string> = { [F.rate]: 'msg/s' };
  const figures = [...(firstLogin ? [F.first] : []), ...(catchUp ? [F.catchUp, F.rate, F.longest, F.newest] : []), ...(coldOpen ? [F.cold, F.warm] : [])];
  for (const figure of figures) {
    const s = samples.get(figure);
    const f = failed.get(figure);
    rows.push({ figure: figure === F.catchUp ? figure + note : figure, unit: units[figure] ?? 'ms', parley: s?.Parley ?? [], converse: s?.['Converse.js'] ?? [], ...(s?.limit.length ? { limit: s.limit } : {}), ...(f ? { failed: f } : {}) });
  }
}

/**
 * Converse.js cannot fetch the STORED new messages (see CONVERSE_STOPS), so for the cold open the
 * ones it lacks are written into its IndexedDB in its own format, each a copy of a "new N" record it
 * stored itself from the archive with the body, ids and time changed (the archive's times: one
 * second apart), and the chat's list of record keys extended, as its storage does. Returns how many.
 */
async function seedConverse(seat: Seat, peer: string): Promise<number> {
  const prefix = `converse.messages-${peer}-${seat.user}`;
  return (await seat.watch.evaluate(`new Promise((ok, fail) => {
    const store = ${JSON.stringify(seat.user)};
    const r = indexedDB.open('converse-persistent');
    r.onerror = () => fail(r.error);
    r.onsuccess = () => {
      const db = r.result;
      const tx = db.transaction(store, 'readwrite');
      const os = tx.objectStore(store);
      const list = os.get(${JSON.stringify(prefix)});
      const all = os.getAll(IDBKeyRange.bound(${JSON.stringify(prefix + '-')}, ${JSON.stringify(prefix + '-￿')}));
      let written = 0;
      all.onsuccess = () => {
        const have = new Set(all.result.map((m) => m.body));
        const template = all.result.find((m) => /^new \\d+$/.test(m.body ?? ''));
        if (!template) return fail(new Error('no stored "new" record to copy'));
        const at = (i) => new Date(Date.parse(template.time) + (i - Number(template.body.slice(4))) * 1000).toISOString();
        const keys = [...(list.result ?? [])];
        for (let i = 1; i <= ${STORED}; i++) {
          const body = 'new ' + i;
          if (have.has(body)) continue;
          const id = crypto.randomUUID();
          const key = ${JSON.stringify(prefix + '-')} + id;
          os.put({ ...template, id, msgid: 'new-' + i, body, message: body, time: at(i), received: at(i), ['stanza_id ' + store]: crypto.randomUUID() }, key);
          keys.push(key);
          written++;
        }
        os.put(keys, ${JSON.stringify(prefix)});
      };
      tx.oncomplete = () => { db.close(); ok(written); };
      tx.onerror = () => fail(tx.error);
    };
  })`)) as number;
}

/** A new app tab in a profile with no app tab open (or, `others`, one: Parley's worker running): ms from navigation → `newest` rendered. */
async function coldOpened(fx: Fixture, seat: Seat, newest: string, settings?: Record<string, unknown>, others = false): Promise<number> {
  const page = await appTab(seat, { script: whenRendered(seat.client, newest) });
  try {
    await page.goto(seat.client.url(fx, seat.user.split('@')[0]!, settings));
    return await shownAfter(page);
  } finally {
    await (others ? page.close() : closeApp(seat, page));
  }
}

/**
 * The limit: `user`'s archive filled with STORED messages; a bare @xmpp/client logs in and pages
 * it forward with Parley's page size, counting results; ms from the connect to the last page.
 */
async function bareCatchUp(fx: Fixture, user: string, from: string): Promise<{ ms: number; perPage: number }> {
  await fillArchive(prosodyOf(fx), { from, to: fx.jid(user), prefix: 'new', count: STORED, endsAgo: 30 });
  const t0 = performance.now();
  const reader = await connectPeer(fx.server, user, PASSWORD, { resource: 'reader' });
  let counted = 0;
  let pages = 0;
  reader.xmpp.on('stanza', (el: Element) => {
    if (el.name === 'message' && el.getChild('result', NS_MAM)) counted++;
  });
  let after: string | undefined;
  try {
    for (let i = 0; i < STORED + 1; i++) {
      const iq = xml('iq', { type: 'set', id: crypto.randomUUID() }, buildQuery({ queryid: crypto.randomUUID(), ...(after ? { after } : {}) }));
      const fin = parseFin((await reader.xmpp.iqCaller.request(iq, 30_000)).getChild('fin', NS_MAM));
      pages++;
      if (!fin || fin.complete || !fin.last) break;
      after = fin.last;
    }
  } finally {
    await reader.stop();
  }
  if (counted < STORED) throw new Error(`the bare reader counted ${counted} of ${STORED}`);
  return { ms: performance.now() - t0, perPage: Math.ceil(counted / pages) };
}

/**
 * (7) Long run: per client, its own account logged in with the conversation with bob open; bob, a
 * Node peer, sends LONG messages in windows of LONG_WINDOW, each window's last awaited until it is
 * rendered (so the client is never flooded further than that). The JS heap of every page and worker
 * (after a GC) at the start and after every LONG_EVERY, and the messages per second through the
 * open conversation (heap sampling left out). A client that cannot finish within its bound
 * (LONG_BOUND, LONG_BOUND_CONVERSE) is reported with how far it got.
 */
const CLIENTS_OF_LONG_RUN: Client['name'][] = ['Parley', 'Converse.js'];

export async function longRun(): Promise<void> {
  // The server keeps this run's archive in memory: its SQLite writes (about 190 messages a second
  // here) would bound the run instead of the client; the messages are archived all the same.
  const fx = await setup(['bob', 'lena', 'lars'], { mounts: CONVERSE_MOUNTS, foreign: ['/converse-page/'], prosody: { extraConfig: 'storage = { archive = "memory" }' } });
  const marks = Array.from({ length: Math.floor(LONG / LONG_EVERY) + 1 }, (_, i) => i * LONG_EVERY);
  const heap = new Map<Client['name'], Map<number, number>>();
  const rate = new Map<Client['name'], number>();
  const failed: Row['failed'] = {};
  const reached = new Map<Client['name'], number>();
  const stopped = new Map<Client['name'], { sent: number; heap: number }>();
  const bob = await (async () => {
    for (const user of ['lena', 'lars']) await befriend(fx.server, [user, PASSWORD], ['bob', PASSWORD]);
    return connectPeer(fx.server, 'bob', PASSWORD);
  })();
  try {
    for (const [client, user] of [[parley, 'lena'], [converse, 'lars']] as const) {
      const profile = await launch();
      const seat: Seat = { client, user: fx.jid(user), profile, watch: undefined as unknown as Page };
      const samples = new Map<number, number>();
      heap.set(client.name, samples);
      try {
        const page = await appTab(seat, { credentials: true });
        await page.goto(client.url(fx, user));
        await page.evaluate(`window.__whenShown(${JSON.stringify(client.contact(fx.jid('bob')))}, null)`);
        await client.open(page, fx.jid('bob'));
        samples.set(0, (await jsHeap(profile)) / 2 ** 20);
        const bound = client === parley ? LONG_BOUND : LONG_BOUND_CONVERSE;
        const end = Date.now() + bound;
        let sent = 0;
        let busy = 0;
        try {
          while (sent < LONG && Date.now() < end) {
            const n = Math.min(LONG_WINDOW, LONG - sent, LONG_EVERY - (sent % LONG_EVERY));
            const last = `long ${sent + n}: the quick brown fox jumps over the lazy dog`;
            await page.evaluate(`window.__pending = window.__whenShown(${JSON.stringify(client.body)}, ${JSON.stringify(last)}), undefined`);
            const t0 = performance.now();
            await Promise.all(Array.from({ length: n }, (_, i) => bob.say(seat.user, `long ${sent + i + 1}: the quick brown fox jumps over the lazy dog`)));
            await within(Math.max(1000, end - Date.now()) + 5000, page.evaluate('window.__pending'), `window not rendered within ${bound / 1000} s`);
            busy += performance.now() - t0;
            sent += n;
            if (sent % LONG_EVERY === 0) {
              const by = new Map<string, number>();
              samples.set(sent, (await jsHeap(profile, by)) / 2 ** 20);
              const parts = [...by].map(([kind, bytes]) => `${kind} ${(bytes / 2 ** 20).toFixed(1)}`).join(', ');
              progress(`${client.name} long run: ${sent} rendered, heap ${samples.get(sent)!.toFixed(1)} MiB (${parts})`);
            }
          }
        } catch (err) {
          failed[client.name] = `${(err as Error).message.split('\n')[0]} after ${sent} of ${LONG}`;
        }
        reached.set(client.name, sent);
        // A client that stopped short: its heap where it got to, so the figure is not only a gap.
        if (sent % LONG_EVERY) stopped.set(client.name, { sent, heap: (await jsHeap(profile)) / 2 ** 20 });
        if (sent) rate.set(client.name, (sent / busy) * 1000);
        if (sent < LONG && !failed[client.name]) failed[client.name] = `reached ${sent} of ${LONG} in ${bound / 1000} s`;
      } catch (err) {
        failed[client.name] = (err as Error).message.split('\n')[0]!;
        profile.browser.process()?.kill('SIGKILL');
      } finally {
        await profile.close();
      }
    }
  } finally {
    await bob.stop();
    await fx.dispose();
  }
  const cell = (name: Client['name'], mark: number) => {
    const v = heap.get(name)?.get(mark);
    return v === undefined ? [] : [v];
  };
  for (const mark of marks) {
    const why = Object.fromEntries(Object.entries(failed).filter(([name]) => (reached.get(name as Client['name']) ?? 0) < mark));
    rows.push({ figure: `(7) long run: JS heap after ${mark} messages, pages + workers`, unit: 'MiB', parley: cell('Parley', mark), converse: cell('Converse.js', mark), failed: why });
  }
  if (stopped.size) {
    const at = [...stopped].map(([name, { sent }]) => `${name} at ${sent}`).join(', ');
    const s = (name: Client['name']) => (stopped.has(name) ? [stopped.get(name)!.heap] : []);
    const done = Object.fromEntries(CLIENTS_OF_LONG_RUN.filter((name) => !stopped.has(name)).map((name) => [name, 'did not stop short']));
    rows.push({ figure: `(7) long run: JS heap where the run stopped short (${at})`, unit: 'MiB', parley: s('Parley'), converse: s('Converse.js'), failed: done });
  }
  const r = (name: Client['name']) => (rate.has(name) ? [rate.get(name)!] : []);
  rows.push({ figure: `(7) long run: messages through the open conversation per second (windows of ${LONG_WINDOW})`, unit: 'msg/s', parley: r('Parley'), converse: r('Converse.js'), failed });
}
