/**
 * The outbox: what we send that must reach the server exactly once (messages, corrections,
 * retractions, reactions). Each is stored before it is sent, goes out in the order it was made,
 * and leaves the outbox on the server's ack (XEP-0198), or when a resumed stream's count or our own
 * archive proves the server has it.
 */
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import type { OutboxRecord } from '../shared/records.js';
import { markSent } from '../storage/write.js';
import { buildCorrection } from './correction.js';
import { buildOob } from './oob.js';
import { buildChatMessage, messageKey, NS_SID } from './message.js';
import { NS_MUC_USER } from './muc-stanzas.js';
import type { Plugin, PluginContext } from './plugin.js';
import { buildReactions } from './reactions.js';
import { appendReply } from './replies.js';
import { buildRetraction } from './retraction.js';
import { numberedSends } from './stream-management.js';

/** Records numbered in one storage transaction and then written together. */
const BATCH = 50;

/** The stanza an outbox record is sent as; its id and origin-id are the record's `originId`. */
export function buildOutgoing(out: OutboxRecord): Element {
  switch (out.kind) {
    case 'correction':
      return buildCorrection(out.to, out.body, out.replaceId, out.originId, out.groupchat);
    case 'retraction':
      return buildRetraction(out.to, out.retractId, out.originId, out.groupchat);
    case 'reactions':
      return buildReactions(out.to, out.target, out.emojis, out.originId, out.groupchat);
    default: {
      const stanza = buildChatMessage(out.to, out.body, out.originId, out.groupchat);
      if (out.reply) appendReply(stanza, out.reply);
      if (out.oob) stanza.append(buildOob(out.body));
      if (out.occupant) stanza.append(xml('x', { xmlns: NS_MUC_USER }));
      return stanza;
    }
  }
}

export interface OutboxPlugin extends Plugin {
  /**
   * `out` was just stored in the outbox, by its caller in the same transaction as what it belongs
   * to (or before showing it): send what waits.
   */
  queued(out: OutboxRecord): Promise<void>;
  /** Sends whatever waits, in order, if online. */
  flush(): Promise<void>;
}

