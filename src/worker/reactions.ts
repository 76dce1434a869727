/**
 * Message Reactions (XEP-0444 v0.2) in one-to-one chats: each <reactions/> carries the sender's
 * whole current set for one message, replacing what they sent before (empty = none).
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { MessageRecord, OutgoingReactions } from '../shared/records.js';
import { setReactions } from '../storage/write.js';
import { editOrigin } from './edit-source.js';
import { MAX_EMOJI_POINTS, MAX_ID, MAX_REACTIONS } from '../shared/limits.js';
import { now } from './clock.js';
import type { OutboxPlugin } from './outbox.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { Feature } from './feature.js';
import type { ParleyApi } from '../shared/api.js';

export const NS_REACTIONS = 'urn:xmpp:reactions:0';
export const feature = {
  disco: [NS_REACTIONS],
  api: (ctx) => ({
    async react(conversation, key, emojis) {
      const running = ctx.plugins();
      if (!Array.isArray(emojis) || !emojis.every((e) => typeof e === 'string')) throw new Error('Reactions must be a list of emoji.');
      await running.reactions.react(ctx.contactJid(conversation), key, emojis);
    },
  }),
} satisfies Feature<Pick<ParleyApi, 'react'>>;

export interface Reactions {
  /** The id of the message reacted to. */
  id: string;
  emojis: string[];
}

// One fully-qualified emoji as Unicode lists them (UTS #51 RGI set; built at run time: the `v` flag
// is newer than the build target).
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/**
 * The one form of a reaction: a single recommended emoji, its variation selector as Unicode lists it
 * (so "❤" and "❤️" are one reaction); null for anything else. Stray joiners, tag characters and
 * selectors would otherwise make look-alikes count as different reactions.
 */
export function reactionForm(text: string): string | null {
  const bare = text.replace(/\uFE0F/g, '');
  for (const candidate of [text, bare, `${bare}\uFE0F`]) {
    if (Array.from(candidate).length <= MAX_EMOJI_POINTS && RGI_EMOJI.test(candidate)) return candidate;
  }
  return null;
}

export const isReaction = (text: string): boolean => reactionForm(text) !== null;

/** Valid, distinct reactions in their one form, at most MAX_REACTIONS, in the order given. */
export function cleanReactions(list: string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const emoji = reactionForm(raw.trim());
    if (emoji && !out.includes(emoji)) out.push(emoji);
    if (out.length === MAX_REACTIONS) break;
  }
  return out;
}

/**
 * The reactions a one-to-one message carries; null when it carries none, or more than one
 * <reactions/> (XEP-0444 §4), or one without a usable id. Invalid and repeated emoji are dropped.
 */
export function parseReactions(el: Element): Reactions | null {
  if (el.name !== 'message') return null;
  // Group chat reaches here only from a room we are in (the envelope stage decides).
  const type = el.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal' && type !== 'groupchat') return null;
  const all = el.getChildren('reactions', NS_REACTIONS);
  if (all.length !== 1) return null;
  const id = all[0]!.attrs.id as string | undefined;
  if (!id || id.length > MAX_ID) return null;
  return { id, emojis: cleanReactions(all[0]!.getChildren('reaction').map((r) => r.text())) };
}

/** Our whole set for a message; a <store/> hint so the archive keeps it (XEP-0334). */
export function buildReactions(to: string, target: string, emojis: string[], id: string = crypto.randomUUID(), groupchat = false): Element {
  return xml(
    'message',
    { to, type: groupchat ? 'groupchat' : 'chat', id },
    xml('reactions', { xmlns: NS_REACTIONS, id: target }, ...emojis.map((e) => xml('reaction', {}, e))),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
  );
}

/** The id others know a message by for reactions (XEP-0444 §4.2: origin-id, else the stanza id). */
export function reactionTarget(m: MessageRecord): string | undefined {
  return m.originId ?? m.id;
}

export interface ReactionPlugin extends Plugin {
  /** Sets our whole set of reactions to a stored message of `conversation` (empty removes them). */
  react(conversation: string, key: string, emojis: string[]): Promise<void>;
}

export function reactions(ctx: PluginContext, outbox: OutboxPlugin): ReactionPlugin {
  return {
    async envelope(env) {
      // Only the two parties of a chat react in it (§4.1): the contact directly, or we from another
      // device, which our own server vouches for (the same rules as edits).
      const parsed = parseReactions(env.message);
      if (!parsed) return;
      const { conversation, sender } = env;
      const change = await setReactions(ctx.db, conversation, { keys: [], id: parsed.id }, sender, parsed.emojis, editOrigin(env));
      if (!change) ctx.log(`reactions from ${sender} to message ${parsed.id} ignored: unknown message, or applied before`);
      ctx.commit(change);
    },
    async react(conversation, key, emojis) {
      const wanted = [...new Set(emojis.map((e) => e.trim()))];
      const bad = wanted.find((e) => !isReaction(e));
      if (bad !== undefined) throw new Error(`"${bad}" is not an emoji.`);
      if (wanted.length > MAX_REACTIONS) throw new Error(`At most ${MAX_REACTIONS} different reactions per message.`);
      const set = cleanReactions(wanted);
      const target = await ctx.db.get('messages', key);
      if (!target || target.conversation !== conversation) throw new Error('That message is not in this conversation.');
      // In a room a message is named by the id the room gave it (§4.2).
      const room = (await ctx.db.getKey('rooms', conversation)) !== undefined;
      const id = room ? target.stanzaId : reactionTarget(target);
      if (!id) throw new Error('That message cannot be reacted to (it has no id).');
      // Queued before it is shown, so it is sent even if this worker dies now.
      const out: OutgoingReactions = { kind: 'reactions', originId: crypto.randomUUID(), to: conversation, target: id, emojis: set, ts: now(), ...(room ? { groupchat: true as const } : {}) };
      await ctx.db.put('outbox', out);
      ctx.commit(await setReactions(ctx.db, conversation, { keys: [key], id }, ctx.jid, set, { id: out.originId }));
      await outbox.queued(out);
    },
  };
}
