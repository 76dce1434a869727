/**
 * `npm run bench`: figures, never pass/fail, against an embedded Prosody in headless Chromium.
 * By default the side-by-side table: Parley beside Converse.js and the bare-protocol limit (see
 * bench-compare.ts). `PARLEY_BENCH_ONLY=own` runs Parley's own figures instead:
 *  - ms from navigation to the first rendered conversation with 1,000 stored messages:
 *    cold (new tab while the worker runs) and first open (no worker yet);
 *  - archive sync: a first login's window, and a later login's forward catch-up (see mamCatchUp);
 *  - per-message cost in an open conversation of 1,000 and 10,000 messages, and a burst (see liveCost);
 *  - push: server publish → notification shown with every tab closed (see bench-push.ts);
 *  - joining a room of 1,000 occupants with 5,000 archived messages (see bench-room.ts).
 * PARLEY_BENCH_ONLY=live runs only liveCost, =push only the push figure, =room only the room.
 */
import { spawnSync } from 'node:child_process';
import { ClientPage, launch } from '../test/harness/browser.js';
import { prosodyOf, setup, PASSWORD } from '../test/harness/fixture.js';
import { befriend, connectPeer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { buildQuery, NS_MAM, parseFin, RECENT } from '../src/worker/mam.js';
import { countArchiveQueries, fillArchive } from '../test/harness/archive.js';
import { pushWake } from './bench-push.js';
import { roomCost } from './bench-room.js';
import { compare } from './bench-compare.js';

const MESSAGES = Number(process.env.PARLEY_BENCH_MESSAGES ?? 1000);
const RUNS = 7;
const ARCHIVE = Number(process.env.PARLEY_BENCH_ARCHIVE ?? 10_000);
const FORWARD = Number(process.env.PARLEY_BENCH_FORWARD ?? 2000);

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const LIVE_SAMPLES = Number(process.env.PARLEY_BENCH_LIVE_SAMPLES ?? 30);
const BURST = Number(process.env.PARLEY_BENCH_BURST ?? 2000);

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}, n=${s.length})`;
};

const ONLY = process.env.PARLEY_BENCH_ONLY ?? 'compare';
if (ONLY === 'compare') {
  await compare();
  process.exit(0);
}
if (!['own', 'live', 'push', 'room'].includes(ONLY)) throw new Error(`PARLEY_BENCH_ONLY=${ONLY}: compare, own, live, push or room`);
if (ONLY === 'push') {
  await pushWake(RUNS, fmt);
  process.exit(0);
}

const fx = await setup(['alice', 'bob', 'carol', 'dave', 'erin']);
const profile = await launch();
try {
  if (ONLY === 'room') {
    await roomCost(profile);
    process.exit(0);
  }
  await liveCost();
  if (ONLY === 'live') process.exit(0);
  await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
  const bob = await connectPeer(fx.server, 'bob', PASSWORD);
  const alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
  await alice.open(fx.jid('bob'));

  // Seed through the real path: bob sends, alice's worker stores.
  const seeded = Date.now();
  for (let i = 1; i <= MESSAGES; i++) await bob.say(fx.jid('alice'), `message ${i} of ${MESSAGES}: the quick brown fox jumps over the lazy dog`);
  await until(async () => (await alice.page.evaluate(countStored)) >= MESSAGES, { timeout: 120_000, what: `${MESSAGES} messages stored` });
  const seedMs = Date.now() - seeded;
  console.log(`\nbench: ${MESSAGES} live messages stored through the worker in ${seedMs} ms (${((MESSAGES / seedMs) * 1000).toFixed(0)} msg/s)`);
  await bob.stop();

  /** Navigates a fresh tab to the demo and returns ms from navigation start to the last message shown. */
  async function firstRender(): Promise<number> {
    const page = await profile.browser.newPage();
    // Watches every frame from the very start of the document, so the figure is not late by our polling.
    await page.evaluateOnNewDocument(renderWatcher(`message ${MESSAGES} of ${MESSAGES}: the quick brown fox jumps over the lazy dog`));
    await page.goto(fx.url);
    const handle = await page
      .waitForFunction(() => (window as unknown as { __rendered?: number }).__rendered, { timeout: 30_000, polling: 50 });
    const ms = (await handle.jsonValue()) as number;
    await page.close();
    return ms;
  }

  // Cold: the worker keeps running because the first tab stays open.
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) cold.push(await firstRender());

  // First open: close every tab so the SharedWorker ends, then open one.
  await alice.page.close();
  const first: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await new Promise((r) => setTimeout(r, 300)); // let the worker of the last tab go away
    first.push(await firstRender());
  }

  console.log(`bench: first rendered conversation, cold (new tab, worker running): ${fmt(cold)}`);
  console.log(`bench: first rendered conversation, first open (no worker yet):   ${fmt(first)}`);
  await mamCatchUp();
  await roomCost(profile);
} finally {
  await profile.close();
  await fx.dispose();
}
await pushWake(RUNS, fmt);

/**
 * Archive sync (XEP-0313) with ARCHIVE messages in the server archive, filled server-side:
 *  - a first login: ms from the login click until the newest message is stored, and until the whole
 *    first-sync window (mam.ts RECENT) is, with the archive queries it took;
 *  - a later login after FORWARD new messages came: ms from opening the page until all are stored;
 *  - for scale, a bare @xmpp/client reader in Node paging the whole archive forward, counting only.
 */
async function mamCatchUp(): Promise<void> {
  const carolJid = fx.jid('carol');
  await fillArchive(prosodyOf(fx), { from: fx.jid('bob'), to: carolJid, prefix: 'archived', count: ARCHIVE, endsAgo: FORWARD + 60 });
  const queries = await countArchiveQueries(prosodyOf(fx));
  const carolProfile = await launch();
  try {
    const carol = await ClientPage.open(carolProfile, fx.url);
    const t0 = performance.now();
    await carol.login(carolJid, PASSWORD);
    await until(async () => (await carol.stored(fx.jid('bob'))).some((m) => m.body === `archived ${ARCHIVE}`), { timeout: 60_000, interval: 5, what: 'newest stored' });
    const newestMs = performance.now() - t0;
    await until(async () => (await carol.page.evaluate(countStored)) >= RECENT, { timeout: 60_000, interval: 5, what: 'first-sync window stored' });
    const windowMs = performance.now() - t0;
    const firstQueries = await queries();
    console.log(`bench: MAM first login with ${ARCHIVE} archived: newest stored after ${newestMs.toFixed(0)} ms, window of ${RECENT} after ${windowMs.toFixed(0)} ms (${firstQueries} queries, login included)`);

    // Forward: FORWARD new messages while carol is away; the next login pages forward from its cursor.
    await carol.closeLast();
    await fillArchive(prosodyOf(fx), { from: fx.jid('bob'), to: carolJid, prefix: 'new', count: FORWARD, endsAgo: 30 });
    const t1 = performance.now();
    const again = await ClientPage.open(carolProfile, fx.url);
    await until(async () => (await again.page.evaluate(countStored)) >= RECENT + FORWARD, { timeout: 300_000, interval: 20, what: 'forward catch-up stored' });
    const forwardMs = performance.now() - t1;
    const rate = (n: number, ms: number) => `${((n / ms) * 1000).toFixed(0)} msg/s`;
    console.log(`bench: MAM forward catch-up of ${FORWARD} new at the next login: ${forwardMs.toFixed(0)} ms (${rate(FORWARD, forwardMs)}, page load and login included)`);
  } finally {
    await carolProfile.close();
  }

  // The bare reader: forward pages, as many as the server gives per page, counting results.
  const reader = await connectPeer(fx.server, 'carol', PASSWORD, { resource: 'reader' });
  let counted = 0;
  reader.xmpp.on('stanza', (el: Element) => {
    if (el.name === 'message' && el.getChild('result', NS_MAM)) counted++;
  });
  const t2 = performance.now();
  let after: string | undefined;
  for (;;) {
    const iq = xml('iq', { type: 'set', id: crypto.randomUUID() }, buildQuery({ queryid: crypto.randomUUID(), ...(after ? { after } : {}) }));
    const fin = parseFin((await reader.xmpp.iqCaller.request(iq, 30_000)).getChild('fin', NS_MAM));
    if (!fin || fin.complete || !fin.last) break;
    after = fin.last;
  }
  const readerMs = performance.now() - t2;
  await reader.stop();
  console.log(`bench: MAM whole archive paged forward by a bare @xmpp/client reader, counting only: ${readerMs.toFixed(0)} ms (${counted} results, ${((counted / readerMs) * 1000).toFixed(0)} msg/s)`);
}

/**
 * Flat per-message cost (issue 9 §2). Dave's conversation with erin is open in dave's page and is
 * filled to 1,000, then 10,000 messages by direct IndexedDB writes in the page (as if history was
 * stored before); then:
 *  - ms per live message from erin's send until dave's page shows it (stored + rendered), one at a
 *    time, median of LIVE_SAMPLES;
 *  - a burst of BURST messages from erin: ms from her last send (the server delivers right after)
 *    until the last is stored, and how long a message from carol sent right behind it waited.
 */
async function liveCost(): Promise<void> {
  const dave = fx.jid('dave');
  const erin = fx.jid('erin');
  await befriend(fx.server, ['dave', PASSWORD], ['erin', PASSWORD]);
  await befriend(fx.server, ['dave', PASSWORD], ['carol', PASSWORD]);
  const profile = await launch();
  try {
    const page = await ClientPage.loggedIn(profile, fx, 'dave', PASSWORD);
    await page.open(erin);
    const peer = await connectPeer(fx.server, 'erin', PASSWORD);
    const other = await connectPeer(fx.server, 'carol', PASSWORD);
    let filled = 0;
    const fill = async (upTo: number) => {
      await page.page.evaluate(seedScript(erin, filled, upTo));
      filled = upTo;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    let n = 0;
    const perMessage = async (): Promise<string> => {
      const times: number[] = [];
      for (let i = 0; i < LIVE_SAMPLES; i++) {
        const body = `live ${++n}`;
        const t = performance.now();
        await peer.say(dave, body);
        await page.page.waitForFunction(lastShown(body), { timeout: 120_000, polling: 2 });
        times.push(performance.now() - t);
      }
      return `median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, n=${times.length})`;
    };
    await fill(1000);
    console.log(`bench: live message stored+rendered, open conversation of ${filled}: ${await perMessage()}`);
    await fill(10_000);
    console.log(`bench: live message stored+rendered, open conversation of ${filled}: ${await perMessage()}`);

    // The burst. Prosody itself takes a while to archive and route it, so the server's last delivery is
    // seen by another resource of dave's (with carbons, it gets a copy of what the page gets). In-page
    // watchers note Date.now() (one clock with Node's) when the last burst message and carol's
    // message, sent once the server delivered the last, are stored.
    const last = `burst ${BURST} of ${BURST}`;
    const behind = 'right behind the burst';
    const witness = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'witness' });
    await witness.xmpp.iqCaller.set(xml('enable', { xmlns: 'urn:xmpp:carbons:2' }));
    let delivered = 0;
    witness.xmpp.on('stanza', (el: Element) => {
      if (!delivered && el.name === 'message' && el.toString().includes(`<body>${last}</body>`)) delivered = Date.now();
    });
    const watch = page.page.evaluate(storedWatcher([[erin, last], [fx.jid('carol'), behind]]));
    const t = Date.now();
    for (let i = 1; i <= BURST; i++) void peer.say(dave, `burst ${i} of ${BURST}`);
    await until(() => delivered, { timeout: 600_000, interval: 5, what: 'the burst delivered' });
    await other.say(dave, behind);
    const otherSent = Date.now();
    const [lastStored, behindStored] = (await watch) as [number, number];
    console.log(`bench: burst of ${BURST} (server delivered it in ${delivered - t} ms): last stored ${lastStored - delivered} ms after the server's last delivery; a message sent right behind it waited ${behindStored - otherSent} ms`);
    await witness.stop();
    await peer.stop();
    await other.stop();
  } finally {
    await profile.close();
  }
}

