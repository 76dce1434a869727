/**
 * Exactly once in storage, against a real IndexedDB: what a message is (its identity) and that
 * replayed edits change nothing. Each test opens its own database.
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import type { Change } from '../../src/shared/api.js';
import { openParleyDb } from '../../src/storage/db.js';
import { shippedDb } from './shipped-db.js';
import { listConversations, listMessages } from '../../src/storage/read.js';
import { storeMessages } from '../../src/storage/write.js';
import { carbons } from '../../src/worker/carbons.js';
import { corrections } from '../../src/worker/correction.js';
import { unwrap, unwrapResult, type Envelope } from '../../src/worker/envelope.js';
import { storedBlocklist } from '../../src/worker/blocking.js';
import { chatRecord, messages } from '../../src/worker/message.js';
import { outbox } from '../../src/worker/outbox.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import type { Plugin, PluginContext } from '../../src/worker/plugin.js';
import { reactions } from '../../src/worker/reactions.js';
import { receipts } from '../../src/worker/receipts.js';
import { retractions } from '../../src/worker/retraction.js';
import { arrived } from '../../src/worker/clock.js';
import { handleBatch } from '../../src/worker/session.js';

const ME = 'alice@localhost';
const BOB = 'bob@localhost';

let n = 0;

/**
 * The receiving plugins, in the worker's order, on a fresh database, with a stand-in connection
 * that is offline and records what would be sent.
 */
async function fresh() {
  const db = await openParleyDb(`exactly-once-${Date.now()}-${n++}`);
  await db.put('roster', { jid: BOB, groups: [], subscription: 'both', pendingOut: false });
  const sent: Element[] = [];
  /** What pages would be told. */
  const changes: Change[] = [];
  const xmpp = { status: 'offline', streamManagement: { on() {} }, bind2: { use() {} }, send: async (el: Element) => void sent.push(el) };
  const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit: (c) => void (c && changes.push(c)), log() {}, archived: async () => {} };
  const box = outbox(ctx);
  const edits: Plugin[] = [reactions(ctx, box), corrections(ctx, box), retractions(ctx, box)];
  const receipt = receipts(ctx);
  const plugins: Plugin[] = [messages(ctx, box, storedBlocklist(db)), carbons(ctx), ...edits, receipt];
  const el = (xml: string) => parse(xml) as unknown as Element;
  return {
    db,
    sent,
    changes,
    /** A stanza as the session hands it to the plugins. */
    async live(xml: string) {
      await this.batch([xml]);
    },
    /** Stanzas that arrived together, handled as the session handles a batch. */
    async batch(xmls: string[]) {
      const els = xmls.map(el);
      for (const e of els) arrived(e);
      await handleBatch(plugins, els, ME, () => undefined);
    },
    /** The receipts plugin alone, as if the message plugin had failed to store the stanza. */
    async receiptOnly(xml: string) {
      await receipt.envelopes!([unwrap(el(xml), ME) as Envelope]);
    },
    /** Another resource's copy, from our server. */
    async carbon(inner: string) {
      await this.live(`<message from='${ME}' to='${ME}/web'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></received></message>`);
    },
    /** As the archive catch-up stores a result, then hands it to the plugins that apply edits. */
    async archived(inner: string, archiveId: string) {
      const r = unwrapResult(el(`<message from='${ME}'><result xmlns='urn:xmpp:mam:2' queryid='q' id='${archiveId}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:00Z'/>${inner}</forwarded></result></message>`), ME, () => ME)!;
      const record = r.envelope && chatRecord(r.envelope);
      const change = record && (await storeMessages(db, [record], { unread: true, order: { after: -Infinity } }));
      if (change) changes.push(change);
      for (const p of edits) await p.envelope?.(r.envelope!);
    },
    /** A page of the archive: its results stored in one call, as the catch-up stores them. */
    async page(results: [inner: string, archiveId: string][]) {
      const records = results.map(([inner, archiveId]) => {
        const r = unwrapResult(el(`<message from='${ME}'><result xmlns='urn:xmpp:mam:2' queryid='q' id='${archiveId}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:00Z'/>${inner}</forwarded></result></message>`), ME, () => ME)!;
        return chatRecord(r.envelope!)!;
      });
      const change = await storeMessages(db, records, { unread: true, order: { after: -Infinity } });
      if (change) changes.push(change);
    },
    async bodies(conversation = BOB): Promise<string[]> {
      return (await listMessages(db, conversation)).map((m) => m.body);
    },
  };
}

