/**
 * MUC-Sub (ejabberd, `urn:xmpp:mucsub:0`): a room's messages and subject without being joined. The
 * room wraps each one in a PubSub event message to our bare JID; they are unwrapped only from the
 * room itself, only for a room we subscribed to, and handed on as room messages. What came while we
 * were offline is fetched from the room's archive (XEP-0313 on the room JID) after the last archive
 * id stored for it (the per-archive cursor `archive:<room>`); the offline copies our server also
 * delivers carry the same room stanza-id, by which the receiver stores each message once.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { MucSubscription, ParleyApi } from '../shared/api.js';
import { bareJid, isRoomJid, resourceOf } from '../shared/jid.js';
import { advanceSync, readSync } from '../storage/archive.js';
import { markSubscribed } from '../storage/rooms.js';
import { arrivalOf } from './clock.js';
import { archiveId, NS_FORWARD, NS_MAM, NS_OCCUPANT_ID, type Envelope } from './envelope.js';
import type { Feature } from './feature.js';
import { occupantAuthor, type JoinedRoom } from './joined-rooms.js';
import { buildQuery, parseFin } from './mam.js';
import type { Plugin, PluginContext } from './plugin.js';
import { NS_PUBSUB_EVENT } from './pubsub.js';

export const NS_MUCSUB = 'urn:xmpp:mucsub:0';
const NODE_MESSAGES = 'urn:xmpp:mucsub:nodes:messages';
const NODE_SUBJECT = 'urn:xmpp:mucsub:nodes:subject';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_DELAY = 'urn:xmpp:delay';

/** Taken from the room's archive when nothing of it is stored yet: recent history, not all of it. */
export const FIRST_PAGE = 50;
const PAGE = 250;

/** A room's message (or subject change) as the room sent it, and how it reached us. */
export interface RoomMessage {
  room: string;
  /** The `groupchat` message, from `room/nick`. */
  message: Element;
  /** Its id in the room's archive (the room's stanza-id, or the archive result id). */
  archiveId?: string;
  /** When the room or our server stamped it (ms). */
  stamp?: number;
  via: 'mucsub' | 'archive';
  /** Our nick in the room's subscription (recognises our own messages there). */
  nick?: string;
}

/** Where room messages go (the MUC plugin's room stage stores them, once per room archive id). */
export interface RoomMessages {
  received(messages: RoomMessage[]): Promise<void>;
}


/** The `<subscribe/>` of an iq set to the room: its messages and subject, under `nick`. */
export function buildSubscribe(nick: string, password?: string): Element {
  return xml(
    'subscribe',
    { xmlns: NS_MUCSUB, nick, ...(password ? { password } : {}) },
    xml('event', { node: NODE_MESSAGES }),
    xml('event', { node: NODE_SUBJECT }),
  );
}

export const buildUnsubscribe = (): Element => xml('unsubscribe', { xmlns: NS_MUCSUB });

/** The `<subscriptions/>` of an iq get to a MUC service: the rooms we are subscribed to there. */
export const buildSubscriptions = (): Element => xml('subscriptions', { xmlns: NS_MUCSUB });

export function parseSubscriptions(el: Element | undefined): MucSubscription[] {
  if (!el?.is('subscriptions', NS_MUCSUB)) return [];
  return el.getChildren('subscription').flatMap((s) => {
    const room = s.attrs.jid && bareJid(s.attrs.jid);
    if (!isRoomJid(room)) return [];
    const events = s.getChildren('event').flatMap((e) => (e.attrs.node ? [e.attrs.node] : []));
    return [{ room, ...(s.attrs.nick ? { nick: s.attrs.nick } : {}), events }];
  });
}

/**
 * The room messages a MUC-Sub event carries, or null when it is none. Believed only live, from
 * exactly a room in `subscribed` (its bare JID, as the room sends them), and only messages of that
 * room: a forwarded message from anywhere else is someone else's words put in the room's mouth.
 */
export function unwrapEvent(envelope: Envelope, subscribed: Pick<ReadonlySet<string>, 'has'>): RoomMessage[] | null {
  const room = envelope.from;
  const items = envelope.message.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
  if (!items || (items.attrs.node !== NODE_MESSAGES && items.attrs.node !== NODE_SUBJECT)) return null;
  if (envelope.via !== 'live' || !subscribed.has(room)) return [];
  return items.getChildren('item').flatMap((item) => {
    const inner = item.getChildren('message');
    const message = inner.length === 1 ? inner[0]! : undefined;
    if (!message || message.attrs.type !== 'groupchat' || bareJid(message.attrs.from ?? '') !== room) return [];
    const id = archiveId(message, room);
    return [{ room, message, ...(id ? { archiveId: id } : {}), ...(envelope.delay ? { stamp: envelope.delay.stamp } : {}), via: 'mucsub' as const }];
  });
}