/** Page script: writes erin's messages `from`+1..`to` straight into IndexedDB, older than anything live. */
function seedScript(conversation: string, from: number, to: number): string {
  return `new Promise((ok, fail) => {
    const r = indexedDB.open('parley');
    r.onerror = () => fail(r.error);
    r.onsuccess = () => {
      const tx = r.result.transaction(['messages', 'conversations'], 'readwrite');
      const store = tx.objectStore('messages');
      const base = Date.now() - 86400000;
      for (let i = ${from + 1}; i <= ${to}; i++) {
        store.put({ key: 'seed-' + i, conversation: ${JSON.stringify(conversation)}, direction: i % 3 ? 'in' : 'out',
          from: i % 3 ? ${JSON.stringify(conversation)} : 'me', body: 'seeded ' + i + ': the quick brown fox jumps over the lazy dog',
          ts: base - (100000 - i) * 1000, id: 'seed-' + i, state: i % 3 ? 'received' : 'displayed' });
      }
      tx.oncomplete = () => { r.result.close(); ok(undefined); };
      tx.onerror = () => fail(tx.error);
    };
  })`;
}

/** Page predicate (a string, see renderWatcher): the open conversation's last message shows `body`. */
function lastShown(body: string): string {
  return `(() => {
    const conv = document.querySelector('parley-client')?.shadowRoot?.querySelector('parley-conversation');
    const bodies = conv?.shadowRoot?.querySelectorAll('li.message .body');
    return !!bodies?.length && bodies[bodies.length - 1].textContent === ${JSON.stringify(body)};
  })()`;
}

