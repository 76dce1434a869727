import { expect } from 'chai';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { applyCorrection, storeMessages } from '../../src/storage/write.js';
import type { MessageRecord } from '../../src/shared/records.js';

const BOB = 'bob@localhost';
const KEY = `${BOB} in random-key`;

describe('edit history in storage (real IndexedDB)', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`parley-edit-history-${crypto.randomUUID()}`);
    const first: MessageRecord = { key: KEY, conversation: BOB, direction: 'in', from: `${BOB}/phone`, body: 'the original', ts: 1000, id: 'm1', state: 'received' };
    await storeMessages(db, [first]);
  });
  afterEach(() => db.close());

  it('100 corrections of 30K characters keep a bounded record: the original text and the latest earlier ones', async () => {
    const big = (i: number) => `${i} `.padEnd(30_000, 'x');
    for (let i = 1; i <= 100; i++) {
      const result = await applyCorrection(db, { conversation: BOB, key: KEY, sender: BOB }, big(i), 1000 + i, { id: `c${i}` });
      expect('change' in result, `correction ${i}`).to.equal(true);
    }
    const stored = (await db.get('messages', KEY))!;
    expect(stored.body).to.equal(big(100));
    expect(stored.edits!.length).to.be.at.most(10);
    expect(stored.edits![0]!.body, 'the original stays first: it is how copies are recognised').to.equal('the original');
    expect(stored.edits!.at(-1)!.body).to.equal(big(99));
    expect(JSON.stringify(stored).length, 'bytes in the record').to.be.below(400_000);
  });

  it('a correction replayed after being pushed out of the history is still known as applied', async () => {
    for (let i = 1; i <= 30; i++) await applyCorrection(db, { conversation: BOB, key: KEY, sender: BOB }, `text ${i}`, 1000 + i, { id: `c${i}` });
    const replay = await applyCorrection(db, { conversation: BOB, key: KEY, sender: BOB }, 'text 2', 2000, { id: 'c2' });
    expect(replay).to.deep.equal({ ignored: 'correction applied before' });
    expect((await db.get('messages', KEY))!.body).to.equal('text 30');
  });
});
