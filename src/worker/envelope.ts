/**
 * The envelope stage: every incoming message is authenticated and unwrapped here, once, before any
 * feature plugin sees it. A live message, a carbon (XEP-0280 in XEP-0297) and an archive result
 * (XEP-0313) each become one trusted Envelope: the inner message, who wrote it, the conversation,
 * which archive vouches for its archive id, and how it was vouched for. Plugins trust envelopes and
 * never look at wrappers.
 *
 * Security (the CVE-2017-5589 family): a carbon is believed only from exactly our own bare JID; an
 * archive result only from the archive we queried (our own: our bare JID, or no `from`) and only
 * with a queryid we sent; a stanza-id only with `by` exactly the archive's JID, and only when one
 * alone claims it. A room's messages are believed only from a room we are in (its archive's results
 * also from one we subscribed to), and tied to the occupant who wrote them (see `roomMessage`).
 */
import type { Element } from '@xmpp/xml';
import { bareJid, resourceOf } from '../shared/jid.js';
import type { Direction } from '../shared/records.js';
import { arrivalOf } from './clock.js';
import { occupantAuthor, type JoinedRoom } from './joined-rooms.js';
import { MAX_ID } from '../shared/limits.js';

export const NS_CARBONS = 'urn:xmpp:carbons:2';
export const NS_FORWARD = 'urn:xmpp:forward:0';
export const NS_MAM = 'urn:xmpp:mam:2';
export const NS_SID = 'urn:xmpp:sid:0';
const NS_DELAY = 'urn:xmpp:delay';
export const NS_OCCUPANT_ID = 'urn:xmpp:occupant-id:0';
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

/** The rooms we are in (joined-rooms.ts), as far as the envelope stage needs to know. */
export interface Rooms {
  get(room: string): JoinedRoom | undefined;
  /** Also rooms we subscribed to (MUC-Sub): their archive is read, their live group chat is not. */
  reading(room: string): JoinedRoom | undefined;
}
const NO_ROOMS: Rooms = { get: () => undefined, reading: () => undefined };

/** How the message reached us: straight from its sender, as our server's copy, or from an archive. */
export type Vouch = 'live' | 'carbon' | 'archive';

export interface Envelope {
  /** The message itself: the stanza, or the one a carbon or an archive result forwards. */
  readonly message: Element;
  /** Its sender as it says (a full JID). */
  readonly from: string;
  /**
   * Bare JID of its author: edits and reactions it carries may touch only this author's messages.
   * In a room: the occupant (`occupant-id:<id>` where the room offers XEP-0421, else the occupant's
   * full JID), our bare JID for our own, the room's JID for the room itself.
   */
  readonly sender: string;
  /** The other party's bare JID, a room's, or an occupant's full JID (a private message in a room). */
  readonly conversation: string;
  /** Sent to a room (type groupchat): `conversation` is the room. */
  readonly room?: true;
  /** 'out': one of our devices wrote it. */
  readonly direction: Direction;
  readonly via: Vouch;
  /** The archive that vouches for it (a bare JID: ours, or the room's) and its id there. */
  readonly archive?: { readonly jid: string; readonly id: string };
  /** XEP-0203: the stamp (ms, never in the future) our server or the archive made, and who made it. */
  readonly delay?: { readonly stamp: number; readonly by: string };
  /** When the stanza that brought it arrived (clock.ts). */
  readonly arrived: number;
}

/** A live message our own account's server sent us (from exactly our bare JID): PEP notifications. */
export interface AccountMessage {
  readonly via: 'account';
  readonly message: Element;
}

/** A message that claims a wrapper it must not be believed in, or is unusable; the reason is logged. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/** Exactly our bare JID: no resource (a full JID of ours is a device, not the server), case-folded. */
function isOwnAccount(from: string | undefined, ownJid: string): boolean {
  return !!from && !from.includes('/') && bareJid(from) === ownJid;
}

