/**
 * Message Archive Management (XEP-0313) paged with RSM (XEP-0059): forward catch-up from the last
 * archive id stored, and paging back through one conversation when the user scrolls up.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import type { MessageRecord } from '../shared/records.js';
import { putState, storeMessages } from '../storage/write.js';
import { chatRecord, parseChatMessage } from './message.js';
import type { Plugin, PluginContext } from './plugin.js';

export const NS_MAM = 'urn:xmpp:mam:2';
const NS_RSM = 'http://jabber.org/protocol/rsm';
const NS_FORWARD = 'urn:xmpp:forward:0';
const NS_CARBONS = 'urn:xmpp:carbons:2';
const NS_DELAY = 'urn:xmpp:delay';
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

export interface MamResult {
  queryid: string;
  /** Archive id, which is also the message's stanza-id in our archive. */
  id: string;
  message: Element;
  stamp?: number;
}

/**
 * A result of our own archive: the wrapper must come from our bare JID (or carry no `from`, which
 * means our account too). Anyone else sending one is forging history: null.
 */
export function parseResult(outer: Element, ownJid: string): MamResult | null {
  if (outer.name !== 'message') return null;
  const result = outer.getChild('result', NS_MAM);
  if (!result) return null;
  const from = outer.attrs.from;
  if (from !== undefined && (from.includes('/') || bareJid(from) !== ownJid)) return null;
  const forwarded = result.getChild('forwarded', NS_FORWARD);
  const message = forwarded?.getChild('message');
  const { queryid, id } = result.attrs;
  if (!message || !queryid || !id) return null;
  const stamp = Date.parse(forwarded!.getChild('delay', NS_DELAY)?.attrs.stamp ?? '');
  return { queryid, id, message, ...(Number.isFinite(stamp) ? { stamp } : {}) };
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

/** The stored form of an archived one-to-one message, or null for anything else. */
export function resultToRecord(r: MamResult, ownJid: string): MessageRecord | null {
  let parsed;
  try {
    parsed = parseChatMessage(r.message, ownJid);
  } catch {
    return null; // oversized body: dropped like a live one
  }
  if (!parsed) return null;
  const out = bareJid(parsed.from) === ownJid;
  const conversation = out ? bareJid(r.message.attrs.to ?? '') : bareJid(parsed.from);
  if (!conversation || conversation === ownJid) return null;
  const record = chatRecord(parsed, conversation, out ? 'out' : 'in');
  record.ts = Math.min(r.stamp ?? parsed.delayed ?? Date.now(), Date.now());
  record.stanzaId = r.id; // our archive's id for it: its identity (src/storage/identity.ts)
  return record;
}

export interface MamPlugin extends Plugin {
  /** Settles when this session's forward catch-up has finished (or failed). */
  caughtUp(): Promise<void>;
  /** Fetches one page of older messages of a conversation; true when the archive has no more. */
  loadOlder(conversation: string): Promise<boolean>;
}

export function mam(ctx: PluginContext): MamPlugin {
  const pending = new Map<string, MamResult[]>();
  let done: Promise<void> = Promise.resolve();

  // Collected synchronously as they arrive, so a page is complete when its <fin/> resolves the query.
  ctx.xmpp.on('stanza', (el: Element) => {
    if (el.name !== 'message' || !el.getChild('result', NS_MAM)) return;
    const result = parseResult(el, ctx.jid);
    const page = result && pending.get(result.queryid);
    if (page) page.push(result);
    else ctx.log('dropped an archive result that is not an answer to our query', el.attrs.from);
  });

  async function query(q: Omit<MamQuery, 'queryid'>): Promise<{ results: MamResult[]; fin: Fin }> {
    const queryid = crypto.randomUUID();
    pending.set(queryid, []);
    try {
      const answer = await ctx.xmpp.iqCaller.request(xml('iq', { type: 'set', id: queryid }, buildQuery({ ...q, queryid })), QUERY_TIMEOUT);
      const fin = parseFin(answer.getChild('fin', NS_MAM));
      if (!fin) throw new Error('archive query answered without <fin/>');
      return { results: pending.get(queryid)!, fin };
    } finally {
      pending.delete(queryid);
    }
  }

  const toRecords = (results: MamResult[]) => results.flatMap((r) => resultToRecord(r, ctx.jid) ?? []);

  async function catchUp(): Promise<void> {
    const cursor = await ctx.db.get('state', 'mam');
    // The first sync is history, not news: it does not count as unread.
    const unread = cursor?.key === 'mam' && cursor.last !== undefined;
    let after = cursor?.key === 'mam' ? cursor.last : undefined;
    const order = { after: -Infinity };
    for (;;) {
      const { results, fin } = await query(after === undefined ? {} : { after });
      ctx.commit(await storeMessages(ctx.db, toRecords(results), { unread, order }));
      // Edits, retractions and reactions made while we were away apply to what is now stored.
      for (const r of results) await ctx.archived(vouched(r.message, ctx.jid));
      const last = fin.last ?? results.at(-1)?.id;
      // Only ids from contiguous pages move the cursor: a live message must never skip a gap.
      if (last) await putState(ctx.db, { key: 'mam', last });
      if (fin.complete || results.length === 0 || !last) return;
      after = last;
    }
  }

  return {
    async online() {
      // Not awaited: live stanzas keep flowing while the archive pages in.
      done = catchUp().catch((err) => ctx.log('archive catch-up failed', err));
    },
    async resumed({ restored }) {
      // A previous worker may have died with stanzas acked but not yet stored.
      if (restored) done = catchUp().catch((err) => ctx.log('archive catch-up failed', err));
    },
    caughtUp: () => done,
    async loadOlder(conversation) {
      if (await ctx.db.get('state', `start:${conversation}`)) return true;
      const { stanzaId: oldest, ts: first } = await oldestStored(ctx, conversation);
      const { results, fin } = await query({ with: conversation, before: oldest ?? '', max: 100 });
      // Older than everything stored, whatever whole second the stamps say: keep the page before it.
      const records = toRecords(results);
      let next = first;
      for (let i = records.length - 1; i >= 0; i--) next = records[i]!.ts = Math.min(records[i]!.ts, next - 0.001);
      ctx.commit(await storeMessages(ctx.db, records, { unread: false }));
      for (const r of results) await ctx.archived(vouched(r.message, ctx.jid));
      const complete = fin.complete || results.length === 0;
      if (complete) await putState(ctx.db, { key: `start:${conversation}` });
      return complete;
    },
  };
}

/**
 * What we sent, as our own archive holds it, is vouched for by our server just as a carbon is: hand
 * it on in that form, so plugins apply the edits of our other devices with the checks they already have.
 */
function vouched(message: Element, ownJid: string): Element {
  const from = message.attrs.from;
  if (!from || bareJid(from) !== ownJid) return message;
  return xml('message', { from: ownJid }, xml('sent', { xmlns: NS_CARBONS }, xml('forwarded', { xmlns: NS_FORWARD }, message)));
}

/** Time of the oldest stored message of a conversation, and the oldest archive id stored. */
async function oldestStored(ctx: PluginContext, conversation: string): Promise<{ stanzaId?: string; ts: number }> {
  const range = IDBKeyRange.bound([conversation, -Infinity], [conversation, Infinity]);
  let cursor = await ctx.db.transaction('messages').store.index('byConversation').openCursor(range);
  const ts = cursor?.value.ts ?? Infinity;
  while (cursor && !cursor.value.stanzaId) cursor = await cursor.continue();
  return { ts, ...(cursor?.value.stanzaId ? { stanzaId: cursor.value.stanzaId } : {}) };
}
