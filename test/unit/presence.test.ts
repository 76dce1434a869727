import { expect } from 'chai';
import { parse } from 'ltx';
import { buildPresence, buildSubscription, parsePresence } from '../../src/worker/presence.js';
import { openParleyDb } from '../../src/storage/db.js';
import { replaceRoster, storePresence, type PresenceUpdate } from '../../src/storage/write.js';
import '../../src/storage/last-seen.js';

describe('presence (RFC 6121)', () => {
  it('parses available presence per resource with show, status and priority', () => {
    const p = parse(`<presence from='bob@localhost/phone'><show>away</show><status>lunch</status><priority>5</priority></presence>`);
    expect(parsePresence(p)).to.deep.equal({
      kind: 'available',
      presence: { jid: 'bob@localhost', resource: 'phone', show: 'away', status: 'lunch', priority: 5 },
    });
  });

  it('drops invalid show values and clamps priority', () => {
    const p = parse(`<presence from='bob@localhost/a'><show>sleeping</show><priority>900</priority></presence>`);
    expect(parsePresence(p)).to.deep.equal({ kind: 'available', presence: { jid: 'bob@localhost', resource: 'a', priority: 127 } });
  });

  it('parses unavailable and subscription presences', () => {
    expect(parsePresence(parse(`<presence from='bob@localhost/a' type='unavailable'/>`))).to.deep.equal({
      kind: 'unavailable', jid: 'bob@localhost', resource: 'a',
    });
    expect(parsePresence(parse(`<presence from='bob@localhost' type='subscribe'/>`))).to.deep.equal({ kind: 'subscribe', jid: 'bob@localhost' });
  });

  it('ignores presence without a sender or with an unknown type', () => {
    expect(parsePresence(parse(`<presence><show>dnd</show></presence>`))).to.equal(null);
    expect(parsePresence(parse(`<presence from='bob@localhost' type='probe'/>`))).to.equal(null);
    expect(parsePresence(parse(`<presence from='bob@localhost' type='nonsense'/>`))).to.equal(null);
  });

  it('builds own presence and subscription answers', () => {
    expect(buildPresence('dnd', 'in a meeting').toString()).to.equal('<presence><show>dnd</show><status>in a meeting</status></presence>');
    expect(buildPresence().toString()).to.equal('<presence/>');
    expect(buildSubscription('bob@localhost', 'subscribed').toString()).to.equal('<presence to="bob@localhost" type="subscribed"/>');
  });

  it('stores a burst of presences in order: only whom we follow shows online, going offline is last seen; the same burst again changes nothing', async () => {
    const db = await openParleyDb(`parley-presence-${crypto.randomUUID()}`);
    try {
      await replaceRoster(db, [
        { jid: 'bob@localhost', subscription: 'both', groups: [], pendingOut: false },
        { jid: 'dave@localhost', subscription: 'from', groups: [], pendingOut: false },
      ]);
      const on = (jid: string, resource: string): PresenceUpdate => ({ kind: 'available', presence: { jid, resource, priority: 0 } });
      const burst: PresenceUpdate[] = [
        on('bob@localhost', 'phone'),
        on('eve@localhost', 'x'), // directed presence from a stranger
        on('dave@localhost', 'x'), // they see us; we do not see them
        on('bob@localhost', 'laptop'),
        { kind: 'unavailable', jid: 'bob@localhost', resource: 'phone', idleSince: 1000 },
        { kind: 'unavailable', jid: 'eve@localhost', resource: 'x' },
      ];
      for (const round of ['first', 'again']) {
        const { change, ignored } = await storePresence(db, burst, 5000);
        expect(ignored.map((u) => (u.kind === 'available' ? u.presence.jid : u.jid)), round).to.deep.equal(['eve@localhost', 'dave@localhost']);
        expect(change?.stores.sort(), round).to.deep.equal(['lastSeen', 'presence']);
        expect(await db.getAllKeys('presence'), round).to.deep.equal([['bob@localhost', 'laptop']]);
        expect(await db.getAll('lastSeen'), round).to.deep.equal([{ jid: 'bob@localhost', ts: 1000 }]);
      }
    } finally {
      db.close();
    }
  });
});
