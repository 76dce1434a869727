/**
 * Blocking Command (XEP-0191), with Spam Reporting (XEP-0377) where the server offers it: the
 * blocklist fetched at login and kept in storage, pushes applied only from our own account, and
 * what blocked senders send never stored (the server blocks too; this is the second belt).
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { bareJid } from '../shared/jid.js';
import { applyBlockPush, listBlocked, replaceBlocked } from '../storage/blocklist.js';
import type { Plugin, PluginContext } from './plugin.js';
import type { ParleyDb } from '../storage/db.js';
import { isTrustedPush } from './roster.js';
import { removeRequest } from '../storage/write.js';
import type { Feature } from './feature.js';
import type { Change, ParleyApi } from '../shared/api.js';
import { MAX_JID } from '../shared/limits.js';

export const NS_BLOCKING = 'urn:xmpp:blocking';
export const NS_REPORTING = 'urn:xmpp:reporting:1';
export const REPORT_SPAM = 'urn:xmpp:reporting:spam';
// Not imported from caps.ts: that would close an import cycle through features.ts and message.ts.
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

export const buildBlocklistRequest = (): Element => xml('blocklist', { xmlns: NS_BLOCKING });

/** Blocks `jid`; `report` adds a spam report (XEP-0377) for the server's operators. */
export function buildBlock(jid: string, report = false): Element {
  return xml('block', { xmlns: NS_BLOCKING }, xml('item', { jid }, report ? xml('report', { xmlns: NS_REPORTING, reason: REPORT_SPAM }) : null));
}

export const buildUnblock = (jid: string): Element => xml('unblock', { xmlns: NS_BLOCKING }, xml('item', { jid }));

/** The JIDs of a `<blocklist/>`, `<block/>` or `<unblock/>`; items without a usable JID are left out. */
export function parseItems(el: Element): string[] {
  return el
    .getChildren('item')
    .map((i) => i.attrs.jid as unknown)
    .filter((jid): jid is string => typeof jid === 'string' && jid.length > 0 && jid.length <= MAX_JID);
}

/** Whether a blocklist covers `from` (a full JID): by full JID, bare JID or domain (XEP-0191 §3.3, RFC 6121 §8.5 order). */
export function isBlocked(blocked: ReadonlySet<string>, from: string): boolean {
  const bare = bareJid(from);
  const domain = bare.includes('@') ? bare.split('@')[1]! : bare;
  return blocked.has(from) || blocked.has(bare) || blocked.has(domain);
}

export interface StoredBlocklist {
  /** Whether what `from` (a full JID) sends is dropped, by the blocklist as stored. */
  blocks(from: string): Promise<boolean>;
  /** The stored list changed: read it again when next asked. */
  forget(): void;
}

/**
 * The blocklist as stored, read once and again after `forget()`: the worker writes it only when the
 * server says it changed, so a message need not read it.
 */
export function storedBlocklist(db: ParleyDb): StoredBlocklist {
  let mirror: Promise<ReadonlySet<string>> | undefined;
  const read = () =>
    (mirror ??= listBlocked(db).then(
      (jids) => new Set(jids),
      (err: unknown) => {
        mirror = undefined;
        throw err;
      },
    ));
  return {
    blocks: async (from) => isBlocked(await read(), from),
    forget: () => (mirror = undefined),
  };
}

export interface BlockingSupport {
  blocking: boolean;
  /** Blocking with a report (XEP-0377). */
  reporting: boolean;
}

export interface BlockingPlugin extends Plugin {
  /** What our server offers, from its disco#info at login. */
  support(): BlockingSupport;
  block(jid: string, report?: boolean): Promise<void>;
  unblock(jid: string): Promise<void>;
}

/** `stored`: the list the message plugin reads, told here when this plugin writes it. */
export function blocking(ctx: PluginContext, stored: StoredBlocklist): BlockingPlugin {
  let offered: BlockingSupport = { blocking: false, reporting: false };
  const wrote = (change: Change) => {
    stored.forget();
    ctx.commit(change);
  };
  for (const action of ['block', 'unblock'] as const) {
    ctx.xmpp.iqCallee.set(NS_BLOCKING, action, async ({ stanza, element }) => {
      if (!isTrustedPush(stanza.attrs.from, ctx.jid)) {
        ctx.log('ignored blocklist push from a foreign sender', stanza.attrs.from);
        return undefined;
      }
      wrote(await applyBlockPush(ctx.db, action === 'block', parseItems(element)));
      return true;
    });
  }
  const need = (report: boolean) => {
    if (!offered.blocking) throw new Error('Your server does not offer blocking.');
    if (report && !offered.reporting) throw new Error('Your server does not take reports.');
  };
  /** What the server offers, and the list as it is now. */
  const discover = async () => {
    const info = await ctx.xmpp.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), ctx.jid.split('@')[1]);
    const features = new Set(info?.getChildren('feature').map((f) => f.attrs.var as string));
    offered = { blocking: features.has(NS_BLOCKING), reporting: features.has(NS_BLOCKING) && features.has(NS_REPORTING) };
    if (!offered.blocking) return;
    const list = await ctx.xmpp.iqCaller.get(buildBlocklistRequest());
    if (list) wrote(await replaceBlocked(ctx.db, parseItems(list)));
  };
  return {
    online: discover,
    // A stream this worker did not start (a reload resumed it): nothing was asked yet.
    async resumed({ restored }) {
      if (restored) await discover();
    },
    support: () => offered,
    // The server pushes the change to every session of ours; applied here too, so the call returns with it stored.
    async block(jid, report = false) {
      need(report);
      await ctx.xmpp.iqCaller.set(buildBlock(jid, report));
      wrote(await applyBlockPush(ctx.db, true, [jid]));
    },
    async unblock(jid) {
      need(false);
      await ctx.xmpp.iqCaller.set(buildUnblock(jid));
      wrote(await applyBlockPush(ctx.db, false, [jid]));
    },
  };
}

export const feature = {
  api: (ctx) => ({
    async block(jid, report = false) {
      const contact = ctx.contactJid(jid);
      await ctx.online().blocking.block(contact, report);
      // Their request goes with them.
      ctx.commit(await removeRequest(ctx.db, contact));
    },
    unblock: (jid) => ctx.online().blocking.unblock(ctx.contactJid(jid)),
    blockingSupport: async () => (ctx.isOnline() ? ctx.plugins().blocking.support() : { blocking: false, reporting: false }),
  }),
} satisfies Feature<Pick<ParleyApi, 'block' | 'unblock' | 'blockingSupport'>>;
