import { expect } from 'chai';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { markDelivered, markDisplayed, markRead, markSent, storeMessage, storeMessages } from '../../src/storage/write.js';
import type { MessageRecord } from '../../src/shared/records.js';

const BOB = 'bob@localhost';

const out = (id: string, ts: number): MessageRecord => ({
  key: `${BOB} out ${id}`, conversation: BOB, direction: 'out', from: 'alice@localhost', body: id, ts, id, originId: id, state: 'pending',
});
const incoming = (id: string, ts: number): MessageRecord => ({
  key: `${BOB} in ${id}`, conversation: BOB, direction: 'in', from: `${BOB}/laptop`, body: id, ts, id, markable: true, state: 'received',
});

describe('read state in storage (real IndexedDB)', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`parley-read-state-${crypto.randomUUID()}`);
  });
  afterEach(() => db.close());

  const state = async (id: string) => (await db.get('messages', `${BOB} out ${id}`))?.state;

  it('outgoing states only move forward: a receipt or an ack after the displayed marker leaves it displayed', async () => {
    await storeMessage(db, out('m1', 1000), { originId: 'm1', to: BOB, body: 'm1', ts: 1000 });
    await markSent(db, `${BOB} out m1`, 'm1');
    await markDisplayed(db, BOB, 'm1');
    expect(await state('m1')).to.equal('displayed');
    await markDelivered(db, BOB, 'm1');
    expect(await state('m1')).to.equal('displayed');
  });

  it('a displayed marker that overtakes the server ack: seen, out of the outbox, and the late receipt and ack change nothing', async () => {
    await storeMessage(db, out('m2', 2000), { originId: 'm2', to: BOB, body: 'm2', ts: 2000 });
    await markDisplayed(db, BOB, 'm2');
    expect(await state('m2')).to.equal('displayed');
    expect(await db.get('outbox', 'm2')).to.equal(undefined);
    await markDelivered(db, BOB, 'm2');
    await markSent(db, `${BOB} out m2`, 'm2');
    expect(await state('m2')).to.equal('displayed');
  });

  it('marking read up to a message leaves the ones after it unread, and never raises the count', async () => {
    await storeMessages(db, [1, 2, 3, 4, 5].map((i) => incoming(`i${i}`, i * 1000)));
    const unread = async () => (await db.get('conversations', BOB))?.unread;
    expect(await unread()).to.equal(5);
    await markRead(db, BOB, `${BOB} in i3`);
    expect(await unread()).to.equal(2);
    await markRead(db, BOB, `${BOB} in i1`);
    expect(await unread()).to.equal(2);
    expect(await markRead(db, BOB, 'carol@localhost in x')).to.equal(null);
    expect(await unread()).to.equal(2);
    await markRead(db, BOB);
    expect(await unread()).to.equal(0);
  });
});