/** Page script: resolves with Date.now() at which each [conversation, body] was first seen stored (polled every 5 ms). */
function storedWatcher(wanted: [string, string][]): string {
  return `new Promise((ok) => {
    const wanted = ${JSON.stringify(wanted)};
    const seen = wanted.map(() => 0);
    const r = indexedDB.open('parley');
    r.onsuccess = () => {
      const db = r.result;
      const poll = () => {
        const tx = db.transaction('messages');
        const index = tx.objectStore('messages').index('byConversation');
        // Only the newest few of each conversation: cheap enough not to slow what it measures.
        wanted.forEach(([conversation, body], i) => {
          if (seen[i]) return;
          const c = index.openCursor(IDBKeyRange.bound([conversation, -Infinity], [conversation, Infinity]), 'prev');
          let looked = 0;
          c.onsuccess = () => {
            const cur = c.result;
            if (!cur || looked++ >= 20) return;
            if (cur.value.body === body) seen[i] = Date.now();
            else cur.continue();
          };
        });
        tx.oncomplete = () => {
          if (seen.every(Boolean)) { db.close(); ok(seen); } else setTimeout(poll, 5);
        };
      };
      poll();
    };
  })`;
}

/**
 * Page script (a string: tsx would wrap named functions in a helper the page lacks) that records
 * when the conversation first shows `last`, polling from the very start of the document with
 * 1 ms timers (finer than animation frames).
 */
function renderWatcher(last: string): string {
  return `(() => {
    const check = () => {
      const conv = document.querySelector('parley-client')?.shadowRoot?.querySelector('parley-conversation');
      const bodies = conv?.shadowRoot?.querySelectorAll('li.message .body');
      if (bodies?.length && bodies[bodies.length - 1].textContent === ${JSON.stringify(last)}) window.__rendered = performance.now();
      else setTimeout(check, 1);
    };
    setTimeout(check, 1);
  })();`;
}

function countStored(): Promise<number> {
  return new Promise((ok, fail) => {
    const r = indexedDB.open('parley');
    r.onerror = () => fail(r.error);
    r.onsuccess = () => {
      const c = r.result.transaction('messages').objectStore('messages').count();
      c.onsuccess = () => {
        r.result.close();
        ok(c.result);
      };
    };
  });
}
