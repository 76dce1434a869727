/**
 * Message Archive Management (XEP-0313) paged with RSM (XEP-0059). A first sync fetches the newest
 * messages only; later ones page forward from the last archive id stored, or, when the server no
 * longer knows it, fetch the newest and remember the hole (src/storage/archive.ts). Older history,
 * holes included, is paged back per conversation as the user scrolls up.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { awaitedLater } from '../shared/later.js';
import type { ArchiveGap, MessageRecord } from '../shared/records.js';
import { advanceSync, closeGap, lowerGap, nextGap, openGap, progressGap, readSync, storedTimes, syncedEmpty } from '../storage/archive.js';
import { putState, storeMessages } from '../storage/write.js';
import { NS_MAM, unwrapResult, type ArchiveResult } from './envelope.js';
import { chatRecord } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';

export { NS_MAM };
const NS_RSM = 'http://jabber.org/protocol/rsm';
const NS_DATA = 'jabber:x:data';

/** Asked per page; servers cap it (Prosody at 50 by default). */
export const PAGE_SIZE = 250;
const QUERY_TIMEOUT = 30_000;

export interface MamQuery {
  queryid: string;
  with?: string;
  /** Page forward after this archive id. */
  after?: string;
  /** Page back before this archive id; '' asks for the last page. */
  before?: string;
  max?: number;
}

export function buildQuery(q: MamQuery): Element {
  const fields = [xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_MAM))];
  if (q.with) fields.push(xml('field', { var: 'with' }, xml('value', {}, q.with)));
  const set = xml('set', { xmlns: NS_RSM }, xml('max', {}, String(q.max ?? PAGE_SIZE)));
  if (q.after !== undefined) set.append(xml('after', {}, q.after));
  if (q.before !== undefined) set.append(xml('before', {}, q.before));
  return xml('query', { xmlns: NS_MAM, queryid: q.queryid }, xml('x', { xmlns: NS_DATA, type: 'submit' }, ...fields), set);
}

export interface Fin {
  complete: boolean;
  first?: string;
  last?: string;
}

export function parseFin(fin: Element | undefined): Fin | null {
  if (!fin?.is('fin', NS_MAM)) return null;
  const set = fin.getChild('set', NS_RSM);
  const first = set?.getChildText('first') ?? undefined;
  const last = set?.getChildText('last') ?? undefined;
  return { complete: fin.attrs.complete === 'true', ...(first ? { first } : {}), ...(last ? { last } : {}) };
}

/** The stored form of the chat messages among archive results (an oversized body is dropped as a live one). */
function toRecords(results: ArchiveResult[], ownNick?: string): MessageRecord[] {
  return results.flatMap((r) => {
    try {
      return (r.envelope && chatRecord(r.envelope, ownNick)) ?? [];
    } catch {
      return [];
    }
  });
}

interface Page {
  results: ArchiveResult[];
  fin: Fin;
}

export interface MamPlugin extends Plugin {
  /** Settles when this session's forward catch-up has finished (or failed). */
  caughtUp(): Promise<void>;
  /** Ends the catch-up: settles once it will write nothing more (logout clears storage after this). */
  stop(): Promise<void>;
  /** Fetches one page of older messages of a conversation; true when the archive has no more. */
  loadOlder(conversation: string): Promise<boolean>;
  /** Catches up with a room's own archive (XEP-0313 to the room), by the same cursor and gap rules as ours. */
  catchUpRoom(room: string): Promise<void>;
}

/** How many of the newest messages a sync without a usable cursor fetches; older ones wait for scrolling. */
export const RECENT = 250;
/** Asked per page when the user scrolls back. */
const OLDER_PAGE = 100;

/** The server does not know an archive id we named (it expired, or the archive was emptied). */
const unknownId = (err: unknown) => (err as { condition?: unknown } | null)?.condition === 'item-not-found';

/**
 * Times for a page in the server's order that sort below `ceiling` (the oldest of what is above
 * it), whatever whole second the stamps say, keeping their order.
 */
