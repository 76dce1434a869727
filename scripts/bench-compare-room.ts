/**
 * Issue 13's figure (8b) side by side: joining a room of OCCUPANTS people, Parley and Converse.js
 * (see bench-compare.ts for the clients and the page watcher). The crowd is seeded inside the server
 * as bench-room.ts does (sessionless occupants put in the room through Prosody's console), so the
 * presences a client gets on joining are real stanzas without a thousand connections.
 */
import type { Page } from 'puppeteer-core';
import { launch } from '../test/harness/browser.js';
import { prosodyOf, setup, PASSWORD, type Fixture } from '../test/harness/fixture.js';
import { befriend, connectPeer } from '../test/harness/peer.js';
import { until } from '../test/harness/wait.js';
import { ownRoom, seedCrowd } from './bench-room.js';
import { converse, CONVERSE_MOUNTS, parley, rows, WATCHER, within, type Client, type Row } from './bench-compare.js';

const OCCUPANTS = Number(process.env.PARLEY_BENCH_OCCUPANTS ?? 1000);
const ROOM_ROUNDS = Number(process.env.PARLEY_BENCH_ROOM_ROUNDS ?? 2);
/** A long task ends after the change that finished the list: its entry is read this long after. */
const SETTLE_MS = 500;

/** Per client: how the page joins a room (a page script, run in the page), and the list heading once everyone is in. */
const ROOM: Record<Client['name'], { join(room: string, nick: string): string; everyone(count: number): [string, string] }> = {
  Parley: {
    // The app's own API (the module instance the page already loaded); the room shown once joined, as its join form does.
    join: (room, nick) => `import('/dist/parley.js').then(async ({ parley }) => {
      const result = await parley().api.joinRoom(${JSON.stringify(room)}, ${JSON.stringify(nick)});
      if (result.status === 'joined') document.querySelector('parley-client').setAttribute('open', ${JSON.stringify(room)});
      return result;
    })`,
    everyone: (count) => ['h3', `${count} in the room`],
  },
  'Converse.js': {
    // Its documented API (reached through the bench page's plugin), as its "join" form does.
    join: (room, nick) => `window.__converse.api.rooms.open(${JSON.stringify(room)}, { nick: ${JSON.stringify(nick)} })`,
    everyone: (count) => ['span.occupants-heading', `${count} Participants`],
  },
};

/**
 * Per round and client (alternating), a room of its own with OCCUPANTS - 1 seeded occupants and
 * dave (a Node peer, its owner); the client, logged in (bob shown in its roster), joins it from
 * inside the page: ms from the join call until the occupant list's heading counts everyone
 * (OCCUPANTS + 1 with itself), and the longest main-thread task from the join until SETTLE_MS
 * after that.
 */
export async function roomSideBySide(): Promise<void> {
  const fx = await setup(['bob', 'dave', 'erin', 'frank'], { mounts: CONVERSE_MOUNTS, foreign: ['/converse-page/'] });
  const shown: Record<Client['name'], number[]> = { Parley: [], 'Converse.js': [] };
  const longest: Record<Client['name'], number[]> = { Parley: [], 'Converse.js': [] };
  const failed: Row['failed'] = {};
  const owner = await connectPeer(fx.server, 'dave', PASSWORD, { resource: 'bench' });
  try {
    for (const user of ['erin', 'frank']) await befriend(fx.server, [user, PASSWORD], ['bob', PASSWORD]);
    for (let round = 0; round < ROOM_ROUNDS; round++) {
      for (const [client, user] of [[parley, 'erin'], [converse, 'frank']] as const) {
        if (failed[client.name]) continue;
        const room = `crowd-${round}-${user}@conference.${fx.server.host}`;
        await ownRoom(owner, room);
        await seedCrowd(prosodyOf(fx), room, OCCUPANTS - 1);
        try {
          const { ms, task } = await join(fx, client, user, room);
          shown[client.name].push(ms);
          longest[client.name].push(task);
        } catch (err) {
          failed[client.name] = `${(err as Error).message.split('\n')[0]} (round ${round + 1})`;
          console.log(`bench: (8b) ${client.name} round ${round + 1} failed, its later rounds skipped: ${failed[client.name]}`);
        }
      }
    }
  } finally {
    await owner.stop();
    await fx.dispose();
  }
  rows.push({ figure: `(8b) join a room of ${OCCUPANTS} → occupant list counts everyone`, unit: 'ms', parley: shown.Parley, converse: shown['Converse.js'], failed });
  rows.push({ figure: '(8b) longest main-thread task while the presences stream in (0: none over 50 ms)', unit: 'ms', parley: longest.Parley, converse: longest['Converse.js'], failed });
}

/** One join in an empty profile: the measured ms and the longest task (see roomSideBySide). */
async function join(fx: Fixture, client: Client, user: string, room: string): Promise<{ ms: number; task: number }> {
  const profile = await launch();
  try {
    const page: Page = await profile.browser.newPage();
    await page.evaluateOnNewDocument(WATCHER);
    const login = client.credentials(fx.jid(user));
    if (login) await page.evaluateOnNewDocument(`document.addEventListener('DOMContentLoaded', () => { ${login} });`);
    await page.goto(client.url(fx, user));
    await page.evaluate(`window.__whenShown(${JSON.stringify(client.contact(fx.jid('bob')))}, null)`);
    // Parley lists the roster before its status turns Online, and refuses a join until then.
    if (client === parley) {
      const online = () => page.$eval('parley-client >>> [role="status"]', (el) => el.textContent?.trim().startsWith('Online') ?? false).catch(() => false);
      await until(online, { timeout: 30_000, what: 'Parley online' });
    }
    const [selector, heading] = ROOM[client.name].everyone(OCCUPANTS + 1);
    // Started in the page, in one task: the watcher, the clock and the join.
    await page.evaluate(`window.__longestTask = 0;
      window.__joined = window.__whenShown(${JSON.stringify(selector)}, ${JSON.stringify(heading)});
      window.__joinedFrom = performance.timeOrigin + performance.now();
      window.__joinCall = ${ROOM[client.name].join(room, user)};
      window.__joinCall.then((r) => { window.__joinResult = r; }, (e) => { window.__joinResult = String(e); });
      undefined`);
    const at = (await within(150_000, page.evaluate('window.__joined'), 'page busy, no answer in 150 s').catch(async (err: Error) => {
      throw new Error(`${err.message}; the join answered ${JSON.stringify(await page.evaluate('window.__joinResult').catch(() => 'nothing'))}`);
    })) as number;
    const ms = at - ((await page.evaluate('window.__joinedFrom')) as number);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { ms, task: (await page.evaluate('window.__longestTask')) as number };
  } catch (err) {
    for (const page of await profile.browser.pages()) await page.screenshot({ path: `.tmp/bench-failed-room-${client.name}.png` }).catch(() => undefined);
    profile.browser.process()?.kill('SIGKILL');
    throw err;
  } finally {
    await profile.close();
  }
}
