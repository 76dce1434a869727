import { expect } from 'chai';
import { parse } from 'ltx';
import { buildIdle, parseIdle } from '../../src/worker/idle.js';
import { Visibility } from '../../src/worker/csi.js';
import { parsePresence } from '../../src/worker/presence.js';

describe('last user interaction in presence (XEP-0319)', () => {
  const now = Date.parse('2026-12-02T13:00:00Z');

  it('builds <idle/> with the UTC time', () => {
    expect(buildIdle(Date.parse('2010-05-23T10:05:00.250Z')).toString()).to.equal('<idle xmlns="urn:xmpp:idle:1" since="2010-05-23T10:05:00Z"/>');
  });

  it("reads a contact's idle time from available and unavailable presence", () => {
    const away = parse(`<presence from='bob@localhost/a'><show>away</show><idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/></presence>`);
    expect(parsePresence(away, now)).to.deep.equal({
      kind: 'available',
      presence: { jid: 'bob@localhost', resource: 'a', show: 'away', priority: 0, idleSince: Date.parse('1969-07-21T02:56:15Z') },
    });
    const gone = parse(`<presence from='bob@localhost/a' type='unavailable'><idle xmlns='urn:xmpp:idle:1' since='2026-12-02T12:00:00+01:00'/></presence>`);
    expect(parsePresence(gone, now)).to.deep.equal({ kind: 'unavailable', jid: 'bob@localhost', resource: 'a', idleSince: Date.parse('2026-12-02T11:00:00Z') });
  });

  it('drops a malformed time and clamps a future one to now', () => {
    const idle = (since: string) => parseIdle(parse(`<presence><idle xmlns='urn:xmpp:idle:1' since='${since}'/></presence>`), now);
    expect(idle('last tuesday')).to.equal(undefined);
    expect(idle('2026-12-02')).to.equal(undefined);
    expect(idle('2099-01-01T00:00:00Z')).to.equal(now);
    expect(parseIdle(parse(`<presence><idle xmlns='urn:xmpp:idle:0' since='2026-12-02T12:00:00Z'/></presence>`), now)).to.equal(undefined);
  });

  it('is idle from when the last visible page was hidden, and not before any page was seen', () => {
    const v = new Visibility();
    expect(v.inactiveSince).to.equal(undefined);
    v.set('a', true, 1);
    v.set('b', true, 2);
    v.set('a', false, 3);
    expect(v.inactiveSince).to.equal(undefined);
    v.set('b', false, 4);
    expect(v.inactiveSince).to.equal(4);
    v.set('b', true, 5);
    expect(v.inactiveSince).to.equal(undefined);
  });
});