/**
 * The stanza-id `archive` stamped (XEP-0359): `by` exactly its bare JID (servers stamp it so; a
 * variant in case or with a resource is someone else's), and only one such claim: a sender may add
 * a forged one that an older server does not strip, and then neither can be told real.
 */
export function archiveId(el: Element, archive: string): string | undefined {
  const claims = el.getChildren('stanza-id', NS_SID).filter((s) => s.attrs.by === archive);
  const id = claims.length === 1 ? (claims[0]!.attrs.id as string | undefined) : undefined;
  return id && id.length <= MAX_ID ? id : undefined;
}

/** A delay our own server added (`from` our domain or our bare JID), never in the future. */
function ownDelay(el: Element, ownJid: string): { stamp: number; by: string } | undefined {
  const domain = ownJid.slice(ownJid.indexOf('@') + 1);
  const delay = el.getChildren('delay', NS_DELAY).find((d) => d.attrs.from && [domain, ownJid].includes(bareJid(d.attrs.from)));
  const stamp = Date.parse(delay?.attrs.stamp ?? '');
  return Number.isFinite(stamp) ? { stamp: Math.min(stamp, Date.now()), by: bareJid(delay!.attrs.from!) } : undefined;
}

const isChat = (el: Element) => el.attrs.type !== 'error' && el.attrs.type !== 'groupchat';

/**
 * One live stanza: an Envelope (a contact's message, a room's, or a carbon), an AccountMessage, or
 * null for what no plugin takes here: no message, an archive result (the archive plugin matches those
 * to its queries with `unwrapResult`), an error reply, one from no address ("/x"), a message from one of our devices that is no
 * carbon, a carbon between two of our own devices. Throws EnvelopeError for a forged or malformed
 * carbon, and for group chat from anything but a room we are in.
 */
export function unwrap(el: Element, ownJid: string, rooms: Rooms = NO_ROOMS): Envelope | AccountMessage | null {
  if (el.name !== 'message' || el.getChild('result', NS_MAM)) return null;
  const wrappers = [...el.getChildren('received', NS_CARBONS), ...el.getChildren('sent', NS_CARBONS)];
  if (wrappers.length > 0) return carbon(el, wrappers, ownJid, rooms);
  const from = el.attrs.from;
  if (from && el.attrs.type === 'groupchat') return roomMessage(el, from, ownJid, rooms);
  if (!from || !isChat(el)) return null;
  if (from === ownJid) return { via: 'account', message: el };
  const conversation = peerOf(from, rooms);
  // Our own devices' messages count only as carbons, which our server vouches for; "/x" is no one's.
  if (conversation === ownJid || !conversation) return null;
  return envelope(el, { from, sender: conversation, conversation, direction: 'in', via: 'live', arrived: arrivalOf(el) }, ownJid);
}

/**
 * A group chat message: believed only from a room we are in. Its author is the occupant (see
 * Envelope.sender), ours when it is the room's reflection of what we sent.
 */
function roomMessage(el: Element, from: string, ownJid: string, rooms: Rooms): Envelope {
  const room = bareJid(from);
  const joined = rooms.get(room);
  if (!joined) throw new EnvelopeError(`group chat message from ${from} ignored: not a room we are in`);
  const arrived = arrivalOf(el);
  const base = { from, conversation: room, room: true as const, via: 'live' as const, arrived };
  const roomDelay = (): { delay?: { stamp: number; by: string } } => {
    const stamp = Date.parse(el.getChildren('delay', NS_DELAY).find((d) => d.attrs.from && bareJid(d.attrs.from) === room)?.attrs.stamp ?? '');
    return Number.isFinite(stamp) ? { delay: { stamp: Math.min(stamp, Date.now()), by: room } } : {};
  };
  const id = archiveId(el, room);
  const archive = id ? { archive: { jid: room, id } } : {};
  if (!resourceOf(from)) return { message: el, ...base, sender: room, direction: 'in', ...archive, ...roomDelay() };
  const occupantId = el.getChild('occupant-id', NS_OCCUPANT_ID)?.attrs.id;
  const { ours, author } = occupantAuthor(joined, from, occupantId ? { occupantId } : {}, ownJid);
  return { message: el, ...base, sender: author, direction: ours ? 'out' : 'in', ...archive, ...roomDelay() };
}

