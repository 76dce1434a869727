/**
 * Multi-User Chat (XEP-0045) stanzas, pure: joining, occupants' presence, join errors, the admin and
 * owner requests (roles, affiliations, configuration, destruction), room discovery (XEP-0030 with
 * muc#roominfo), subject, and self-ping (XEP-0410). The plugin in muc.ts wires them to the session.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid, resourceOf } from '../shared/jid.js';
import type { JoinResult, RoomListing } from '../shared/api.js';
import type { Affiliation, Role, Show } from '../shared/records.js';
import { NS_OCCUPANT_ID } from './envelope.js';
import { MAX_ROOM_NICK, MAX_SHORT_TEXT } from '../shared/limits.js';

export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_MUC_USER = `${NS_MUC}#user`;
export const NS_MUC_ADMIN = `${NS_MUC}#admin`;
export const NS_MUC_OWNER = `${NS_MUC}#owner`;
export const NS_DATA = 'jabber:x:data';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const NS_PING = 'urn:xmpp:ping';


const ROLES: readonly Role[] = ['moderator', 'participant', 'visitor', 'none'];
const AFFILIATIONS: readonly Affiliation[] = ['owner', 'admin', 'member', 'outcast', 'none'];

/**
 * Enter `room` as `nick`. `<history maxstanzas='0'/>`: the room's archive (XEP-0313) brings the
 * history, so the legacy replay would only duplicate it.
 */
export function buildJoin(room: string, nick: string, password?: string): Element {
  const x = xml('x', { xmlns: NS_MUC }, xml('history', { maxstanzas: '0' }));
  if (password) x.append(xml('password', {}, password));
  return xml('presence', { to: `${room}/${nick}` }, x);
}

export function buildLeave(room: string, nick: string): Element {
  return xml('presence', { to: `${room}/${nick}`, type: 'unavailable' });
}

/** A nick change is a presence to the new occupant JID (XEP-0045 §7.6). */
export function buildNickChange(room: string, nick: string): Element {
  return xml('presence', { to: `${room}/${nick}` });
}

/** What an occupant's presence says (XEP-0045 §7.2, §9, §10). */
export interface OccupantPresence {
  room: string;
  nick: string;
  available: boolean;
  role: Role;
  affiliation: Affiliation;
  /** It is about us (status 110). */
  self: boolean;
  /** Status codes: 201 new room, 303 nick change, 307 kicked, 301 banned, 321/322 removed, 332 shutdown… */
  codes: string[];
  jid?: string;
  occupantId?: string;
  /** 303: the nick the occupant takes now. */
  newNick?: string;
  show?: Show;
  reason?: string;
  /** The room was destroyed (§10.9), with the owner's reason. */
  destroyed?: { reason?: string };
}

const SHOWS: readonly Show[] = ['chat', 'away', 'xa', 'dnd'];
const text = (s: string | null | undefined) => (s ? s.slice(0, MAX_SHORT_TEXT) : undefined);

/** An occupant's presence from `room/nick` carrying muc#user; null for anything else (errors included). */
export function parseOccupant(el: Element): OccupantPresence | null {
  const from = el.attrs.from;
  if (el.name !== 'presence' || !from || (el.attrs.type && el.attrs.type !== 'unavailable')) return null;
  const nick = resourceOf(from);
  const x = el.getChild('x', NS_MUC_USER);
  if (!nick || !x || nick.length > MAX_ROOM_NICK) return null;
  const item = x.getChild('item');
  const role = ROLES.find((r) => r === item?.attrs.role) ?? 'none';
  const affiliation = AFFILIATIONS.find((a) => a === item?.attrs.affiliation) ?? 'none';
  const codes = x.getChildren('status').map((s) => String(s.attrs.code));
  const occupant: OccupantPresence = { room: bareJid(from), nick, available: el.attrs.type !== 'unavailable', role, affiliation, self: codes.includes('110'), codes };
  if (item?.attrs.jid) occupant.jid = String(item.attrs.jid);
  const occupantId = el.getChild('occupant-id', NS_OCCUPANT_ID)?.attrs.id;
  if (occupantId) occupant.occupantId = String(occupantId);
  const newNick = item?.attrs.nick;
  if (codes.includes('303') && newNick && String(newNick).length <= MAX_ROOM_NICK) occupant.newNick = String(newNick);
  const show = SHOWS.find((s) => s === el.getChildText('show'));
  if (show) occupant.show = show;
  const reason = text(item?.getChildText('reason'));
  if (reason) occupant.reason = reason;
  const destroy = x.getChild('destroy');
  if (destroy) occupant.destroyed = { ...(text(destroy.getChildText('reason')) ? { reason: text(destroy.getChildText('reason'))! } : {}) };
  return occupant;
}

