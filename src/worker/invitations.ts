/**
 * Room invitations: direct (XEP-0249, `jabber:x:conference`, from the inviter) and mediated
 * (XEP-0045 §7.8.2, `<invite/>` relayed by the room). Received ones are stored as requests showing
 * who invites to which room, why, and with which password; accepting joins through the RoomJoiner,
 * declining tells the inviter. Nothing ever joins on its own: a direct invitation is believed from
 * anyone because it is only a suggestion, shown with its sender.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid, isBareJid, isRoomJid } from '../shared/jid.js';
import type { JoinResult, ParleyApi } from '../shared/api.js';
import type { InvitationRecord } from '../shared/records.js';
import { deleteInvitation, getInvitation, putInvitation } from '../storage/invitations.js';
import type { RoomJoiner } from './bookmarks.js';
import type { Envelope } from './envelope.js';
import type { Feature } from './feature.js';
import type { Plugin, PluginContext } from './plugin.js';
import { MAX_SHORT_TEXT } from '../shared/limits.js';

export const NS_CONFERENCE = 'jabber:x:conference';
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

export const feature = {
  disco: [NS_CONFERENCE],
  api: (ctx) => ({
    invite: (room, jid, options = {}) =>
      ctx.online().invitations.invite(ctx.contactJid(room), ctx.contactJid(jid), {
        ...(options.reason ? { reason: String(options.reason) } : {}),
        ...(options.password ? { password: String(options.password) } : {}),
        mediated: options.mediated === true,
      }),
    acceptInvitation: (room, nick) => ctx.online().invitations.accept(ctx.contactJid(room), String(nick)),
    declineInvitation: (room, reason) => ctx.online().invitations.decline(ctx.contactJid(room), reason === undefined ? undefined : String(reason)),
  }),
} satisfies Feature<Pick<ParleyApi, 'invite' | 'acceptInvitation' | 'declineInvitation'>>;

/** Why a join failed, in words for the user. */
function refusal(result: Exclude<JoinResult, { status: 'joined' }>): string {
  switch (result.status) {
    case 'nick-conflict': return `That nickname is taken in the room; try "${result.suggestion}".`;
    case 'password-required': return 'The room needs a password.';
    case 'banned': return 'You are banned from the room.';
    case 'members-only': return 'The room is for members only.';
    case 'full': return 'The room is full.';
    case 'not-allowed': return result.text ?? 'The room did not let you in.';
    case 'error': return result.text;
  }
}

const limited = (s: string | null | undefined) => (s ? s.slice(0, MAX_SHORT_TEXT) : undefined);

/** An invitation as received, before it is stored. */
export type Invitation = Omit<InvitationRecord, 'ts'>;

function invitation(kind: Invitation['kind'], room: string, from: string, reason?: string, password?: string): Invitation {
  return { room, kind, from, ...(reason ? { reason } : {}), ...(password ? { password } : {}) };
}

/**
 * The invitation a message carries, or null. `from` is who sent the message (a full JID for a
 * direct one); a mediated one counts only from the room itself (a bare JID) naming a real inviter.
 */
export function parseInvitation(message: Element, from: string): Invitation | null {
  const mediated = message.getChild('x', NS_MUC_USER);
  const invite = mediated?.getChild('invite');
  if (invite) {
    const inviter = invite.attrs.from;
    if (!isRoomJid(from) || !inviter || !isBareJid(bareJid(inviter))) return null;
    // A room that hides real JIDs names the inviter by occupant JID (room/nick), kept whole; else a user, by bare JID.
    const who = bareJid(inviter) === from ? inviter : bareJid(inviter);
    return invitation('mediated', from, who, limited(invite.getChildText('reason')), limited(mediated!.getChildText('password')));
  }
  const direct = message.getChild('x', NS_CONFERENCE);
  const room = direct?.attrs.jid;
  if (!direct || !isRoomJid(room)) return null;
  return invitation('direct', room, bareJid(from), limited(direct.attrs.reason), limited(direct.attrs.password));
}