/**
 * The other party of a one-to-one message: a bare JID, or an occupant's full JID for a private
 * message in a room we are in (the room's bare JID is the room's own conversation).
 */
function peerOf(jid: string, rooms: Rooms): string {
  const bare = bareJid(jid);
  return rooms.get(bare) && resourceOf(jid) ? `${bare}/${resourceOf(jid)}` : bare;
}

function carbon(el: Element, wrappers: Element[], ownJid: string, rooms: Rooms): Envelope | null {
  if (!isOwnAccount(el.attrs.from, ownJid)) throw new EnvelopeError(`carbon from ${el.attrs.from ?? 'nobody'} ignored: only our own account sends carbons`);
  if (wrappers.length > 1) throw new EnvelopeError('carbon with more than one copy ignored');
  const wrapper = wrappers[0]!;
  const forwarded = wrapper.getChildren('forwarded', NS_FORWARD);
  if (forwarded.length !== 1) throw new EnvelopeError(`carbon with ${forwarded.length} forwarded elements ignored`);
  const inner = forwarded[0]!.getChildren('message');
  if (inner.length !== 1) throw new EnvelopeError(`carbon with ${inner.length} forwarded messages ignored`);
  const message = inner[0]!;
  // Only a server wraps carbons, and never a carbon in another: nothing legitimate nests them.
  if (message.getChild('received', NS_CARBONS) || message.getChild('sent', NS_CARBONS) || message.getChild('forwarded', NS_FORWARD)) {
    throw new EnvelopeError('nested carbon ignored');
  }
  if (!isChat(message)) return null;
  const { from, to } = message.attrs;
  // "/x" names no one either.
  if (!from || !to || !bareJid(from) || !bareJid(to)) throw new EnvelopeError('carbon of a message without sender or recipient ignored');
  const arrived = arrivalOf(el);
  if (wrapper.name === 'sent') {
    // Our device sent it: it is from us, to them.
    if (bareJid(from) !== ownJid) throw new EnvelopeError(`sent carbon of a message from ${from} ignored`);
    const conversation = peerOf(to, rooms);
    if (conversation === ownJid) return null;
    return envelope(message, { from, sender: ownJid, conversation, direction: 'out', via: 'carbon', arrived }, ownJid);
  }
  // One of our devices received it: it is to us, from them.
  if (bareJid(to) !== ownJid) throw new EnvelopeError(`received carbon of a message to ${to} ignored`);
  const conversation = peerOf(from, rooms);
  if (conversation === ownJid) return null;
  return envelope(message, { from, sender: conversation, conversation, direction: 'in', via: 'carbon', arrived }, ownJid);
}

/** Adds what our own server vouches for inside the message: its archive id and its delay stamp. */
function envelope(message: Element, base: Omit<Envelope, 'message' | 'archive' | 'delay'>, ownJid: string): Envelope {
  const id = archiveId(message, ownJid);
  const delay = ownDelay(message, ownJid);
  return { message, ...base, ...(id ? { archive: { jid: ownJid, id } } : {}), ...(delay ? { delay } : {}) };
}

/** One archive result: the query it answers, its archive id, and what it holds for the chat plugins. */
export interface ArchiveResult {
  queryid: string;
  id: string;
  /** Null when it holds nothing the plugins take (a note between our own devices, an error). */
  envelope: Envelope | null;
}

