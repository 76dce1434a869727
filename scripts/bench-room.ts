/**
 * `npm run bench`'s group chat figures: erin joins a room that has OCCUPANTS people in it and
 * ROOM_ARCHIVE archived messages (filled server-side into the room's archive, as
 * test/harness/archive.ts does for accounts). Measured in her page: ms from the join until the newest
 * archived message is on screen, until the occupant list shows everyone, and the longest main-thread
 * task (PerformanceObserver 'longtask') while the presences stream in.
 *
 * The crowd is seeded inside the server, as the archive is: occupants `guestN@HOST/bench` are put in the
 * room through Prosody's console, each a distinct occupant with its own real JID and no session. Joined
 * over the network (1,000 clients, or one XEP-0114 component speaking for them), the room tells every
 * newcomer about everyone: setting up grows with the square of the room (153 s for 300 on a loaded
 * machine, and the component's connection was reset when presences were broadcast to 1,000).
 * Presences sent to those sessionless JIDs are dropped by the server, which is all the crowd needs.
 */
import { xml } from '@xmpp/client';
import { ClientPage, type Profile } from '../test/harness/browser.js';
import { prosodyOf, setup, PASSWORD } from '../test/harness/fixture.js';
import { connectPeer, type Peer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';

const OCCUPANTS = Number(process.env.PARLEY_BENCH_OCCUPANTS ?? 1000);
const ROOM_ARCHIVE = Number(process.env.PARLEY_BENCH_ROOM_ARCHIVE ?? 5000);

export async function roomCost(profile: Profile): Promise<void> {
  const fx = await setup(['dave', 'erin']);
  const room = `bench@conference.${fx.server.host}`;
  const peers: Peer[] = [];
  try {
    const owner = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'bench' });
    peers.push(owner);
    await ownRoom(owner, room);
    await fillRoomArchive(prosodyOf(fx), room, ROOM_ARCHIVE);
    const started = Date.now();
    await seedCrowd(prosodyOf(fx), room, OCCUPANTS - 1);
    console.log(`\nbench: ${OCCUPANTS - 1} occupants put in the room in ${Date.now() - started} ms (server-side, setup only)`);

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
    await Promise.all(peers.map((p) => p.stop()));
    await fx.dispose();
  }
}

/**
 * `owner` (nick dave) creates `room` by joining it and configures it persistent, which also unlocks
 * it for others; persistent, so the room keeps an archive written behind its back.
 */
export async function ownRoom(owner: Peer, room: string): Promise<void> {
  await joinAs(owner, room, 'dave');
  await owner.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' },
    xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1'))))));
}

async function joinAs(peer: Peer, room: string, nick: string): Promise<void> {
  await peer.xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  await until(() => peer.received.some((el) => el.name === 'presence' && el.attrs.from === `${room}/${nick}`), { timeout: 60_000, what: `${nick} in the room` });
}

/** Puts `count` occupants `guestN` in the room (Prosody's MUC API through its console), each with its real JID. */
export async function seedCrowd(prosody: ReturnType<typeof prosodyOf>, room: string, count: number): Promise<void> {
  const host = room.split('@')[1]!.replace(/^conference\./, '');
  const lua = `local st = require "util.stanza";
    local room = prosody.hosts["conference.${host}"].modules.muc.get_room_from_jid("${room}");
    for i = 1, ${count} do
      local bare = "guest" .. i .. "@${host}";
      local occupant = room:new_occupant(bare, "${room}/guest" .. i);
      occupant:set_session(bare .. "/bench", st.presence({ from = bare .. "/bench" }));
      room:save_occupant(occupant);
    end
    return "seeded"`;
  const out = await prosody.eval(lua.replace(/\n\s*/g, ' '));
  if (!/seeded/.test(out)) throw new Error(`crowd not seeded: ${out}`);
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
