/**
 * Bookmarks: the rooms a user keeps, on every device. PEP Native Bookmarks (XEP-0402, node
 * `urn:xmpp:bookmarks:1`, one item per room) where the server offers `urn:xmpp:bookmarks:1#compat`
 * (it then keeps older clients' XEP-0048 copy in step); elsewhere XEP-0048 in private XML storage
 * (XEP-0049), the one store every server has. Rooms marked autojoin are joined at login; what another
 * device changes arrives as a PEP notification and is applied (joined, left). Stored locally so
 * pages list bookmarks before the network answers.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { isRoomJid } from '../shared/jid.js';
import type { JoinResult } from '../shared/api.js';
import type { BookmarkRecord } from '../shared/records.js';
import { deleteBookmark, listBookmarks, putBookmark, replaceBookmarks } from '../storage/bookmarks.js';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';
import { NS_PUBSUB, type PublishOptions, type PubSubPlugin } from './pubsub.js';
import { MAX_SHORT_TEXT } from '../shared/limits.js';

export const NS_BOOKMARKS = 'urn:xmpp:bookmarks:1';
export const NS_COMPAT = 'urn:xmpp:bookmarks:1#compat';
const NS_PRIVATE = 'jabber:iq:private';
const NS_LEGACY = 'storage:bookmarks';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

export const feature: Feature = { notify: [NS_BOOKMARKS] };

/** XEP-0402 §5: private to the account, every item kept. */
export const OPTIONS: PublishOptions = {
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
  'pubsub#send_last_published_item': 'never',
  'pubsub#access_model': 'whitelist',
};

/** What joins and leaves rooms (the MUC plugin): bookmarks only ask it to. */
export interface RoomJoiner {
  join(room: string, nick: string, options?: { password?: string }): Promise<JoinResult>;
  leave(room: string): Promise<void>;
  /** Bare JIDs of the rooms joined now. */
  joined(): string[];
}

/** A bookmark as read from the server, with the extensions other clients put in it (kept as they are). */
export interface ParsedBookmark {
  bookmark: BookmarkRecord;
  extensions?: Element;
}

const isTrue = (s: string | undefined) => s === 'true' || s === '1';
const limited = (s: string | null | undefined) => (s ? s.slice(0, MAX_SHORT_TEXT) : undefined);

/** The fields a bookmark has beside its room, as a record without the unset ones. */
function record(jid: string, autojoin: boolean, name?: string, nick?: string, password?: string): BookmarkRecord {
  return { jid, autojoin, ...(name ? { name } : {}), ...(nick ? { nick } : {}), ...(password ? { password } : {}) };
}

/** One `<item/>` of the node (XEP-0402 §3): `<conference/>` for the room its id names. */
export function buildItem(b: BookmarkRecord, extensions?: Element): Element {
  return xml(
    'item',
    { id: b.jid },
    xml(
      'conference',
      { xmlns: NS_BOOKMARKS, autojoin: b.autojoin ? 'true' : 'false', ...(b.name ? { name: b.name } : {}) },
      b.nick ? xml('nick', {}, b.nick) : null,
      b.password ? xml('password', {}, b.password) : null,
      extensions ?? null,
    ),
  );
}

export function parseItem(item: Element): ParsedBookmark | null {
  const jid = item.attrs.id;
  const conference = item.getChild('conference', NS_BOOKMARKS);
  if (!isRoomJid(jid) || !conference) return null;
  const extensions = conference.getChild('extensions');
  const bookmark = record(jid, isTrue(conference.attrs.autojoin), limited(conference.attrs.name), limited(conference.getChildText('nick')), limited(conference.getChildText('password')));
  return { bookmark, ...(extensions ? { extensions } : {}) };
}