/** The failure a join's error presence names (XEP-0045 §7.2). */
export function joinFailure(el: Element, nick: string): Exclude<JoinResult, { status: 'joined' }> {
  const error = el.getChild('error');
  const condition = error?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name ?? 'undefined-condition';
  const said = text(error?.getChildText('text'));
  switch (condition) {
    case 'conflict':
      return { status: 'nick-conflict', suggestion: `${nick}_` };
    case 'not-authorized':
      return { status: 'password-required' };
    case 'forbidden':
      return { status: 'banned' };
    case 'registration-required':
      return { status: 'members-only' };
    case 'service-unavailable':
      return { status: 'full' };
    case 'not-allowed':
    case 'not-acceptable':
      return { status: 'not-allowed', ...(said ? { text: said } : {}) };
    default:
      return { status: 'error', text: said ?? condition };
  }
}

/** Why we are out of a room, from our own unavailable presence, in words for the user; undefined for a plain leave. */
export function removalReason(p: OccupantPresence): string | undefined {
  const why = p.reason ? `: ${p.reason}` : '';
  if (p.destroyed) return `The room was closed${p.destroyed.reason ? `: ${p.destroyed.reason}` : ''}`;
  if (p.codes.includes('301')) return `You were banned${why}`;
  if (p.codes.includes('307')) return `You were removed from the room${why}`;
  if (p.codes.includes('321')) return 'You are no longer a member';
  if (p.codes.includes('322')) return 'The room is now for members only';
  if (p.codes.includes('332')) return 'The chat service shut down';
  return undefined;
}

/** muc#admin: one item changed (role by nick, affiliation by JID), with an optional reason. */
export function buildAdmin(room: string, item: { nick: string; role: Role } | { jid: string; affiliation: Affiliation }, reason?: string): Element {
  const attrs = 'nick' in item ? { nick: item.nick, role: item.role } : { jid: item.jid, affiliation: item.affiliation };
  const el = xml('item', attrs);
  if (reason) el.append(xml('reason', {}, reason));
  return xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS_MUC_ADMIN }, el));
}

export function buildConfigRequest(room: string): Element {
  return xml('iq', { type: 'get', to: room }, xml('query', { xmlns: NS_MUC_OWNER }));
}

/** The configuration form (XEP-0004 `x`) in an owner answer; null when there is none. */
export function parseConfigForm(answer: Element | null | undefined): Element | null {
  return answer?.getChild('query', NS_MUC_OWNER)?.getChild('x', NS_DATA) ?? null;
}

/** Submits `form` (an `x` of jabber:x:data); an empty submit accepts the defaults (an instant room). */
export function buildConfigSubmit(room: string, form?: Element): Element {
  const x = form ? xml('x', { ...form.attrs, xmlns: NS_DATA, type: 'submit' }, ...form.getChildren('field')) : xml('x', { xmlns: NS_DATA, type: 'submit' });
  return xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS_MUC_OWNER }, x));
}

/**
 * The submitted form for `form` with `values` in place of its defaults (by field var): each field
 * keeps its var and values, nothing else; fixed fields are left out.
 */
