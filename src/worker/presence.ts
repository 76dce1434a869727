/** RFC 6121 presence: our own, contacts' per resource, and subscription requests and answers. */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid, resourceOf } from '../shared/jid.js';
import type { PresenceRecord, Show } from '../shared/records.js';
import { addRequest, clearPresence, removePresence, removeRequest, restorePresence, saveAccount, storePresence, takePresence, type PresenceUpdate } from '../storage/write.js';
import { getAccount } from '../storage/read.js';
import { MAX_STATUS } from '../shared/limits.js';
import { parseIdle } from './idle.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

const SHOWS: readonly string[] = ['chat', 'away', 'xa', 'dnd'];

export type ParsedPresence =
  | { kind: 'available'; presence: PresenceRecord }
  | { kind: 'unavailable'; jid: string; resource: string; idleSince?: number }
  | { kind: 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed' | 'error'; jid: string };

export function parsePresence(el: Element, now = Date.now()): ParsedPresence | null {
  const from = el.attrs.from;
  if (!from) return null;
  const jid = bareJid(from);
  if (!jid) return null; // "/phone": no one's
  const type = el.attrs.type;
  const idleSince = parseIdle(el, now);
  const idle = idleSince === undefined ? {} : { idleSince };
  switch (type) {
    case undefined: {
      const show = el.getChildText('show')?.trim();
      const status = el.getChildText('status')?.slice(0, MAX_STATUS);
      const priority = Number.parseInt(el.getChildText('priority') ?? '0', 10);
      return {
        kind: 'available',
        presence: {
          jid,
          resource: resourceOf(from),
          ...(show && SHOWS.includes(show) ? { show: show as Show } : {}),
          ...(status ? { status } : {}),
          priority: Number.isFinite(priority) ? Math.max(-128, Math.min(127, priority)) : 0,
          ...idle,
        },
      };
    }
    case 'unavailable':
      return { kind: 'unavailable', jid, resource: resourceOf(from), ...idle };
    case 'subscribe':
    case 'subscribed':
    case 'unsubscribe':
    case 'unsubscribed':
    case 'error':
      return { kind: type, jid };
    default:
      return null; // 'probe' is the server's business; anything else is invalid
  }
}

export function buildPresence(show?: Show, status?: string): Element {
  return xml('presence', {}, show ? xml('show', {}, show) : null, status ? xml('status', {}, status) : null);
}

export function buildSubscription(to: string, type: 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed'): Element {
  return xml('presence', { to, type });
}

export interface PresencePlugin extends Plugin {
  /** Broadcast our presence (initial presence uses the last one set). */
  announce(show?: Show, status?: string): Promise<void>;
  answer(jid: string, type: 'subscribe' | 'subscribed' | 'unsubscribed'): Promise<void>;
}

/**
 * `current` gives the presence to announce when a fresh session comes online; `extra`, what every
 * presence we broadcast also carries (XEP-0115 caps, XEP-0319 idle).
 */
export function presence(
  ctx: PluginContext,
  current: () => Promise<{ show?: Show; status?: string }>,
  extra?: () => Promise<Element[]>,
): PresencePlugin {
  /** Contacts' presence when the stream dropped, until it resumes or a fresh session starts. */
  let held: PresenceRecord[] | undefined;
  const announce = async (show?: Show, status?: string) => {
    const el = buildPresence(show, status);
    if (extra) el.append(...(await extra()));
    await ctx.xmpp.send(el);
  };
  /** Presence that is not a resource coming or going: subscriptions, and errors (the contact is then offline). */
  const other = async (kind: Exclude<ParsedPresence['kind'], PresenceUpdate['kind']>, jid: string) => {
    switch (kind) {
      case 'error':
      case 'unsubscribed':
        return ctx.commit(await removePresence(ctx.db, jid, null));
      case 'subscribe': {
        const item = await ctx.db.get('roster', jid);
        // Someone we asked to see asks back (their request arrived before the server had our
        // pre-approval, or it keeps none): we added them, so there is nothing to ask.
        if (item && (item.pendingOut || item.subscription === 'to')) return ctx.xmpp.send(buildSubscription(jid, 'subscribed'));
        return ctx.commit(await addRequest(ctx.db, jid));
      }
      case 'unsubscribe':
        // They withdrew the request they made; the server updates the roster itself.
        return ctx.commit(await removeRequest(ctx.db, jid));
      case 'subscribed':
        return; // the roster push that follows carries the new state
    }
  };
  return {
    // Contacts coming and going are stored together (a login brings hundreds at once); the rarer
    // subscription stanzas one by one, in their place among them.
    async presences(batch) {
      let burst: PresenceUpdate[] = [];
      const flush = async () => {
        if (!burst.length) return;
        const { change, ignored } = await storePresence(ctx.db, burst);
        burst = [];
        // Directed presence reaches us from anyone who knows our JID; only whom we follow is shown.
        for (const update of ignored) ctx.log('presence ignored: someone we do not follow, or one resource too many', update.kind === 'available' ? update.presence.jid : update.jid);
        if (change) ctx.commit(change);
      };
      for (const el of batch) {
        const parsed = parsePresence(el);
        if (!parsed) continue;
        // Our own other devices are not contacts; rooms' occupants are the MUC plugin's.
        const from = parsed.kind === 'available' ? parsed.presence.jid : parsed.jid;
        if (from === ctx.jid || ctx.rooms.get(from)) continue;
        if (parsed.kind === 'available' || parsed.kind === 'unavailable') burst.push(parsed);
        else {
          await flush();
          await other(parsed.kind, parsed.jid);
        }
      }
      await flush();
    },
    // A fresh session (also after a refused resumption) starts from nothing: the server sends every
    // contact's current presence after ours.
    async online() {
      held = undefined;
      ctx.commit(await clearPresence(ctx.db));
      const { show, status } = await current();
      await announce(show, status);
    },
    // Offline, nobody is shown online; but a resumed stream (XEP-0198) carries on from what we had,
    // and the server then replays what changed meanwhile: keep it aside until we know which.
    async offline() {
      if (held) return; // already taken at the first of these drops
      const { taken, change } = await takePresence(ctx.db);
      held = taken;
      ctx.commit(change);
    },
    async resumed() {
      const list = held ?? [];
      held = undefined;
      if (list.length) ctx.commit(await restorePresence(ctx.db, list));
    },
    announce,
    async answer(jid, type) {
      await ctx.xmpp.send(buildSubscription(jid, type));
      if (type !== 'subscribe') ctx.commit(await removeRequest(ctx.db, jid));
    },
  };
}

export const feature = {
  api: (ctx) => ({
    async approve(jid) {
      const { presence: p } = ctx.online();
      const contact = ctx.contactJid(jid);
      await p.answer(contact, 'subscribed');
      const item = await ctx.db.get('roster', contact);
      // Approving someone means wanting to see them too, as every mainstream client does.
      if (!item || ((item.subscription === 'none' || item.subscription === 'from') && !item.pendingOut)) await p.answer(contact, 'subscribe');
    },
    deny: (jid) => ctx.online().presence.answer(ctx.contactJid(jid), 'unsubscribed'),
    cancelSubscription: (jid) => ctx.online().presence.answer(ctx.contactJid(jid), 'unsubscribed'),
    async setPresence(show, status) {
      const running = ctx.plugins();
      const account = await getAccount(ctx.db);
      if (!account) throw new Error('Not logged in.');
      const text = status?.trim().slice(0, MAX_STATUS);
      ctx.commit(await saveAccount(ctx.db, { ...account, presence: { ...(show ? { show } : {}), ...(text ? { status: text } : {}) } }));
      if (ctx.isOnline()) await running.presence.announce(show, text);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'approve' | 'deny' | 'cancelSubscription' | 'setPresence'>>;
