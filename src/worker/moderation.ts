/**
 * Message moderation (XEP-0425): a room moderator takes back an occupant's message. The room tells
 * every occupant (a message from the room itself naming the message by the room's stanza-id), and
 * each deletes it from view and storage, keeping who moderated it and why. Only the room's own
 * word counts: an occupant's message claiming to moderate is not one.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { resourceOf } from '../shared/jid.js';
import { applyModeration } from '../storage/rooms.js';
import { now } from './clock.js';
import { NS_OCCUPANT_ID, type Envelope } from './envelope.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';
import { MAX_ID, MAX_ROOM_NICK, MAX_SHORT_TEXT } from '../shared/limits.js';

export const NS_MODERATE = 'urn:xmpp:message-moderate:1';
const NS_MODERATE_0 = 'urn:xmpp:message-moderate:0';
const NS_RETRACT = 'urn:xmpp:message-retract:1';
const NS_FASTEN = 'urn:xmpp:fasten:0';

/** Asks `room` to retract the message its archive knows as `stanzaId` (v0.3+, which both servers of today take). */
export function buildModerate(room: string, stanzaId: string, reason?: string): Element {
  return xml(
    'iq',
    { type: 'set', to: room },
    xml('moderate', { xmlns: NS_MODERATE, id: stanzaId }, xml('retract', { xmlns: NS_RETRACT }), ...(reason ? [xml('reason', {}, reason)] : [])),
  );
}

export interface Moderation {
  stanzaId: string;
  /** The moderator as the room names them: their nick, else their occupant-id. */
  by: string;
  reason?: string;
}

/**
 * A room's moderation notice: `<retract id>` with `<moderated/>` (XEP-0425 v0.3), or the older
 * `<apply-to><moderated><retract/>` form. Undefined for anything else.
 */
export function parseModeration(el: Element): Moderation | undefined {
  const retract = el.getChild('retract', NS_RETRACT);
  const moderated = retract?.getChild('moderated', NS_MODERATE);
  const applyTo = el.getChild('apply-to', NS_FASTEN);
  const old = applyTo?.getChild('moderated', NS_MODERATE_0);
  const usable = (id: string | undefined): id is string => !!id && id.length <= MAX_ID;
  if (usable(retract?.attrs.id) && moderated) {
    const reason = retract.getChildText('reason') ?? retract.getChildText('reason', NS_MODERATE) ?? undefined;
    // v0.3 names the moderator by occupant-id only; the older form beside it (Prosody sends both) by nick.
    return notice(String(retract.attrs.id), moderated.attrs.by ? moderated : (old ?? moderated), reason);
  }
  if (usable(applyTo?.attrs.id) && old?.getChild('retract', 'urn:xmpp:message-retract:0')) return notice(String(applyTo.attrs.id), old, old.getChildText('reason') ?? undefined);
  return undefined;
}

function notice(stanzaId: string, moderated: Element, reason: string | undefined): Moderation {
  const by = resourceOf(String(moderated.attrs.by ?? '')) || moderated.getChild('occupant-id', NS_OCCUPANT_ID)?.attrs.id || 'a moderator';
  return { stanzaId, by: String(by).slice(0, MAX_ROOM_NICK), ...(reason ? { reason: reason.slice(0, MAX_SHORT_TEXT) } : {}) };
}

/** Prosody's archive keeps a tombstone in place of a moderated message: `<moderated><retracted/>`. */
function tombstone(el: Element): { by: string; reason?: string } | undefined {
  const m = el.getChild('moderated', NS_MODERATE_0) ?? el.getChild('moderated', NS_MODERATE);
  if (!m || el.getChild('body')) return undefined;
  const reason = m.getChildText('reason') ?? el.getChildText('reason') ?? undefined;
  return { by: resourceOf(String(m.attrs.by ?? '')) || 'a moderator', ...(reason ? { reason } : {}) };
}

export interface ModerationPlugin extends Plugin {
  /** Asks the room to retract its stored message `key` (we must be a moderator there). */
  moderate(room: string, key: string, reason?: string): Promise<void>;
}

export function moderation(ctx: PluginContext): ModerationPlugin {
  async function apply(env: Envelope): Promise<void> {
    if (!env.room) return;
    // The room itself speaks for its moderators; an occupant cannot.
    if (env.sender === env.conversation) {
      const m = parseModeration(env.message);
      if (!m) return;
      ctx.commit(await applyModeration(ctx.db, env.conversation, m.stanzaId, { by: m.by, ...(m.reason ? { reason: m.reason } : {}) }, env.delay?.stamp ?? now()));
      return;
    }
    // In the room's archive, the tombstone of a message moderated while we were away.
    const stone = env.via === 'archive' && env.archive ? tombstone(env.message) : undefined;
    if (stone) ctx.commit(await applyModeration(ctx.db, env.conversation, env.archive!.id, stone, env.delay?.stamp ?? now()));
  }

  return {
    envelope: apply,
    archived: apply,
    async moderate(room, key, reason) {
      const message = await ctx.db.get('messages', key);
      if (!message || message.conversation !== room || !message.stanzaId) throw new Error('That message cannot be moderated: the room has no id for it.');
      await ctx.xmpp.iqCaller.request(buildModerate(room, message.stanzaId, reason?.trim().slice(0, MAX_SHORT_TEXT) || undefined));
    },
  };
}

export const feature = {
  api: (ctx) => ({
    moderate: (room, key, reason) => ctx.online().moderation.moderate(ctx.contactJid(room), String(key), reason),
  }),
} satisfies Feature<Pick<ParleyApi, 'moderate'>>;
