/** XEP-0198 stream management, as xmpp.js does it, with the repairs Parley needs. */
import { jid, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { SmState } from '../shared/records.js';
import type { ParleyDb } from '../storage/db.js';
import { deleteState, putState } from '../storage/write.js';

const NS_SM = 'urn:xmpp:sm:3';

/**
 * xmpp.js 0.14 zeroes its inbound counter a microtask after <enabled/>, by which time stanzas that
 * came in the same read have been counted; its next ack is then too low and the server closes the
 * stream ("acknowledged less stanzas than already acknowledged"). Zero it when <enabled/> is parsed
 * instead, and ignore that late reset.
 */
export function fixInboundCount(xmpp: XmppClient): void {
  const sm = xmpp.streamManagement;
  let inbound = sm.inbound;
  let ignoreReset = false;
  Object.defineProperty(sm, 'inbound', {
    get: () => inbound,
    set: (value: number) => {
      if (value === 0 && ignoreReset) return;
      inbound = value;
    },
  });
  xmpp.on('nonza', (el: Element) => {
    if (!el.is('enabled', NS_SM)) return;
    inbound = 0;
    ignoreReset = true;
    // xmpp.js resets from a promise continuation, which runs before any timer.
    setTimeout(() => (ignoreReset = false));
  });
}

/**
 * Resolves once a pending <enable/> is answered (or after 5 s, or at once if none). Stanzas sent
 * before the server enables are counted by us but not by it, which ends the stream as well.
 */
export function smSettled(xmpp: XmppClient): Promise<void> {
  const sm = xmpp.streamManagement;
  if (!sm.enableSent || sm.enabled) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      xmpp.removeListener('nonza', onNonza);
      resolve();
    };
    const onNonza = (el: Element) => {
      if (el.is('enabled', NS_SM) || el.is('failed', NS_SM)) setTimeout(done); // after xmpp.js handled it
    };
    const timer = setTimeout(done, 5000);
    xmpp.on('nonza', onNonza);
  });
}

export interface SmPersistence {
  /** Sets up the client to resume the stream a previous worker left, if one is stored for this account. */
  restore(): Promise<boolean>;
  /** Saves the current counters now (a worker handing the stream over, before it closes storage). */
  flush(): Promise<void>;
}

/**
 * Keeps what a new worker needs to resume this stream (id, full JID, counters) in IndexedDB, so that
 * closing every tab and reopening one within the server's hibernation window resumes the session.
 * The inbound count saved is that of stanzas already handled (`backlog` are still queued), or the
 * last ack if higher; repeats are deduplicated by the plugins.
 */
export function persistStreamManagement(
  xmpp: XmppClient,
  { db, bareJid, backlog, log }: { db: ParleyDb; bareJid: string; backlog: () => number; log: (m: string, d?: unknown) => void },
): SmPersistence {
  const sm = xmpp.streamManagement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let acked = 0;
  const save = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (!sm.id || !xmpp.jid) return;
    const inbound = Math.max(acked, sm.inbound - backlog());
    const state: SmState = { key: 'sm', id: sm.id, jid: xmpp.jid.toString(), inbound, outbound: sm.outbound };
    await putState(db, state).catch((err) => log('stream state not saved', err));
  };
  const soon = () => (timer ??= setTimeout(() => void save(), 200));

  xmpp.on('nonza', (el: Element) => {
    if (el.is('failed', NS_SM)) log('stream resumption refused', el.toString());
    if (el.is('enabled', NS_SM)) acked = 0; // a new stream counts from zero
    if (el.is('enabled', NS_SM) || el.is('resumed', NS_SM)) setTimeout(() => void save()); // after xmpp.js took the id
    if (el.is('resumed', NS_SM)) {
      // A new worker's queue is empty: xmpp.js would try to ack stanzas it never had.
      const h = Number(el.attrs.h);
      if (Number.isFinite(h)) sm.outbound = Math.max(sm.outbound, h - sm.outbound_q.length);
    }
  });
  xmpp.on('stanza', soon);
  // A resumption may never claim fewer stanzas than an ack already did, so each ack waits until its
  // count is saved. (xmpp.js acks stanzas still queued for the plugins; the archive catch-up after a
  // restored resumption recovers those if this worker died before handling them.)
  const send = xmpp.send.bind(xmpp);
  xmpp.send = async (el: Element) => {
    if (el.is('a', NS_SM)) {
      acked = Math.max(acked, Number(el.attrs.h) || 0);
      await save();
    }
    return send(el);
  };
  xmpp.on('status', (status: string) => {
    if (status !== 'offline') return;
    clearTimeout(timer);
    deleteState(db, 'sm').catch(() => undefined); // ended on purpose: nothing to resume
  });

  return {
    flush: save,
    async restore() {
      const state = await db.get('state', 'sm');
      if (state?.key !== 'sm' || bareOf(state.jid) !== bareJid) return false;
      xmpp.jid = jid(state.jid);
      sm.id = state.id;
      sm.inbound = state.inbound;
      sm.outbound = state.outbound;
      log('resuming the stream a previous worker left', `${state.jid} ${state.id} h=${state.inbound}`);
      return true;
    },
  };
}

const bareOf = (full: string) => full.split('/')[0]!.toLowerCase();