/**
 * An archive result (XEP-0313), or null for a message that carries none. `archiveOf(queryid)` names
 * the archive a query of ours went to (our bare JID, or a room's), undefined for a queryid we never
 * sent. Throws EnvelopeError for a result that answers no query of ours or comes from anyone but
 * that archive: someone forging history.
 */
export function unwrapResult(outer: Element, ownJid: string, archiveOf: (queryid: string) => string | undefined, rooms: Rooms = NO_ROOMS): ArchiveResult | null {
  if (outer.name !== 'message') return null;
  const result = outer.getChild('result', NS_MAM);
  if (!result) return null;
  const { queryid, id } = result.attrs as { queryid?: string; id?: string };
  const archive = queryid ? archiveOf(queryid) : undefined;
  if (!queryid || !archive) throw new EnvelopeError(`archive result from ${outer.attrs.from ?? 'our account'} answers no query of ours`);
  const from = outer.attrs.from;
  // Our own archive's results come from our bare JID, or without `from` (which means our account).
  const fromArchive = archive === ownJid ? from === undefined || isOwnAccount(from, ownJid) : from === archive;
  if (!fromArchive) throw new EnvelopeError(`archive result from ${from} ignored: not from the archive we asked`);
  const forwarded = result.getChild('forwarded', NS_FORWARD);
  const message = forwarded?.getChild('message');
  if (!message || !id) throw new EnvelopeError('archive result without a message or an id ignored');
  const stamp = Date.parse(forwarded!.getChild('delay', NS_DELAY)?.attrs.stamp ?? '');
  const from_ = message.attrs.from;
  if (archive !== ownJid) return { queryid, id, envelope: roomResult(outer, message, archive, id, stamp, ownJid, rooms) };
  if (!from_ || !isChat(message)) return { queryid, id, envelope: null };
  const out = bareJid(from_) === ownJid;
  const conversation = out ? peerOf(message.attrs.to ?? '', rooms) : peerOf(from_, rooms);
  if (!conversation || conversation === ownJid) return { queryid, id, envelope: null };
  const inner = ownDelay(message, ownJid);
  // The archive's own stamp orders it; else one our server put on the message (offline storage).
  const delay = Number.isFinite(stamp) ? { stamp: Math.min(stamp, Date.now()), by: archive } : inner;
  const envelope: Envelope = {
    message,
    from: from_,
    sender: out ? ownJid : conversation,
    conversation,
    direction: out ? 'out' : 'in',
    via: 'archive',
    archive: { jid: archive, id },
    ...(delay ? { delay } : {}),
    arrived: arrivalOf(outer),
  };
  return { queryid, id, envelope };
}

/**
 * A room archive's result: a group chat message of that room (anything else it holds is not ours to
 * take), of a room we are in or subscribed to. The archive vouches for the author's occupant-id and,
 * where it shows one, real JID.
 */
function roomResult(outer: Element, message: Element, room: string, id: string, stamp: number, ownJid: string, rooms: Rooms): Envelope | null {
  const from = message.attrs.from;
  const joined = rooms.reading(room);
  if (!from || message.attrs.type !== 'groupchat' || bareJid(from) !== room || !joined) return null;
  const occupantId = message.getChild('occupant-id', NS_OCCUPANT_ID)?.attrs.id;
  const realJid = message.getChild('x', NS_MUC_USER)?.getChild('item')?.attrs.jid;
  const who = resourceOf(from)
    ? occupantAuthor(joined, from, { ...(occupantId ? { occupantId } : {}), ...(realJid ? { realJid } : {}) }, ownJid)
    : { ours: false, author: room };
  return {
    message,
    from,
    sender: who.author,
    conversation: room,
    room: true,
    direction: who.ours ? 'out' : 'in',
    via: 'archive',
    archive: { jid: room, id },
    ...(Number.isFinite(stamp) ? { delay: { stamp: Math.min(stamp, Date.now()), by: room } } : {}),
    arrived: arrivalOf(outer),
  };
}
