/**
 * What each received message costs stays flat (issue 9 §2), against a real IndexedDB: transient chat
 * states live in memory, and the lookups that used to walk a conversation find the same message
 * through an index.
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { searchMessages } from '../../src/storage/read.js';
import { markDisplayed, markRead, setReactions, storeMessages } from '../../src/storage/write.js';
import type { ChatStateNote, MessageRecord } from '../../src/shared/records.js';
import { chatStates } from '../../src/worker/chatstates.js';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import { lastOwnMessage } from '../../src/worker/correction.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import type { PluginContext } from '../../src/worker/plugin.js';

const ME = 'alice@localhost';
const BOB = 'bob@localhost';

const record = (n: number, direction: 'in' | 'out', extra: Partial<MessageRecord> = {}): MessageRecord => ({
  key: `k${n}`, conversation: BOB, direction, from: direction === 'in' ? `${BOB}/a` : ME, body: `m${n}`, ts: n * 1000, id: `id${n}`,
  state: direction === 'in' ? 'received' : 'sent', ...extra,
});

describe('flat per-message cost', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`parley-per-message-${crypto.randomUUID()}`);
  });
  afterEach(() => db.close());

  it('a contact\'s chat state is kept in memory and told to pages: nothing is stored, not even a conversation for a stranger', async () => {
    const commits: unknown[] = [];
    const xmpp = { status: 'online', send: async () => undefined };
    const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit: (c) => void commits.push(c), log() {}, archived: async () => {} };
    const told: [string, ChatStateNote['state']][] = [];
    const plugin = chatStates(ctx, (jid, note) => void told.push([jid, note.state]));
    const el = (xml: string) => unwrap(parse(xml) as unknown as Element, ME) as Envelope;
    await plugin.envelope!(el(`<message from='eve@localhost/x' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`));
    await plugin.envelope!(el(`<message from='eve@localhost/x' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`));
    await plugin.envelope!(el(`<message from='eve@localhost/x' type='chat'><body>hi</body></message>`));
    expect(await db.count('conversations')).to.equal(0);
    expect(commits).to.deep.equal([]);
    // A repeated state is not told twice; a body without a state ends typing.
    expect(told).to.deep.equal([['eve@localhost', 'composing'], ['eve@localhost', 'active']]);
    expect(plugin.current()['eve@localhost']?.state).to.equal('active');
    // Going offline, nobody is left typing.
    await plugin.envelope!(el(`<message from='eve@localhost/x' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`));
    await plugin.offline!();
    expect(told.at(-1)).to.deep.equal(['eve@localhost', 'active']);
    expect(plugin.current()).to.deep.equal({});
  });

  it('our last correctable message is found past newer incoming ones and our retracted one', async () => {
    await storeMessages(db, [record(1, 'out'), record(2, 'out'), record(3, 'out', { retracted: true, body: '' }), record(4, 'in'), record(5, 'in')]);
    expect((await lastOwnMessage(db, BOB))?.key).to.equal('k2');
    expect(await lastOwnMessage(db, 'carol@localhost')).to.equal(undefined);
  });

  it('a reaction naming a message by an origin-id that differs from its id finds the newest such message of that conversation only', async () => {
    await storeMessages(db, [
      record(1, 'in', { originId: 'o-1' }),
      record(2, 'in', { originId: 'o-1' }),
      { ...record(3, 'in', { originId: 'o-1' }), conversation: 'carol@localhost', key: 'c3' },
    ]);
    expect(await setReactions(db, BOB, { keys: [], id: 'o-1' }, BOB, ['👍'])).to.not.equal(null);
    expect((await db.get('messages', 'k2'))?.reactions).to.deep.equal({ '👍': [BOB] });
    expect((await db.get('messages', 'k1'))?.reactions).to.equal(undefined);
    expect((await db.get('messages', 'c3'))?.reactions).to.equal(undefined);
  });

  it('a displayed marker marks our earlier messages, not incoming ones, and stops at what was marked before', async () => {
    await storeMessages(db, [record(1, 'out'), record(2, 'in'), record(3, 'out'), record(4, 'in'), record(5, 'out')]);
    await markDisplayed(db, BOB, 'id3');
    const states = async () => Promise.all([1, 2, 3, 4, 5].map(async (n) => (await db.get('messages', `k${n}`))?.state));
    expect(await states()).to.deep.equal(['displayed', 'received', 'displayed', 'received', 'sent']);
    await markDisplayed(db, BOB, 'id5');
    expect(await states()).to.deep.equal(['displayed', 'received', 'displayed', 'received', 'displayed']);
  });

  it('marking read up to a message counts the incoming ones after it, whatever we sent in between', async () => {
    await storeMessages(db, [record(1, 'in'), record(2, 'in'), record(3, 'out'), record(4, 'in'), record(5, 'out'), record(6, 'in')]);
    expect((await db.get('conversations', BOB))?.unread).to.equal(4);
    await markRead(db, BOB, 'k2');
    expect((await db.get('conversations', BOB))?.unread).to.equal(2);
  });

  it('search finds every match newest first across a long conversation, messages sharing a time included, up to its limit', async () => {
    // 1,300 messages, three per second: chunk edges fall among messages of one time.
    const list = Array.from({ length: 1300 }, (_, i) => record(i, 'in', { ts: Math.floor(i / 3) * 1000, body: i % 10 === 0 ? `needle ${i}` : `hay ${i}` }));
    await storeMessages(db, list);
    const found = await searchMessages(db, BOB, 'NEEDLE');
    expect(found.map((m) => m.body)).to.deep.equal(list.filter((m) => m.body.startsWith('needle')).reverse().map((m) => m.body));
    expect((await searchMessages(db, BOB, 'needle', 7)).map((m) => m.body)).to.deep.equal(['needle 1290', 'needle 1280', 'needle 1270', 'needle 1260', 'needle 1250', 'needle 1240', 'needle 1230']);
    expect(await searchMessages(db, 'carol@localhost', 'needle')).to.deep.equal([]);
  });
});
