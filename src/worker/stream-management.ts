/**
 * XEP-0198 stream management, as xmpp.js 0.14.0 does it, with the repairs Parley needs. This relies
 * on xmpp.js internals (its `streamManagement` object and when it writes `inbound`): the version is
 * pinned in package.json.
 */
import { jid, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { SmState } from '../shared/records.js';
import type { ParleyDb } from '../storage/db.js';
import { deleteState, putState } from '../storage/write.js';

const NS_SM = 'urn:xmpp:sm:3';
const NS_SASL2 = 'urn:xmpp:sasl:2';
const NS_BIND2 = 'urn:xmpp:bind:0';
const STANZAS = ['message', 'presence', 'iq'];

/**
 * The stream-management answers a top-level element carries: <enabled/>, <resumed/> or <failed/>
 * on their own (SASL1 path), or inline in a SASL2 <success/> (XEP-0388), where <resumed/> and
 * <failed/> are direct children and Bind2's <enabled/> or <failed/> sits in <bound/> (XEP-0386).
 */
export function smAnswers(el: Element): Element[] {
  if (el.getNS() === NS_SM) return ['enabled', 'resumed', 'failed'].includes(el.name) ? [el] : [];
  if (!el.is('success', NS_SASL2)) return [];
  const inline = el.getChildElements().filter((c) => c.getNS() === NS_SM && (c.name === 'resumed' || c.name === 'failed'));
  const bound = el.getChild('bound', NS_BIND2)?.getChildElements().filter((c) => c.getNS() === NS_SM && (c.name === 'enabled' || c.name === 'failed'));
  return [...inline, ...(bound ?? [])];
}

export interface InboundCounter {
  /** Stanzas received on this stream so far (the `h` we ack). */
  readonly count: number;
  /** Continues a stream a previous worker left, from the count it saved. */
  restore(count: number): void;
}

/**
 * Counts every inbound stanza for the acks ourselves. xmpp.js 0.14 counts in a middleware that runs
 * after its IQ caller, which consumes the results of our own IQs: its count falls one behind per IQ
 * result, the server then keeps (and replays on resumption) stanzas we handled, and past its queue
 * limit refuses to resume at all. Its other writes are late too: it zeroes the count a microtask
 * after a top-level <enabled/>, by when stanzas of the same read were counted. So every write
 * xmpp.js makes to `inbound` is ignored, and the count follows the elements as they are parsed
 * (the connection's `element` event fires before any middleware):
 * - <enabled/>, top-level (SASL1) or inline in a SASL2 <success><bound/> (Bind2): a new stream, zero;
 * - <resumed/> (top-level or inline in SASL2 <success/>): the count goes on;
 * - `offline` (the session ended on purpose): zero.
 */
export function countInbound(xmpp: XmppClient): InboundCounter {
  let count = 0;
  Object.defineProperty(xmpp.streamManagement, 'inbound', {
    get: () => count,
    set: () => undefined,
    configurable: true,
  });
  xmpp.on('element', (el: Element) => {
    if (STANZAS.includes(el.name)) count++;
    else if (smAnswers(el).some((a) => a.name === 'enabled')) count = 0;
  });
  xmpp.on('offline', () => (count = 0));
  return {
    get count() {
      return count;
    },
    restore(value: number) {
      count = value;
    },
  };
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
  { db, bareJid, counter, backlog, log }: { db: ParleyDb; bareJid: string; counter: InboundCounter; backlog: () => number; log: (m: string, d?: unknown) => void },
): SmPersistence {
  const sm = xmpp.streamManagement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let acked = 0;
  const save = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (!sm.id || !xmpp.jid) return;
    const inbound = Math.max(acked, counter.count - backlog());
    const state: SmState = { key: 'sm', id: sm.id, jid: xmpp.jid.toString(), inbound, outbound: sm.outbound };
    await putState(db, state).catch((err) => log('stream state not saved', err));
  };
  const soon = () => (timer ??= setTimeout(() => void save(), 200));

  // On 'element', before xmpp.js handles the answer (its 'nonza' listeners and SASL2 come after).
  xmpp.on('element', (top: Element) => {
    for (const el of smAnswers(top)) {
      if (el.name === 'failed') log('stream management refused', top.toString());
      if (el.name === 'enabled') acked = 0; // a new stream counts from zero
      if (el.name === 'resumed') {
        // A new worker's queue is empty: xmpp.js would try to ack stanzas it never had.
        const h = Number(el.attrs.h);
        if (Number.isFinite(h)) sm.outbound = Math.max(sm.outbound, h - sm.outbound_q.length);
      }
    }
  });
  // Once xmpp.js has taken the new stream's id.
  xmpp.on('online', soon);
  sm.on('resumed', soon);
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
      counter.restore(state.inbound);
      sm.outbound = state.outbound;
      log('resuming the stream a previous worker left', `${state.jid} ${state.id} h=${state.inbound}`);
      return true;
    },
  };
}