/** A direct invitation (XEP-0249 §2) to `room` for `to`. */
export function buildDirectInvite(to: string, room: string, { reason, password }: { reason?: string; password?: string } = {}): Element {
  return xml(
    'message',
    { to, id: crypto.randomUUID() },
    xml('x', { xmlns: NS_CONFERENCE, jid: room, ...(password ? { password } : {}), ...(reason ? { reason } : {}) }),
  );
}

/** A mediated invitation (XEP-0045 §7.8.2): sent to the room, which relays it to `to`. */
export function buildMediatedInvite(room: string, to: string, reason?: string): Element {
  return xml(
    'message',
    { to: room, id: crypto.randomUUID() },
    xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to }, reason ? xml('reason', {}, reason) : null)),
  );
}

/** Declining a mediated invitation (XEP-0045 §7.8.2): through the room, to the inviter. */
export function buildDecline(room: string, inviter: string, reason?: string): Element {
  return xml(
    'message',
    { to: room, id: crypto.randomUUID() },
    xml('x', { xmlns: NS_MUC_USER }, xml('decline', { to: inviter }, reason ? xml('reason', {}, reason) : null)),
  );
}

/** XEP-0249 has no decline: the inviter is told in a message. */
export function buildDirectDecline(inviter: string, room: string, reason?: string): Element {
  const body = `I declined your invitation to ${room}${reason ? `: ${reason}` : '.'}`;
  return xml('message', { to: inviter, type: 'chat', id: crypto.randomUUID() }, xml('body', {}, body));
}

export interface InvitationsPlugin extends Plugin {
  /** Invites `jid` to `room`: directly (XEP-0249), or through the room (`mediated`, needed for members-only rooms). */
  invite(room: string, jid: string, options?: { reason?: string; password?: string; mediated?: boolean }): Promise<void>;
  /** Joins the room of a stored invitation with `nick`, then the request goes; rejects with why the room refused. */
  accept(room: string, nick: string): Promise<void>;
  /** Tells the inviter no, and the request goes. */
  decline(room: string, reason?: string): Promise<void>;
}

export function invitations(ctx: PluginContext, rooms: RoomJoiner): InvitationsPlugin {
  return {
    async envelope(envelope: Envelope) {
      // Our own devices' invitations (sent carbons) are nobody's request.
      if (envelope.direction !== 'in') return;
      const found = parseInvitation(envelope.message, envelope.from);
      if (!found || rooms.joined().includes(found.room)) return;
      ctx.commit(await putInvitation(ctx.db, { ...found, ts: envelope.delay?.stamp ?? Date.now() }));
    },
    async invite(room, jid, { reason, password, mediated = false } = {}) {
      if (!isRoomJid(room)) throw new Error(`"${room}" is not a room address.`);
      const why = limited(reason?.trim());
      await ctx.xmpp.send(mediated ? buildMediatedInvite(room, jid, why) : buildDirectInvite(jid, room, { ...(why ? { reason: why } : {}), ...(password ? { password } : {}) }));
    },
    async accept(room, nick) {
      const found = await getInvitation(ctx.db, room);
      if (!found) throw new Error(`No invitation to ${room}.`);
      const result = await rooms.join(room, nick, found.password ? { password: found.password } : {});
      if (result.status !== 'joined') throw new Error(refusal(result));
      ctx.commit(await deleteInvitation(ctx.db, room));
    },
    async decline(room, reason) {
      const found = await getInvitation(ctx.db, room);
      if (!found) return;
      const why = limited(reason?.trim());
      await ctx.xmpp.send(found.kind === 'mediated' ? buildDecline(room, found.from, why) : buildDirectDecline(found.from, room, why));
      ctx.commit(await deleteInvitation(ctx.db, room));
    },
  };
}