/** One result of a query of ours to `room`'s archive, or null when it is not one. */
export function parseRoomResult(el: Element, room: string, queryid: string): RoomMessage | null {
  const result = el.getChild('result', NS_MAM);
  if (el.attrs.from !== room || result?.attrs.queryid !== queryid || !result.attrs.id) return null;
  const forwarded = result.getChild('forwarded', NS_FORWARD);
  const message = forwarded?.getChild('message');
  if (!message || message.attrs.type !== 'groupchat' || bareJid(message.attrs.from ?? '') !== room) return null;
  const stamp = Date.parse(forwarded!.getChild('delay', NS_DELAY)?.attrs.stamp ?? '');
  return { room, message, archiveId: result.attrs.id, ...(Number.isFinite(stamp) ? { stamp: Math.min(stamp, Date.now()) } : {}), via: 'archive' };
}

/**
 * A room message as the envelope the room plugins take: the room vouches for it (its archive id,
 * its stamp). Its author is the occupant; an occupant-id counts only where the room gave us one
 * (`joined`: we are in it), else the occupant's JID, ours when it is our nick or our real JID.
 */
export function roomEnvelope(m: RoomMessage, joined: JoinedRoom | undefined, ownJid: string): Envelope {
  const from = m.message.attrs.from as string;
  const base = { message: m.message, from, conversation: m.room, room: true as const, via: m.via === 'archive' ? 'archive' as const : 'live' as const, arrived: arrivalOf(m.message) };
  const vouched = { ...(m.archiveId ? { archive: { jid: m.room, id: m.archiveId } } : {}), ...(m.stamp === undefined ? {} : { delay: { stamp: m.stamp, by: m.room } }) };
  if (!resourceOf(from)) return { ...base, ...vouched, sender: m.room, direction: 'in' };
  const occupantId = m.message.getChild('occupant-id', NS_OCCUPANT_ID)?.attrs.id;
  const realJid = m.message.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('item')?.attrs.jid;
  const claims = { ...(occupantId ? { occupantId } : {}), ...(realJid ? { realJid } : {}) };
  const { ours, author } = occupantAuthor(joined ?? { nick: m.nick ?? '' }, from, claims, ownJid);
  return { ...base, ...vouched, sender: author, direction: ours ? 'out' : 'in' };
}

export interface MucSubPlugin extends Plugin {
  /** Subscribes to a room's messages and subject under `nick`, then fetches its recent history. */
  subscribe(room: string, nick: string, options?: { password?: string }): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  /** Whether we are subscribed to `room`, as far as this session knows. */
  isSubscribed(room: string): boolean;
  /** Whether the room or MUC service `jid` offers MUC-Sub (a room not made yet: its service). */
  offers(jid: string): Promise<boolean>;
  /** Every room we are subscribed to, as the MUC services say. */
  subscriptions(): Promise<MucSubscription[]>;
}

