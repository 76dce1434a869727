import { expect } from 'chai';
import { parse } from 'ltx';
import { buildPresence, buildSubscription, parsePresence } from '../../src/worker/presence.js';

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
});
