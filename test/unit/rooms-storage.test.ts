import { expect } from 'chai';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { listOccupants } from '../../src/storage/read.js';
import { applyModeration, applyOccupants, putRoom, removeRoom } from '../../src/storage/rooms.js';
import { applyCorrection, markRead, storeMessages } from '../../src/storage/write.js';
import type { MessageRecord, OccupantRecord } from '../../src/shared/records.js';

const ROOM = 'tea@conference.localhost';

const said = (n: number, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  key: `${ROOM} in m${n}`, conversation: ROOM, direction: 'in', from: `${ROOM}/bob`, body: `message ${n}`, ts: n * 1000, id: `m${n}`,
  stanzaId: `s${n}`, state: 'received', author: 'occupant-id:bob', nick: 'bob', ...extra,
});
const occupant = (nick: string, role: OccupantRecord['role'] = 'participant'): OccupantRecord => ({ room: ROOM, nick, role, affiliation: 'none' });

describe('rooms in storage (real IndexedDB)', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`parley-rooms-${crypto.randomUUID()}`);
  });
  afterEach(() => db.close());

  it('counts mentions apart from unread, and reading brings both down', async () => {
    await storeMessages(db, [said(1), said(2, { mention: true }), said(3)]);
    expect(await db.get('conversations', ROOM)).to.include({ unread: 3, mentions: 1 });
    await markRead(db, ROOM, `${ROOM} in m1`);
    expect(await db.get('conversations', ROOM)).to.include({ unread: 2, mentions: 1 });
    await markRead(db, ROOM);
    expect(await db.get('conversations', ROOM)).to.include({ unread: 0, mentions: 0 });
  });

  it('lets only the occupant who wrote a message correct it, whatever nick they go by', async () => {
    await storeMessages(db, [said(1)]);
    const target = { conversation: ROOM, direction: 'in' as const, id: 'm1' };
    const other = await applyCorrection(db, { ...target, sender: 'occupant-id:carol' }, 'forged', 5000);
    expect(other).to.have.property('ignored');
    // The room's bare JID is no author either.
    expect(await applyCorrection(db, { ...target, sender: ROOM }, 'forged', 5000)).to.have.property('ignored');
    const own = await applyCorrection(db, { ...target, sender: 'occupant-id:bob' }, 'fixed', 5000);
    expect(own).to.not.have.property('ignored');
    expect((await db.get('messages', `${ROOM} in m1`))?.body).to.equal('fixed');
  });

  it('a moderation deletes the text by the room\'s stanza-id, keeps who and why, and only in that room', async () => {
    await storeMessages(db, [said(1), { ...said(2), conversation: 'other@conference.localhost', key: 'other' }]);
    expect(await applyModeration(db, 'other@conference.localhost', 's1', { by: 'ann' }, 9000)).to.equal(null);
    expect(await applyModeration(db, ROOM, 's1', { by: 'ann', reason: 'spam' }, 9000)).to.not.equal(null);
    const m = await db.get('messages', `${ROOM} in m1`);
    expect(m).to.include({ body: '', retracted: true });
    expect(m?.moderated).to.deep.equal({ by: 'ann', reason: 'spam' });
    expect((await db.get('conversations', ROOM))?.last?.body).to.equal('');
    // Again: nothing changes.
    expect(await applyModeration(db, ROOM, 's1', { by: 'ann' }, 9500)).to.equal(null);
  });

  it('stores occupants in batches, moderators first, and forgets them with the room', async () => {
    await putRoom(db, { jid: ROOM, nick: 'ann', state: 'joined' });
    await applyOccupants(db, [{ occupant: occupant('zed'), gone: false }, { occupant: occupant('bob'), gone: false }, { occupant: occupant('ann', 'moderator'), gone: false }]);
    expect((await listOccupants(db, ROOM)).map((o) => o.nick)).to.deep.equal(['ann', 'bob', 'zed']);
    await applyOccupants(db, [{ occupant: occupant('zed'), gone: true }]);
    expect((await listOccupants(db, ROOM)).map((o) => o.nick)).to.deep.equal(['ann', 'bob']);
    await removeRoom(db, ROOM);
    expect(await listOccupants(db, ROOM)).to.deep.equal([]);
    expect(await db.get('rooms', ROOM)).to.equal(undefined);
  });
});