export function mucsub(ctx: PluginContext, rooms: RoomMessages): MucSubPlugin {
  /** Our nick in each subscribed room, as we subscribed or the service lists it (the archive reads it too). */
  const subscribed = ctx.rooms.subscribed;
  const withNick = (list: RoomMessage[]) => list.map((m) => (subscribed.get(m.room) ? { ...m, nick: subscribed.get(m.room)! } : m));
  /** Our archive queries waiting for their `<fin/>`: the room each went to, and its results so far. */
  const pending = new Map<string, { room: string; results: RoomMessage[] }>();
  let services: Promise<string[]> | undefined;

  // Collected as they arrive, so a page is complete when its <fin/> answers the query.
  ctx.xmpp.on('stanza', (el: Element) => {
    const queryid = el.getChild('result', NS_MAM)?.attrs.queryid;
    const query = queryid ? pending.get(queryid) : undefined;
    const result = query && parseRoomResult(el, query.room, queryid!);
    if (result) query.results.push(result);
  });

  /** Whether `jid` (a room or a service) lists MUC-Sub among its features; undefined when it does not answer. */
  const listsMucSub = async (jid: string) =>
    (await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), jid).catch(() => undefined))?.getChildren('feature').some((f) => f.attrs.var === NS_MUCSUB);

  /** The MUC services of our server that offer MUC-Sub. */
  async function discover(): Promise<string[]> {
    const domain = ctx.jid.slice(ctx.jid.indexOf('@') + 1);
    const items = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS }), domain);
    const found = await Promise.all((items?.getChildren('item') ?? []).map(async (i) => (i.attrs.jid && (await listsMucSub(i.attrs.jid)) ? [i.attrs.jid as string] : [])));
    return found.flat();
  }

  async function page(room: string, set: { after?: string; before?: string; max: number }) {
    const queryid = crypto.randomUUID();
    pending.set(queryid, { room, results: [] });
    try {
      const answer = await ctx.xmpp.iqCaller.request(xml('iq', { type: 'set', to: room, id: queryid }, buildQuery({ queryid, ...set })));
      const fin = parseFin(answer.getChild('fin', NS_MAM));
      if (!fin) throw new Error('archive query answered without <fin/>');
      return { results: pending.get(queryid)!.results, fin };
    } finally {
      pending.delete(queryid);
    }
  }

  /** One catch-up per room at a time: a second (login and subscribe at once) starts from where the first ended. */
  const running = new Map<string, Promise<void>>();
  function catchUp(room: string): Promise<void> {
    const next = (running.get(room) ?? Promise.resolve()).catch(() => undefined).then(() => fetchSince(room));
    running.set(room, next);
    void next.catch(() => undefined).finally(() => running.get(room) === next && running.delete(room));
    return next;
  }

  /** What the room said since the last archive id stored for it; its recent history the first time. */
  async function fetchSince(room: string): Promise<void> {
    let after = (await readSync(ctx.db, room)).last;
    for (;;) {
      const { results, fin } = await page(room, after === undefined ? { before: '', max: FIRST_PAGE } : { after, max: PAGE });
      if (results.length) await rooms.received(withNick(results));
      const last = fin.last ?? results.at(-1)?.archiveId;
      if (last) await advanceSync(ctx.db, room, last);
      if (after === undefined || fin.complete || !results.length || !last) return;
      after = last;
    }
  }

  /** Subscribing and unsubscribing here, numbered: what the server listed before one of them does not undo it. */
  let tick = 0;
  const changed = new Map<string, { at: number; nick?: string }>();
  /** `nick`: subscribed under it; none: unsubscribed. */
  function note(room: string, nick?: string): void {
    changed.set(room, { at: ++tick, ...(nick === undefined ? {} : { nick }) });
    if (nick === undefined) subscribed.delete(room);
    else subscribed.set(room, nick);
  }

  async function refresh(): Promise<MucSubscription[]> {
    const asked = tick;
    services ??= discover();
    const lists = await Promise.all((await services).map(async (s) => parseSubscriptions(await ctx.xmpp.iqCaller.get(buildSubscriptions(), s))));
    const all = lists.flat();
    const known = new Map(subscribed);
    subscribed.clear();
    for (const s of all) subscribed.set(s.room, s.nick ?? known.get(s.room) ?? '');
    for (const [room, { at, nick }] of changed) {
      if (at <= asked) changed.delete(room);
      else if (nick === undefined) subscribed.delete(room);
      else subscribed.set(room, nick);
    }
    // Shown as subscribed where the services say so (another device may have changed it).
    for (const r of await ctx.db.getAll('rooms')) if (r.subscribed && !subscribed.has(r.jid)) ctx.commit(await markSubscribed(ctx.db, r.jid));
    for (const [room, nick] of subscribed) ctx.commit(await markSubscribed(ctx.db, room, nick));
    return all;
  }

  /** The subscriptions as the services list them, then each room's archive since its cursor. */
  function resync(): void {
    // Not awaited: live stanzas keep flowing while the rooms' archives page in.
    void (async () => {
      for (const s of await refresh()) await catchUp(s.room).catch((err) => ctx.log(`archive of ${s.room} not fetched`, err));
    })().catch((err) => ctx.log('MUC-Sub subscriptions not fetched', err));
  }

  return {
    async envelope(envelope) {
      const found = unwrapEvent(envelope, subscribed);
      if (found === null) return;
      if (found.length) await rooms.received(withNick(found));
      else ctx.log('MUC-Sub event dropped: not from a room we subscribed to, or not that room\'s messages', envelope.from);
    },
    online: async () => resync(),
    // A worker taking over a stream knows no subscriptions yet: what it drops meanwhile, the archive brings.
    async resumed({ restored }) {
      if (restored) resync();
    },
    async subscribe(room, nick, { password } = {}) {
      if (!isRoomJid(room)) throw new Error(`"${room}" is not a room address.`);
      if (!nick.trim()) throw new Error('Choose a nickname.');
      await ctx.xmpp.iqCaller.set(buildSubscribe(nick.trim(), password), room);
      note(room, nick.trim());
      ctx.commit(await markSubscribed(ctx.db, room, nick.trim()));
      await catchUp(room);
    },
    async unsubscribe(room) {
      await ctx.xmpp.iqCaller.set(buildUnsubscribe(), room);
      note(room);
      ctx.commit(await markSubscribed(ctx.db, room));
    },
    async offers(jid) {
      const answer = await listsMucSub(jid);
      if (answer !== undefined || !isRoomJid(jid)) return !!answer;
      return !!(await listsMucSub(jid.slice(jid.indexOf('@') + 1)));
    },
    isSubscribed: (room) => subscribed.has(room),
    subscriptions: refresh,
  };
}

export const feature = {
  api: (ctx) => ({
    subscribeRoom: (room, nick, password) => ctx.online().mucsub.subscribe(ctx.contactJid(room), String(nick), password ? { password } : {}),
    unsubscribeRoom: (room) => ctx.online().mucsub.unsubscribe(ctx.contactJid(room)),
    roomSubscriptions: () => ctx.online().mucsub.subscriptions(),
    canSubscribe: (jid) => ctx.online().mucsub.offers(bareJid(String(jid).trim().toLowerCase())),
  }),
} satisfies Feature<Pick<ParleyApi, 'subscribeRoom' | 'unsubscribeRoom' | 'roomSubscriptions' | 'canSubscribe'>>;