/** The `<items/>` of a fetch or a notification: bookmarks set, and rooms whose bookmark was retracted. */
export function parseItems(items: Element | undefined): { set: ParsedBookmark[]; retracted: string[] } {
  if (!items || items.attrs.node !== NS_BOOKMARKS) return { set: [], retracted: [] };
  return {
    set: items.getChildren('item').flatMap((i) => parseItem(i) ?? []),
    retracted: items.getChildren('retract').flatMap((r) => (isRoomJid(r.attrs.id) ? [r.attrs.id] : [])),
  };
}

/** The `<pubsub/>` of an iq set removing one room's bookmark, telling our other devices. */
export const buildRetract = (room: string): Element =>
  xml('pubsub', { xmlns: NS_PUBSUB }, xml('retract', { node: NS_BOOKMARKS, notify: 'true' }, xml('item', { id: room })));

/** XEP-0048 in private XML storage: the query that reads (empty) or writes (with `storage`) the list. */
export const buildLegacyQuery = (storage?: Element): Element => xml('query', { xmlns: NS_PRIVATE }, storage ?? xml('storage', { xmlns: NS_LEGACY }));

/** `<storage xmlns='storage:bookmarks'/>` holding the rooms, after what else it held (`<url/>`s, other clients' data). */
export function buildLegacyStorage(bookmarks: BookmarkRecord[], kept: Element[] = []): Element {
  return xml(
    'storage',
    { xmlns: NS_LEGACY },
    ...kept,
    ...bookmarks.map((b) =>
      xml(
        'conference',
        { jid: b.jid, autojoin: b.autojoin ? 'true' : 'false', ...(b.name ? { name: b.name } : {}) },
        b.nick ? xml('nick', {}, b.nick) : null,
        b.password ? xml('password', {}, b.password) : null,
      ),
    ),
  );
}

/** The rooms of a private storage answer, and what else it held (kept when writing it back). */
export function parseLegacy(query: Element | undefined): { bookmarks: BookmarkRecord[]; kept: Element[] } {
  const storage = query?.getChild('storage', NS_LEGACY);
  if (!storage) return { bookmarks: [], kept: [] };
  const bookmarks = new Map<string, BookmarkRecord>();
  for (const c of storage.getChildren('conference')) {
    const jid = c.attrs.jid;
    if (isRoomJid(jid) && !bookmarks.has(jid)) {
      bookmarks.set(jid, record(jid, isTrue(c.attrs.autojoin), limited(c.attrs.name), limited(c.getChildText('nick')), limited(c.getChildText('password'))));
    }
  }
  return { bookmarks: [...bookmarks.values()], kept: storage.getChildElements().filter((c) => c.name !== 'conference') };
}

export interface BookmarksPlugin extends Plugin {
  /** The user joined `room`: bookmark it to be joined at login, here and on their other devices. */
  joined(room: string, nick: string, password?: string): Promise<void>;
  /** The user left `room` for good (after leaving it): its bookmark goes. */
  forget(room: string): Promise<void>;
}

/**
 * The rooms as the user joins and leaves them: a room joined is bookmarked (to be joined at login,
 * on every device), a room left for good loses its bookmark. Bookmarks' own autojoin goes to the
 * MUC plugin directly.
 */
export function bookmarked(rooms: RoomJoiner, marks: BookmarksPlugin, log: (message: string, detail?: unknown) => void): RoomJoiner {
  return {
    async join(room, nick, options = {}) {
      const result = await rooms.join(room, nick, options);
      if (result.status === 'joined') await marks.joined(room, result.nick, options.password).catch((err) => log(`${room} not bookmarked`, err));
      return result;
    },
    async leave(room) {
      await rooms.leave(room);
      await marks.forget(room).catch((err) => log(`bookmark of ${room} not removed`, err));
    },
    joined: () => rooms.joined(),
  };
}

