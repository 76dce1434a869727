/**
 * Schema upgrades against a real IndexedDB: a database an older Parley left, with data in it, opens
 * at the current version with that data kept and reachable through the new indexes.
 */
import { expect } from 'chai';
import { DB_VERSION, openParleyDb } from '../../src/storage/db.js';
import { shippedDb } from './shipped-db.js';
import { listMessages } from '../../src/storage/read.js';
import type { MessageRecord } from '../../src/shared/records.js';
import { lastOwnMessage } from '../../src/worker/correction.js';

const ME = 'alice@localhost';
const BOB = 'bob@localhost';

const message = (n: number, direction: 'in' | 'out', extra: Partial<MessageRecord> = {}): MessageRecord => ({
  key: `${BOB} ${direction} k${n}`, conversation: BOB, direction, from: direction === 'in' ? `${BOB}/phone` : ME, body: `m${n}`, ts: n,
  id: `id${n}`, state: direction === 'in' ? 'received' : 'sent', ...extra,
});

describe('schema 5: indexes for the lookups a message triggers', () => {
  it('opens a version 4 database with its data kept, and finds its messages through the new indexes', async () => {
    const name = `schema-v5-${crypto.randomUUID()}`;
    const messages = [
      message(1, 'in', { stanzaId: 's1', markable: true }),
      message(2, 'out', { originId: 'o2', stanzaId: 's2' }),
      message(3, 'out', { originId: 'o3', retracted: true, body: '' }),
      message(4, 'in'),
    ];
    const sync = { key: `archive:${ME}`, last: 's2', gaps: [] };
    const outbox = { originId: 'o9', to: BOB, body: 'waiting', ts: 9 };
    await shippedDb(name, 4, [
      { store: 'account', value: { key: 'current', jid: ME, service: 'ws://x', resource: 'r', agentId: 'a', allowPlain: false, presence: {} } },
      { store: 'roster', value: { jid: BOB, groups: [], subscription: 'both', pendingOut: false } },
      { store: 'conversations', value: { jid: BOB, lastTs: 4, unread: 1 } },
      { store: 'state', value: sync },
      { store: 'outbox', value: outbox },
      ...messages.map((value) => ({ store: 'messages', value })),
    ]);

    const db = await openParleyDb(name);
    expect(db.version).to.equal(DB_VERSION);
    // Later versions' stores are there too, empty.
    expect([...db.objectStoreNames]).to.include.members(['rooms', 'occupants', 'bookmarks', 'invitations']);
    expect(await db.count('bookmarks')).to.equal(0);
    expect((await db.get('account', 'current'))?.jid).to.equal(ME);
    expect(await db.get('roster', BOB)).to.include({ subscription: 'both' });
    expect(await db.get('conversations', BOB)).to.include({ unread: 1 });
    expect(await db.get('state', `archive:${ME}`)).to.deep.equal(sync);
    expect(await db.getAll('outbox')).to.deep.equal([outbox]);
    expect(await listMessages(db, BOB)).to.deep.equal(messages);
    // The indexes version 5 adds cover the records that were there before it.
    const keys = async (index: 'byDirection' | 'byArchived' | 'byOrigin') => (await db.getAllFromIndex('messages', index)).map((m) => m.key);
    expect(await keys('byDirection')).to.have.members(messages.map((m) => m.key));
    expect(await keys('byArchived')).to.have.members([messages[0]!.key, messages[1]!.key]);
    expect(await keys('byOrigin')).to.have.members([messages[1]!.key, messages[2]!.key]);
    expect((await lastOwnMessage(db, BOB))?.key).to.equal(messages[1]!.key);
    db.close();
  });
});