const bareOf = (full: string) => full.split('/')[0]!.toLowerCase();

/** Where a stanza sits in a stream with stream management on. */
export interface StreamPosition {
  id: string;
  seq: number;
}

export interface NumberedSender {
  /**
   * Sends stanzas one after the other, nothing else between them, once `before` has run with the
   * stream position the first will take (undefined without stream management): the k-th stanza
   * written takes `first.seq + k`. So positions can be stored before the socket sees the stanzas.
   * `before` answers which stanzas to send after all; resolves with which were sent.
   */
  send(stanzas: Element[], before: (first: StreamPosition | undefined) => Promise<boolean[]>): Promise<boolean[]>;
}

/**
 * Puts every stanza the client sends in one line, so that no other stanza (a receipt, a presence,
 * an IQ) slips in between the moment numbered ones learn their positions and their writes.
 */
export function numberedSends(xmpp: XmppClient): NumberedSender {
  const sm = xmpp.streamManagement;
  const write = xmpp.send.bind(xmpp);
  let line: Promise<unknown> = Promise.resolve();
  const inLine = <T>(run: () => Promise<T>): Promise<T> => {
    const next = line.then(run, run);
    line = next.catch(() => undefined);
    return next;
  };
  xmpp.send = (el: Element) => inLine(() => write(el));
  return {
    send: (stanzas, before) =>
      inLine(async () => {
        // xmpp.js queues a stanza for its ack once written, from when <enable/> was sent.
        const tracked = sm.id && (sm.enabled || sm.enableSent);
        const wanted = await before(tracked ? { id: sm.id, seq: sm.outbound + sm.outbound_q.length + 1 } : undefined);
        for (const [i, stanza] of stanzas.entries()) if (wanted[i]) await write(stanza);
        return wanted;
      }),
  };
}

/** Stanzas this close together are a burst the worker is still reading through. */
const BURST_GAP_MS = 250;

/**
 * Notices a dead connection by an unanswered <r/>: with no <a/> since the request, it drops the
 * socket after `timeout` ms. Stanzas coming in do not prove our way to the server works (a contact
 * chatting on a half-open network), but a burst read back to back does hold the answer back: the
 * server's <a/> queues behind it, and a worker busy storing thousands reads it late. While one
 * runs, the wait goes on, up to `cap` ms after the request. xmpp.js's own timeout first closes the
 * stream gracefully, which tells the server the session is over: on a half-open network whose way to
 * the server still works, the server then ends the session instead of keeping it for a resumption.
 */
export function ackWatchdog(xmpp: XmppClient, timeout: number, cap: number): void {
  xmpp.streamManagement.timeout = 0; // xmpp.js's timeout off
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  /** When the last burst went on (stanzas under BURST_GAP_MS apart), and when the last stanza came. */
  let heard = 0;
  let last = 0;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const check = () => {
    const due = Math.min(heard + timeout, asked + cap);
    const now = performance.now();
    if (now < due) timer = setTimeout(check, due - now);
    else void drop();
  };
  const drop = async () => {
    timer = undefined;
    // disconnect() without its stream close (and the final <a/> that goes with it): socket only.
    const entity = xmpp as unknown as { _closeStream?: () => Promise<undefined> };
    entity._closeStream = async () => undefined;
    try {
      await xmpp.disconnect();
    } catch {
      // A socket that will not close is given up on all the same ('disconnect').
    } finally {
      delete entity._closeStream;
    }
  };
  xmpp.on('send', (el: Element) => {
    if (!el.is('r', NS_SM) || timer) return;
    asked = heard = performance.now();
    timer = setTimeout(check, timeout);
  });
  xmpp.on('element', (el: Element) => {
    if (el.is('a', NS_SM)) return stop();
    const now = performance.now();
    if (timer && now - last < BURST_GAP_MS) heard = now;
    last = now;
  });
  xmpp.on('disconnect', stop);
}
