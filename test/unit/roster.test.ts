import { expect } from 'chai';
import { parse } from 'ltx';
import { buildSetItem, isTrustedPush, parseQuery } from '../../src/worker/roster.js';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { addRequest, applyRosterPush } from '../../src/storage/write.js';
import type { RosterItem } from '../../src/shared/records.js';

describe('roster (RFC 6121)', () => {
  it('parses a roster result with names, groups, subscriptions and pending asks', () => {
    const iq = parse(`<iq type='result' id='r1' to='alice@localhost/web'>
      <query xmlns='jabber:iq:roster' ver='ver11'>
        <item jid='Bob@Localhost' name='Bob' subscription='both'><group>Friends</group><group>Friends</group><group>Work</group></item>
        <item jid='carol@localhost' subscription='none' ask='subscribe'/>
        <item jid='dave@localhost' subscription='bogus'/>
        <item jid='eve@localhost/phone' subscription='both'/>
        <item subscription='both'/>
      </query></iq>`);
    const items = parseQuery(iq.getChild('query', 'jabber:iq:roster')!);
    expect(items).to.deep.equal([
      { item: { jid: 'bob@localhost', name: 'Bob', groups: ['Friends', 'Work'], subscription: 'both', pendingOut: false }, removed: false },
      { item: { jid: 'carol@localhost', groups: [], subscription: 'none', pendingOut: true }, removed: false },
      { item: { jid: 'dave@localhost', groups: [], subscription: 'none', pendingOut: false }, removed: false },
    ]);
  });

  it('parses a removal push', () => {
    const iq = parse(`<iq type='set' id='p1'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>`);
    const [parsed] = parseQuery(iq.getChild('query')!);
    expect(parsed?.removed).to.equal(true);
    expect(parsed?.item.jid).to.equal('bob@localhost');
  });

  it('trusts a push only from our own bare JID or from nobody (§2.1.6)', () => {
    expect(isTrustedPush(undefined, 'alice@localhost')).to.equal(true);
    expect(isTrustedPush('alice@localhost', 'alice@localhost')).to.equal(true);
    expect(isTrustedPush('Alice@Localhost', 'alice@localhost')).to.equal(true);
    expect(isTrustedPush('bob@localhost', 'alice@localhost')).to.equal(false);
    expect(isTrustedPush('bob@localhost/x', 'alice@localhost')).to.equal(false);
    expect(isTrustedPush('alice@localhost/other', 'alice@localhost')).to.equal(false);
    expect(isTrustedPush('localhost', 'alice@localhost')).to.equal(false);
  });

  it('builds add and remove requests', () => {
    expect(buildSetItem('bob@localhost', { name: 'Bob' }).toString()).to.equal(
      `<query xmlns="jabber:iq:roster"><item jid="bob@localhost" name="Bob"/></query>`,
    );
    expect(buildSetItem('bob@localhost', { remove: true }).toString()).to.equal(
      `<query xmlns="jabber:iq:roster"><item jid="bob@localhost" subscription="remove"/></query>`,
    );
  });
});

describe('subscription requests in storage (real IndexedDB)', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`parley-requests-${crypto.randomUUID()}`);
  });
  afterEach(() => db.close());
  const item = (subscription: RosterItem['subscription']): RosterItem => ({ jid: 'erin@localhost', groups: [], subscription, pendingOut: false });

  it('keeps a request from someone who does not see us yet', async () => {
    await applyRosterPush(db, item('to'), false);
    await addRequest(db, 'erin@localhost');
    expect(await db.getAllKeys('requests')).to.deep.equal(['erin@localhost']);
  });

  // Seen on ejabberd: their request and the push saying they now see us (our other device approved)
  // are handled side by side; the push's removal ran between the request's roster read and its write.
  it('drops a request once the roster says they see us, whichever is stored first', async () => {
    await applyRosterPush(db, item('both'), false);
    await addRequest(db, 'erin@localhost');
    await addRequest(db, 'erin@localhost');
    expect(await db.getAllKeys('requests')).to.deep.equal([]);
    await applyRosterPush(db, item('to'), false);
    await addRequest(db, 'erin@localhost');
    await applyRosterPush(db, item('from'), false);
    expect(await db.getAllKeys('requests')).to.deep.equal([]);
  });
});
