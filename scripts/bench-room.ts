/**
 * `npm run bench`'s group chat figures: erin joins a room that has OCCUPANTS people in it and
 * ROOM_ARCHIVE archived messages (filled server-side into the room's archive, as
 * test/harness/archive.ts does for accounts). Measured in her page: ms from the join until the newest
 * archived message is on screen, until the occupant list shows everyone, and the longest main-thread
 * task (PerformanceObserver 'longtask') while the presences stream in.
 *
 * The crowd is one XEP-0114 component speaking for `guestN@crowd.localhost`: each is a distinct
 * occupant with its own real JID, as the room sees it, without a thousand client connections
 * (which a loaded two-core machine reset part way).
 */
import { randomBytes } from 'node:crypto';
import { xml } from '@xmpp/client';
import { component } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { ClientPage, type Profile } from '../test/harness/browser.js';
import { prosodyOf, setup, PASSWORD } from '../test/harness/fixture.js';
import { connectPeer, type Peer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';

const OCCUPANTS = Number(process.env.PARLEY_BENCH_OCCUPANTS ?? 1000);
const ROOM_ARCHIVE = Number(process.env.PARLEY_BENCH_ROOM_ARCHIVE ?? 5000);
/** Joins sent before waiting for the room to answer them: the room's answers grow with its size. */
const AT_ONCE = 50;
const CROWD = 'crowd.localhost';

export async function roomCost(profile: Profile): Promise<void> {
  // Its own server: the push option's component port also takes the crowd's component.
  const secret = randomBytes(16).toString('hex');
  const fx = await setup(['dave', 'erin'], { push: { domain: CROWD, secret } });
  const room = `bench@conference.${fx.server.host}`;
  const peers: Peer[] = [];
  const crowd = component({ service: `xmpp://127.0.0.1:${fx.server.componentPort}`, domain: CROWD, password: secret });
  crowd.on('error', () => undefined);
  try {
    const owner = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'bench' });
    peers.push(owner);
    await joinAs(owner, room, 'dave');
    // Persistent, so the room keeps the archive written behind its back.
    await owner.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' },
      xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
        xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1'))))));
    await fillRoomArchive(prosodyOf(fx), room, ROOM_ARCHIVE);

    // Each guest is in once the room sends them their own presence (status 110).
    const inRoom = new Set<string>();
    crowd.on('stanza', (el: Element) => {
      const x = el.is('presence') ? el.getChild('x', 'http://jabber.org/protocol/muc#user') : undefined;
      if (x?.getChildren('status').some((st) => st.attrs.code === '110')) inRoom.add(String(el.attrs.to).split('@')[0]!);
    });
    await crowd.start();
    const guests = Array.from({ length: OCCUPANTS - 1 }, (_, i) => `guest${i + 1}`);
    const started = Date.now();
    for (let i = 0; i < guests.length; i += AT_ONCE) {
      const batch = guests.slice(i, i + AT_ONCE);
      for (const guest of batch) {
        await crowd.send(xml('presence', { from: `${guest}@${CROWD}/bench`, to: `${room}/${guest}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
      }
      await until(() => batch.every((g) => inRoom.has(g)), { timeout: 120_000, interval: 20, what: `guests ${i + 1}–${i + batch.length} in the room` });
    }
    console.log(`\nbench: ${OCCUPANTS} occupants joined the room in ${Date.now() - started} ms (one component for ${OCCUPANTS - 1} of them, setup only)`);

    const erin = await ClientPage.loggedIn(profile, fx, 'erin', PASSWORD);
    // The room is what the page shows once she is in it.
    await erin.page.evaluate((jid) => document.querySelector('parley-client')!.setAttribute('open', jid), room);
    await erin.page.evaluate(() => {
      const w = window as unknown as { __longest: number };
      w.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    const t0 = performance.now();
    const joined = erin.api<{ status: string }>('joinRoom', room, 'erin');
    const newest = `room message ${ROOM_ARCHIVE}`;
    await until(async () => (await erin.messages()).includes(newest), { timeout: 120_000, interval: 20, what: 'newest room message shown' });
    const firstScreen = performance.now() - t0;
    const everyone = `${OCCUPANTS + 1} in the room`;
    await until(
      () => erin.page.$eval('parley-client >>> parley-room >>> parley-occupants >>> h3', (h) => h.textContent).then((t) => t === everyone, () => false),
      { timeout: 120_000, interval: 20, what: 'every occupant listed' },
    );
    const fullList = performance.now() - t0;
    const longest = await erin.page.evaluate(() => (window as unknown as { __longest: number }).__longest);
    if ((await joined).status !== 'joined') throw new Error('erin did not get in');
    // The observer reports only tasks over 50 ms: none seen means none that long.
    const tasks = longest ? `longest main-thread task ${longest.toFixed(0)} ms` : 'no main-thread task over 50 ms';
    console.log(`bench: join a room of ${OCCUPANTS} with ${ROOM_ARCHIVE} archived: first screen ${firstScreen.toFixed(0)} ms, full occupant list ${fullList.toFixed(0)} ms, ${tasks} (target: none over 50 ms)`);
  } finally {
    await crowd.stop().catch(() => undefined);
    await Promise.all(peers.map((p) => p.stop()));
    await fx.dispose();
  }
}

async function joinAs(peer: Peer, room: string, nick: string): Promise<void> {
  await peer.xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  await until(() => peer.received.some((el) => el.name === 'presence' && el.attrs.from === `${room}/${nick}`), { timeout: 60_000, what: `${nick} in the room` });
}

/** Appends `count` group chat messages to the room's archive (muc_mam's store), one second apart. */
async function fillRoomArchive(prosody: ReturnType<typeof prosodyOf>, room: string, count: number): Promise<void> {
  const [node, host] = room.split('@') as [string, string];
  const lua = `local sql, st, uuid = require "util.sql", require "util.stanza", require "util.uuid".generate;
    local e = sql:create_engine({ driver = "SQLite3", database = prosody.paths.data .. "/prosody.sqlite" }); assert(e:connect());
    local t0 = os.time() - 60 - ${count};
    local ok, err = e:transaction(function() for i = 1, ${count} do
      local m = st.message({ from = "${room}/dave", type = "groupchat", id = "rm-" .. i }):tag("body"):text("room message " .. i):up();
      e:insert([[INSERT INTO "prosodyarchive" ("host","user","store","when","with","key","type","value") VALUES (?,?,?,?,?,?,?,?)]],
        "${host}", "${node}", "muc_log", t0 + i, "message<groupchat", uuid(), "xml", tostring(m)) end end);
    e.conn:close(); return ok and "filled" or tostring(err)`;
  const out = await prosody.eval(lua.replace(/\n\s*/g, ' '));
  if (!/filled/.test(out)) throw new Error(`room archive not filled: ${out}`);
}