/** `ready` settles when it is safe to send the outbox: the archive catch-up may prove some already sent. */
export function outbox(ctx: PluginContext, ready: () => Promise<void> = () => Promise.resolve()): OutboxPlugin {
  const sm = ctx.xmpp.streamManagement;
  const sender = numberedSends(ctx.xmpp);
  const online = () => ctx.xmpp.status === 'online';
  // Written on this stream and not yet acked: the flush must not send them a second time.
  const inFlight = new Map<Element, OutboxRecord>();
  const sentIds = new Set<string>();
  const settle = (out: OutboxRecord) => markSent(ctx.db, messageKey(out.to, 'out', out.originId), out.originId);
  // Ids that were in the outbox (some may have left since): spares the archive catch-up a storage
  // read for each of the many messages it pages through.
  const known = ctx.db.getAllKeys('outbox').then((keys) => new Set(keys));

  async function forgetPositions(outs: OutboxRecord[]): Promise<void> {
    const tx = ctx.db.transaction('outbox', 'readwrite');
    for (const out of outs) {
      const { sm: _position, ...rest } = out;
      if ((await tx.store.getKey(out.originId)) !== undefined) await tx.store.put(rest);
    }
    await tx.done;
  }

  /** Sends these records in order (those not already on their way), numbered before the write. */
  async function transmit(list: OutboxRecord[]): Promise<void> {
    const outs = list.filter((out) => !sentIds.has(out.originId));
    if (!outs.length) return;
    for (const out of outs) sentIds.add(out.originId);
    const stanzas = outs.map(buildOutgoing);
    let tracked = false;
    let sent: boolean[] = [];
    try {
      sent = await sender.send(stanzas, async (first) => {
        tracked = first !== undefined;
        // Their places in the stream are stored before the socket sees them, so a later worker
        // resuming this stream can tell from the server's count whether they arrived. Gone from
        // the outbox: proven sent meanwhile, so not sent and not counted.
        const tx = ctx.db.transaction('outbox', 'readwrite');
        const still: boolean[] = [];
        for (const out of outs) still.push((await tx.store.getKey(out.originId)) !== undefined);
        let seq = first?.seq ?? 0;
        for (const [i, out] of outs.entries()) {
          if (!still[i] || !first) continue;
          await tx.store.put({ ...out, sm: { id: first.id, seq: seq++ } });
          inFlight.set(stanzas[i]!, out);
        }
        await tx.done;
        return still;
      });
    } catch (err) {
      // What was not written is not in xmpp.js's resend queue: the next flush sends it. The
      // position stored for it goes, as another stanza takes that place in the stream.
      const queued = new Set(sm.outbound_q.map((item) => item.stanza));
      const unwritten = outs.filter((_out, i) => !queued.has(stanzas[i]!));
      for (const [i, out] of outs.entries()) {
        if (queued.has(stanzas[i]!)) continue;
        inFlight.delete(stanzas[i]!);
        sentIds.delete(out.originId);
      }
      await forgetPositions(unwritten).catch((e) => ctx.log('outbox positions not cleared', e));
      throw err;
    }
    for (const [i, out] of outs.entries()) {
      if (!sent[i]) sentIds.delete(out.originId);
      // Without stream management there is no ack to wait for: the socket took it.
      else if (!tracked) {
        sentIds.delete(out.originId);
        ctx.commit(await settle(out));
      }
    }
  }

  // Everything leaves through one ordered flush of the outbox, so what is typed just after a
  // reconnect cannot overtake older things still waiting. `gate`: this stream's catch-up (see ready).
  let gate: Promise<void> = Promise.resolve();
  let flushing: Promise<void> = Promise.resolve();
  // A flush queued and not started yet: it will see everything stored by then, so later calls join it.
  let next: Promise<void> | undefined;
  function flush(): Promise<void> {
    if (next) return next;
    next = flushing = flushing
      .then(async () => {
        next = undefined;
        await gate;
        // A room's messages wait until we are back in it and its archive showed what it already has.
        const waiting = (await ctx.db.getAllFromIndex('outbox', 'byTs')).filter((out) => !out.groupchat || ctx.rooms.get(out.to)?.synced);
        for (let i = 0; i < waiting.length && online(); i += BATCH) await transmit(waiting.slice(i, i + BATCH));
      })
      .catch((err) => ctx.log('outbox flush failed', err));
    return flushing;
  }

  sm.on('ack', (stanza: Element) => {
    const out = inFlight.get(stanza);
    if (!out) return;
    inFlight.delete(stanza);
    sentIds.delete(out.originId);
    settle(out).then(ctx.commit, (err) => ctx.log('ack not stored', err));
  });

  return {
    async online() {
      // Whatever was typed offline, or sent but never acked by a session that is gone, goes once the
      // catch-up had its chance to find it in the archive. Not awaited: stanzas keep flowing meanwhile.
      inFlight.clear(); // a new stream: xmpp.js has given up on everything the old one had queued
      sentIds.clear();
      gate = ready();
      void flush();
    },

    async resumed({ restored, h }) {
      // Within one worker xmpp.js resends what the server missed, and what was typed meanwhile goes
      // now. A stream left by a previous worker: what it sent up to h arrived; the rest goes again.
      if (restored) {
        for (const out of await ctx.db.getAllFromIndex('outbox', 'byTs')) {
          if (out.sm?.id === sm.id && out.sm.seq <= h) ctx.commit(await settle(out));
        }
        // The catch-up that follows may prove more of it sent (a position the old worker never stored).
        gate = ready();
      }
      void flush();
    },

    async archived(env) {
      // Our archive has what we sent, so the server took it (a message's copy is matched by storage itself).
      if (env.direction !== 'out') return;
      const id = env.message.getChild('origin-id', NS_SID)?.attrs.id ?? env.message.attrs.id;
      if (!id || !(await known).has(id)) return;
      const out = await ctx.db.get('outbox', id);
      if (out && out.to === env.conversation) ctx.commit(await settle(out));
    },

    async queued(out) {
      (await known).add(out.originId);
      void flush();
    },

    flush,
  };
}