export function bookmarks(ctx: PluginContext, pep: PubSubPlugin, rooms: RoomJoiner): BookmarksPlugin {
  /** Known at login: the server keeps XEP-0402 (and XEP-0048 in step), or only private storage is used. */
  let native = true;
  /** Settles once the login found out which: a change made meanwhile waits for it. */
  let known: Promise<unknown> = Promise.resolve();
  /** Other clients' extensions per room (XEP-0402 §3: kept on every change). */
  const extensions = new Map<string, Element>();
  /** What private storage held beside rooms, written back with them. */
  let kept: Element[] = [];
  const ownNick = () => ctx.jid.slice(0, ctx.jid.indexOf('@'));

  async function offersCompat(): Promise<boolean> {
    const info = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), ctx.jid);
    return !!info?.getChildren('feature').some((f) => f.attrs.var === NS_COMPAT);
  }

  async function fetchAll(): Promise<BookmarkRecord[]> {
    if (!native) {
      const stored = parseLegacy(await ctx.xmpp.iqCaller.get(buildLegacyQuery()));
      kept = stored.kept;
      return stored.bookmarks;
    }
    let items: Element | undefined;
    try {
      items = await pep.fetch(NS_BOOKMARKS);
    } catch (err) {
      // A new account has no node yet.
      if ((err as { condition?: string }).condition !== 'item-not-found') throw err;
    }
    const { set } = parseItems(items);
    extensions.clear();
    for (const { bookmark, extensions: ext } of set) if (ext) extensions.set(bookmark.jid, ext);
    return set.map((s) => s.bookmark);
  }

  function join(b: BookmarkRecord): void {
    if (rooms.joined().includes(b.jid)) return;
    void rooms.join(b.jid, b.nick ?? ownNick(), b.password ? { password: b.password } : {}).catch((err) => ctx.log(`autojoin of ${b.jid} failed`, err));
  }

  async function leave(room: string): Promise<void> {
    if (rooms.joined().includes(room)) await rooms.leave(room).catch((err) => ctx.log(`leaving ${room} failed`, err));
  }

  /** Writes one change to the server: an item, or the whole private storage list. */
  async function save(b: BookmarkRecord | { retract: string }): Promise<void> {
    if (!native) {
      await ctx.xmpp.iqCaller.set(buildLegacyQuery(buildLegacyStorage(await listBookmarks(ctx.db), kept)));
    } else if ('retract' in b) {
      await ctx.xmpp.iqCaller.set(buildRetract(b.retract));
    } else {
      await pep.publish(NS_BOOKMARKS, buildItem(b, extensions.get(b.jid)), OPTIONS);
    }
  }

  pep.route(NS_BOOKMARKS, async (items) => {
    const { set, retracted } = parseItems(items);
    for (const { bookmark, extensions: ext } of set) {
      if (ext) extensions.set(bookmark.jid, ext);
      else extensions.delete(bookmark.jid);
      ctx.commit(await putBookmark(ctx.db, bookmark));
      if (bookmark.autojoin) join(bookmark);
      else await leave(bookmark.jid);
    }
    for (const room of retracted) {
      extensions.delete(room);
      ctx.commit(await deleteBookmark(ctx.db, room));
      await leave(room);
    }
  });

  return {
    async online() {
      // Not awaited: joining rooms must not hold up the stanzas behind it.
      const found = (known = offersCompat().then((compat) => (native = compat)));
      void (async () => {
        await found;
        const list = await fetchAll();
        ctx.commit(await replaceBookmarks(ctx.db, list));
        for (const b of list) if (b.autojoin) join(b);
      })().catch((err) => ctx.log('bookmarks not fetched', err));
    },
    async joined(room, nick, password) {
      await known.catch(() => undefined);
      const was = await ctx.db.get('bookmarks', room);
      const b = record(room, true, was?.name, nick, password ?? was?.password);
      if (was && JSON.stringify(was) === JSON.stringify(b)) return;
      ctx.commit(await putBookmark(ctx.db, b));
      await save(b);
    },
    async forget(room) {
      await known.catch(() => undefined);
      // Checked and deleted at once: a second forget of the same room (the room's own "destroyed"
      // presence beside our destroy) finds nothing and retracts nothing (ejabberd would refuse it).
      const change = await deleteBookmark(ctx.db, room);
      if (!change) return;
      ctx.commit(change);
      await save({ retract: room });
    },
  };
}