const msg = (id: string, body: string, extra = '') =>
  `<message from='${BOB}/phone' to='${ME}/web' type='chat' id='${id}'><body>${body}</body>${extra}</message>`;
const sid = (id: string) => `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='${id}'/>`;
const REQUEST = `<request xmlns='urn:xmpp:receipts'/>`;

describe('exactly once in storage (real IndexedDB)', () => {
  it('stores two distinct messages that reuse one sender id (a counter reset) as two, and confirms each', async () => {
    const t = await fresh();
    await t.live(msg('1', 'before the restart', sid('s1') + REQUEST));
    await t.live(msg('1', 'after the restart', sid('s2') + REQUEST));
    expect(await t.bodies()).to.deep.equal(['before the restart', 'after the restart']);
    expect(t.sent.map((r) => r.getChild('received', 'urn:xmpp:receipts')?.attrs.id)).to.deep.equal(['1', '1']);
    // Without any stanza-id (a server without an archive) the texts still tell them apart.
    await t.live(msg('7', 'one'));
    await t.live(msg('7', 'two'));
    expect(await t.bodies()).to.have.length(4);
    t.db.close();
  });

  it('a batch (stanzas that arrived while earlier ones were stored) keeps arrival order across contacts and our other device, stores a resent copy once, and confirms after storing', async () => {
    const t = await fresh();
    const carol = `<message from='carol@localhost/x' to='${ME}/web' type='chat' id='c1'><body>from carol</body>${REQUEST}</message>`;
    const mine = `<message from='${ME}/phone' to='${BOB}' type='chat' id='o1'><body>from my phone</body></message>`;
    await t.batch([
      msg('b1', 'first', sid('s1') + REQUEST),
      `<message from='${ME}' to='${ME}/web'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${mine}</forwarded></sent></message>`,
      carol,
      msg('b2', 'third', REQUEST),
      msg('b1', 'first', sid('s1') + REQUEST), // resent on resumption
    ]);
    expect(await t.bodies()).to.deep.equal(['first', 'from my phone', 'third']);
    expect(await t.bodies('carol@localhost')).to.deep.equal(['from carol']);
    // Receipts only to those who may see our presence (bob), for each stored message as it came.
    expect(t.sent.map((r) => r.getChild('received', 'urn:xmpp:receipts')?.attrs.id)).to.deep.equal(['b1', 'b2', 'b1']);
    t.db.close();
  });

  it('confirms only the message stored, not another one that has its id', async () => {
    const t = await fresh();
    await t.live(msg('1', 'stored', REQUEST));
    await t.receiptOnly(msg('1', 'never stored', REQUEST));
    expect(t.sent).to.have.length(1);
    await t.receiptOnly(msg('1', 'stored', REQUEST + sid('s1'))); // a replay of the stored one is confirmed again
    expect(t.sent).to.have.length(2);
    t.db.close();
  });

  it('stores one message seen live, replayed on resumption, as a carbon, in the archive and resent by its sender once', async () => {
    const t = await fresh();
    const stanza = msg('m1', 'hello', sid('s1') + REQUEST);
    await t.live(stanza);
    await t.live(stanza); // stream resumption resends it
    await t.carbon(msg('m1', 'hello')); // another resource's copy, without the stanza-id
    await t.archived(msg('m1', 'hello'), 's1');
    // Bob's client resends it after its own connection dropped: his server stamps that copy anew.
    await t.live(msg('m1', 'hello', sid('s1-resent')));
    await t.archived(msg('m1', 'hello'), 's1-resent');
    expect(await t.bodies()).to.deep.equal(['hello']);
    expect((await listConversations(t.db))[0]!.unread).to.equal(1);
    // Live without a stanza-id first, then the archive's copy: still one, now known by its archive id.
    await t.live(msg('m2', 'again'));
    await t.archived(msg('m2', 'again'), 's2');
    const stored = await listMessages(t.db, BOB);
    expect(stored.map((m) => m.body)).to.deep.equal(['hello', 'again']);
    expect(stored[1]!.stanzaId).to.equal('s2');
    // A message without any id, met twice in the archive (paged over again): its archive id is all it has.
    const idless = `<message from='${BOB}/phone' to='${ME}' type='chat'><body>no id</body></message>`;
    await t.archived(idless, 's3');
    await t.archived(idless, 's3');
    expect(await t.bodies()).to.have.members(['hello', 'again', 'no id']).and.have.length(3);
    // Pages, which show a new message from the announcement at once, were told of each once.
    expect(t.changes.flatMap((c) => c.added ?? []).map((m) => m.body)).to.deep.equal(['hello', 'again', 'no id']);
    t.db.close();
  });

  it('stores a message met twice in one archive page once, known by the first of its archive ids, whether or not a copy was stored before', async () => {
    const t = await fresh();
    // Seen live without a stanza-id; then one page holds it twice, as a sender's resend stamped anew.
    await t.live(msg('m1', 'hello'));
    await t.page([[msg('m1', 'hello'), 's1'], [msg('m1', 'hello'), 's1-resent'], [msg('m2', 'new'), 's2'], [msg('m2', 'new'), 's2-resent']]);
    const stored = await listMessages(t.db, BOB);
    expect(stored.map((m) => [m.body, m.stanzaId])).to.deep.equal([['hello', 's1'], ['new', 's2']]);
    expect((await listConversations(t.db))[0]!.unread).to.equal(2);
    t.db.close();
  });

  it('applies a correction replayed (resumption, archive catch-up) once: one history entry', async () => {
    const t = await fresh();
    await t.live(msg('m1', 'helo', sid('s1')));
    const fix = msg('c1', 'hello', `<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>${sid('s2')}`);
    await t.live(fix);
    await t.live(fix);
    const [m] = await listMessages(t.db, BOB);
    expect(m!.body).to.equal('hello');
    expect(m!.edits?.map((e) => e.body)).to.deep.equal(['helo']);
    t.db.close();
  });

  it('does not let a correction replayed after a later one bring its text back', async () => {
    const t = await fresh();
    await t.live(msg('m1', 'helo', sid('s1')));
    const first = (body: string, extra: string) => msg('c1', body, `<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>${extra}`);
    await t.live(first('hello', sid('s2')));
    await t.live(msg('c2', 'hello!', `<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>${sid('s3')}`));
    await t.archived(first('hello', ''), 's2'); // the catch-up meets the first correction again
    const [m] = await listMessages(t.db, BOB);
    expect(m!.body).to.equal('hello!');
    expect(m!.edits?.map((e) => e.body)).to.deep.equal(['helo', 'hello']);
    // The archive's copy of the corrected message itself is the same message, not a new one.
    await t.archived(msg('m1', 'helo'), 's1');
    expect(await t.bodies()).to.deep.equal(['hello!']);
    t.db.close();
  });

  it('applies a retraction replayed once, and the archive does not bring the text back', async () => {
    const t = await fresh();
    await t.live(msg('m1', 'oops', sid('s1')));
    await t.live(msg('c1', 'oops!', `<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>${sid('s2')}`));
    const retract = msg('r1', 'fallback', `<retract xmlns='urn:xmpp:message-retract:1' id='m1'/>`);
    await t.live(retract);
    const once = (await listMessages(t.db, BOB))[0]!;
    await t.live(retract);
    await t.carbon(msg('m1', 'oops'));
    expect(await listMessages(t.db, BOB)).to.deep.equal([once]);
    expect(once).to.include({ retracted: true, body: '' });
    expect(JSON.stringify(once)).not.to.match(/oops/); // nothing remembered keeps its text
    await t.live(msg('c1', 'oops!', `<replace xmlns='urn:xmpp:message-correct:0' id='m1'/>${sid('s2')}`));
    expect(await listMessages(t.db, BOB)).to.deep.equal([once]);
    t.db.close();
  });

  it('does not let an older reaction replayed after a newer one bring the old set back', async () => {
    const t = await fresh();
    await t.live(msg('m1', 'lunch?', sid('s1')));
    const reacts = (id: string, set: string, extra: string) =>
      `<message from='${BOB}/phone' to='${ME}/web' type='chat' id='${id}'><reactions xmlns='urn:xmpp:reactions:0' id='m1'>${set}</reactions>${extra}</message>`;
    await t.live(reacts('x1', '<reaction>👍</reaction>', sid('s2')));
    await t.live(reacts('x2', '', sid('s3')));
    await t.archived(reacts('x1', '<reaction>👍</reaction>', ''), 's2'); // the catch-up meets the first one again
    expect((await listMessages(t.db, BOB))[0]!.reactions).to.equal(undefined);
    t.db.close();
  });

  it('orders by arrival, not by a delay stamp the contact wrote', async () => {
    const t = await fresh();
    await t.live(`<message from='carol@localhost/pc' type='chat' id='a'><body>first</body></message>`);
    // Bob's client claims it wrote this in 2001: it would sink below everything.
    await t.live(msg('b', 'second', `<delay xmlns='urn:xmpp:delay' from='${BOB}/phone' stamp='2001-01-01T00:00:00Z'/>`));
    expect((await listConversations(t.db)).map((c) => c.jid)).to.deep.equal([BOB, 'carol@localhost']);
    // Our own server's stamp (offline storage) does date it.
    await t.live(msg('c', 'while you were away', `<delay xmlns='urn:xmpp:delay' from='localhost' stamp='2001-01-01T00:00:00Z'/>`));
    expect((await listMessages(t.db, BOB)).map((m) => m.body)).to.deep.equal(['while you were away', 'second']);
    t.db.close();
  });

  it('keeps the stream\'s order when a message was noted late and the next one comes back with a whole-second stamp', async () => {
    const t = await fresh();
    // A closing (or busy) worker noted when "1" arrived a second or more after the server sent it; the
    // server then queued "2" and, on resumption, sends it stamped with its second (Prosody's stamps
    // have whole seconds), which is now earlier than the arrival noted for "1".
    await t.live(msg('m1', '1'));
    const noted = (await listMessages(t.db, BOB))[0]!.ts;
    const second = new Date(Math.floor(noted / 1000) * 1000 - 1000).toISOString().replace('.000', '');
    await t.live(msg('m2', '2', `<delay xmlns='urn:xmpp:delay' from='localhost' stamp='${second}'/>`));
    expect(await t.bodies()).to.deep.equal(['1', '2']);
    t.db.close();
  });
});

describe('schema 3: messages found by sender id', () => {
  it('gives old records their sender id from their key, so edits still find them', async () => {
    const name = `exactly-once-migration-${Date.now()}`;
    const base = { conversation: BOB, direction: 'in', from: `${BOB}/phone`, state: 'received' };
    await shippedDb(name, 2, [
      { ...base, key: `${BOB} in m1`, body: 'helo', ts: 1 },
      { ...base, key: `${BOB} in archive:s9`, body: 'no id', ts: 2, stanzaId: 's9' },
    ].map((value) => ({ store: 'messages', value })));
    const db = await openParleyDb(name);
    const byKey = Object.fromEntries((await db.getAll('messages')).map((m) => [m.key, m.id]));
    expect(byKey).to.deep.equal({ [`${BOB} in m1`]: 'm1', [`${BOB} in archive:s9`]: undefined });
    expect((await db.getAllFromIndex('messages', 'byRef', [BOB, 'in', 'm1'])).map((m) => m.body)).to.deep.equal(['helo']);
    db.close();
  });
});