function beneath(records: MessageRecord[], ceiling: number): MessageRecord[] {
  let next = ceiling;
  for (let i = records.length - 1; i >= 0; i--) next = records[i]!.ts = Math.min(records[i]!.ts, next - 0.001);
  return records;
}

export function mam(ctx: PluginContext): MamPlugin {
  /** Our queries waiting for their <fin/>: the archive each went to, and its results so far. */
  const pending = new Map<string, { archive: string; results: ArchiveResult[] }>();
  let done: Promise<void> = Promise.resolve();
  // Our own archive, and each room's (then `archive` is the room's JID): each has its own record.
  const own = ctx.jid;
  const nickIn = (archive: string) => (archive === own ? undefined : ctx.rooms.reading(archive)?.nick);
  let stop!: () => void;
  const stopped = new Promise<never>((_, reject) => (stop = () => reject(new StoppedError())));
  stopped.catch(() => undefined);

  // Collected synchronously as they arrive, so a page is complete when its <fin/> resolves the query.
  ctx.xmpp.on('stanza', (el: Element) => {
    try {
      const result = unwrapResult(el, ctx.jid, (queryid) => pending.get(queryid)?.archive, ctx.rooms);
      if (result) pending.get(result.queryid)!.results.push(result);
    } catch (err) {
      ctx.log('dropped an archive result', err);
    }
  });

  async function query(q: Omit<MamQuery, 'queryid'>, archive = own): Promise<Page> {
    const queryid = crypto.randomUUID();
    pending.set(queryid, { archive, results: [] });
    try {
      // An unanswered query must not hold up a logout, nor its answer be written after one.
      const to = archive === own ? {} : { to: archive };
      const request = ctx.xmpp.iqCaller.request(xml('iq', { type: 'set', id: queryid, ...to }, buildQuery({ ...q, queryid })), QUERY_TIMEOUT);
      const answer = await Promise.race([request, stopped]);
      const fin = parseFin(answer.getChild('fin', NS_MAM));
      if (!fin) throw new Error('archive query answered without <fin/>');
      return { results: pending.get(queryid)!.results, fin };
    } finally {
      pending.delete(queryid);
    }
  }

  /** Our archive holds every conversation (asked `with` one); a room's holds only the room. */
  const withIn = (archive: string, conversation: string) => (archive === own ? { with: conversation } : {});

  const failed = (err: unknown) => {
    if (!(err instanceof StoppedError)) ctx.log('archive catch-up failed', err);
  };

  /** Stores a page, then lets the plugins apply the edits, retractions and reactions in it. */
  async function store(results: ArchiveResult[], records: MessageRecord[], options: Parameters<typeof storeMessages>[2]): Promise<void> {
    ctx.commit(await storeMessages(ctx.db, records, options));
    for (const r of results) if (r.envelope) await ctx.archived(r.envelope);
  }

  /**
   * The newest RECENT messages, newest page first so they show at once. `gap`: sync had a cursor
   * the server no longer knows, so a hole opens below them (filled as the user pages back).
   */
  async function recent({ gap, unread }: { gap?: Pick<ArchiveGap, 'forgotten' | 'below'>; unread: boolean }, archive = own): Promise<void> {
    let fetched = 0;
    let ceiling = Infinity;
    let next = query({ before: '' }, archive);
    for (;;) {
      const { results, fin } = await next;
      // Nothing archived (or all of it expired): whatever comes later is news, from the archive's start.
      if (results.length === 0) return fetched === 0 ? syncedEmpty(ctx.db, archive) : undefined;
      const first = fin.first ?? results[0]!.id;
      const more = !fin.complete && fetched + results.length < RECENT;
      // The next page is asked for while this one is stored: a run of pages takes the longer of the
      // server's answer and the write, not their sum.
      if (more) next = awaitedLater(query({ before: first }, archive));
      const records = beneath(toRecords(results, nickIn(archive)), ceiling);
      // The window's order is the archive's: what arrived live meanwhile takes its place in it.
      await store(results, records, { unread, placed: true });
      ceiling = Math.min(ceiling, ...records.map((r) => r.ts));
      const oldest = Number.isFinite(ceiling) ? ceiling : Date.now();
      if (fetched === 0) {
        const last = fin.last ?? results.at(-1)!.id;
        await (gap ? openGap(ctx.db, archive, last, { ...gap, above: first, ts: oldest }) : advanceSync(ctx.db, archive, last));
      } else if (gap) {
        await lowerGap(ctx.db, archive, first, oldest);
      }
      fetched += results.length;
      // The archive starts here: whatever the hole held has expired, and all there is is stored.
      if (fin.complete && gap) await closeGap(ctx.db, archive, gap.forgotten);
      if (!more) return;
    }
  }

  /**
   * Forward from where sync stopped. When more than a page came meanwhile, the newest RECENT are
   * fetched next, so the user sees them at once, and the run goes on beneath them as a gap (named by
   * where it stopped) until it meets what that window stored; then the gap is closed.
   */
  async function catchUp(archive = own): Promise<void> {
    const sync = await readSync(ctx.db, archive);
    let after = sync.last;
    // The first sync is history, not news: it does not count as unread, and the rest of it waits
    // until the user scrolls back.
    if (after === undefined && !sync.emptied) return recent({ unread: false }, archive);
    const order = { after: -Infinity };
    let gap: string | undefined;
    /** Beneath the newest window: its oldest archive id, which the fill reaches exactly (pages are contiguous). */
    let above: string | undefined;
    let next: Promise<Page> | undefined;
    // From the archive's start when it was empty last time (`after` undefined).
    for (;;) {
      let page;
      try {
        page = await (next ?? query({ after }, archive));
      } catch (err) {
        if (!unknownId(err) || after === undefined || gap) throw err;
        ctx.log('the archive no longer knows where sync stopped: fetching the newest, leaving a gap', after);
        const below = (await storedTimes(ctx.db, [after])).get(after);
        return recent({ gap: { forgotten: after, ...(below === undefined ? {} : { below }) }, unread: true }, archive);
      }
      const { results, fin } = page;
      // Beneath the newest window, the page holding its oldest id has reached it. Not any stored id:
      // what came live before the stream was lost is stored too, and may lie below a hole.
      const met = above !== undefined && results.some((r) => r.id === above);
      const last = fin.last ?? results.at(-1)?.id;
      const done = fin.complete || results.length === 0 || !last;
      next = gap && !met && !done ? awaitedLater(query({ after: last }, archive)) : undefined; // see recent()
      await store(results, toRecords(results, nickIn(archive)), { unread: true, order });
      if (gap) {
        if (met || done) return closeGap(ctx.db, archive, gap);
      } else {
        // Only ids from contiguous pages move the cursor: a live message must never skip a gap.
        if (last) await advanceSync(ctx.db, archive, last);
        if (done) return;
        gap = last;
        const below = (await storedTimes(ctx.db, [gap])).get(gap);
        await recent({ gap: { forgotten: gap, ...(below === undefined ? {} : { below }) }, unread: true }, archive);
        // The window reached the archive's start: it closed the gap, nothing lies beneath.
        above = (await readSync(ctx.db, archive)).gaps.find((g) => g.forgotten === gap)?.above;
        if (above === undefined) return;
      }
      after = last;
    }
  }

  /**
   * One page back through `gap` in `conversation`, from where it got to. It has crossed the hole
   * when the page meets what was stored below it (see ArchiveGap.below), or the archive's start (then true).
   */
  async function intoGap(conversation: string, gap: ArchiveGap, archive: string): Promise<boolean> {
    const from = gap.progress[conversation] ?? { id: gap.above, ts: gap.ts };
    let page;
    try {
      page = await query({ ...withIn(archive, conversation), before: from.id, max: OLDER_PAGE }, archive);
    } catch (err) {
      if (!unknownId(err)) throw err;
      // Archives expire oldest first: what was older than an id the server forgot is gone too.
      await progressGap(ctx.db, archive, gap.forgotten, conversation, 'crossed');
      return false;
    }
    const { results, fin } = page;
    const known = await storedTimes(ctx.db, results.map((r) => r.id));
    const met = [...known.values()].some((ts) => gap.below === undefined || ts <= gap.below);
    const records = beneath(toRecords(results, nickIn(archive)), from.ts);
    await store(results, records, { unread: false });
    const complete = fin.complete || results.length === 0;
    if (complete || met) {
      await progressGap(ctx.db, archive, gap.forgotten, conversation, 'crossed');
      if (complete) await putState(ctx.db, { key: `start:${conversation}` });
      return complete;
    }
    const ts = Math.min(from.ts, ...records.map((r) => r.ts));
    await progressGap(ctx.db, archive, gap.forgotten, conversation, { id: fin.first ?? results[0]!.id, ts });
    return false;
  }

  return {
    async online() {
      // Not awaited: live stanzas keep flowing while the archive pages in.
      done = catchUp().catch(failed);
    },
    async resumed({ restored }) {
      // A previous worker may have died with stanzas acked but not yet stored.
      if (restored) done = catchUp().catch(failed);
    },
    caughtUp: () => done,
    catchUpRoom: (room) => catchUp(room).catch(failed),
    stop() {
      stop();
      return done;
    },
    async loadOlder(conversation) {
      // A room's history is in the room's archive; everyone else's in ours.
      const archive = (await ctx.db.get('rooms', conversation)) ? conversation : own;
      // A hole first: paging back must not jump over it to what is stored below.
      const gap = nextGap(await readSync(ctx.db, archive), conversation);
      if (gap) return intoGap(conversation, gap, archive);
      if (await ctx.db.get('state', `start:${conversation}`)) return true;
      const { stanzaId: oldest, ts: first } = await oldestStored(ctx, conversation);
      let page;
      try {
        page = await query({ ...withIn(archive, conversation), before: oldest ?? '', max: OLDER_PAGE }, archive);
      } catch (err) {
        if (!unknownId(err)) throw err;
        page = { results: [], fin: { complete: true } }; // the oldest we have expired there: nothing older is left
      }
      const { results, fin } = page;
      // Older than everything stored, whatever whole second the stamps say: keep the page before it.
      await store(results, beneath(toRecords(results, nickIn(archive)), first), { unread: false });
      const complete = fin.complete || results.length === 0;
      if (complete) await putState(ctx.db, { key: `start:${conversation}` });
      return complete;
    },
  };
}

/** Time of the oldest stored message of a conversation, and the oldest archive id stored. */
async function oldestStored(ctx: PluginContext, conversation: string): Promise<{ stanzaId?: string; ts: number }> {
  const tx = ctx.db.transaction('messages');
  const first = await tx.store.index('byConversation').openKeyCursor(IDBKeyRange.bound([conversation, -Infinity], [conversation, Infinity]));
  const ts = first ? (first.key as [string, number])[1] : Infinity;
  // The oldest with an archive id is the older of the oldest incoming and outgoing one that has one.
  const archived = tx.store.index('byArchived');
  const oldest = async (direction: string) =>
    (await archived.openKeyCursor(IDBKeyRange.bound([conversation, direction, -Infinity, ''], [conversation, direction, Infinity, []])))?.key as
      | [string, string, number, string]
      | undefined;
  const [inbound, outbound] = [await oldest('in'), await oldest('out')];
  const found = !outbound || (inbound && inbound[2] <= outbound[2]) ? inbound : outbound;
  return { ts, ...(found ? { stanzaId: found[3] } : {}) };
}

/** The catch-up was stopped (logout): whatever a query brings back afterwards is not written. */
class StoppedError extends Error {
  override name = 'StoppedError';
}