export function fillForm(form: Element, values: Record<string, string[]>): Element {
  const fields = form.getChildren('field').filter((f) => f.attrs.var && f.attrs.type !== 'fixed').map((f) => {
    const given = values[f.attrs.var as string];
    const current = f.getChildren('value').map((v) => v.text());
    return xml('field', { var: f.attrs.var }, ...(given ?? current).map((v) => xml('value', {}, v)));
  });
  return xml('x', { xmlns: NS_DATA, type: 'submit' }, ...fields);
}

export function buildDestroy(room: string, reason?: string): Element {
  return xml('iq', { type: 'set', to: room }, xml('query', { xmlns: NS_MUC_OWNER }, xml('destroy', {}, ...(reason ? [xml('reason', {}, reason)] : []))));
}

export function buildSubject(room: string, subject: string): Element {
  return xml('message', { to: room, type: 'groupchat', id: crypto.randomUUID() }, xml('subject', {}, subject));
}

/** A subject change (§8.1): a groupchat message with `<subject/>` and no body. Undefined for anything else. */
export function parseSubject(el: Element): { subject: string; by?: string } | undefined {
  const subject = el.getChild('subject');
  if (!subject || el.getChild('body')) return undefined;
  const by = resourceOf(el.attrs.from ?? '');
  return { subject: text(subject.text()) ?? '', ...(by ? { by } : {}) };
}

/** The room's own message saying its configuration changed (XEP-0045 §10.2.1, status 104). */
export const configChanged = (el: Element): boolean =>
  !!el.getChild('x', NS_MUC_USER)?.getChildren('status').some((s) => s.attrs.code === '104');

/** XEP-0410: a ping to our own occupant JID tells whether the room still has us. */
export function buildSelfPing(room: string, nick: string): Element {
  return xml('iq', { type: 'get', to: `${room}/${nick}` }, xml('ping', { xmlns: NS_PING }));
}

/**
 * XEP-0410 §3: what a self-ping's error says. `out`: the room does not have us (rejoin);
 * `in`: it does (it answered for our occupant, only not to pings); `unknown`: ask again later.
 */
export function selfPingVerdict(condition: string | undefined): 'in' | 'out' | 'unknown' {
  if (condition === undefined || condition === 'service-unavailable' || condition === 'feature-not-implemented') return 'in';
  if (condition === 'not-acceptable' || condition === 'item-not-found' || condition === 'not-allowed') return 'out';
  return 'unknown';
}

export function buildDiscoItems(service: string): Element {
  return xml('iq', { type: 'get', to: service }, xml('query', { xmlns: NS_DISCO_ITEMS }));
}

export function buildDiscoInfo(jid: string): Element {
  return xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_INFO }));
}

/** Rooms a conference service lists (disco#items), with their names. */
export function parseRoomItems(answer: Element | null | undefined): RoomListing[] {
  const items = answer?.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? [];
  return items.flatMap((i) => (i.attrs.jid ? [{ jid: bareJid(String(i.attrs.jid)), ...(i.attrs.name ? { name: text(String(i.attrs.name))! } : {}) }] : []));
}

/** A room's name and occupant count from its disco#info (muc#roominfo form). */
export function parseRoomInfo(answer: Element | null | undefined): { name?: string; occupants?: number } {
  const query = answer?.getChild('query', NS_DISCO_INFO);
  const form = query?.getChildren('x', NS_DATA).find((x) => x.getChildren('field').some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === `${NS_MUC}#roominfo`));
  const value = (name: string) => form?.getChildren('field').find((f) => f.attrs.var === name)?.getChildText('value') ?? undefined;
  const count = Number(value('muc#roominfo_occupants'));
  const name = text(value('muc#roomconfig_roomname') || query?.getChild('identity')?.attrs.name);
  return { ...(name ? { name } : {}), ...(Number.isInteger(count) && count >= 0 ? { occupants: count } : {}) };
}
