import { expect } from 'chai';
import { parse } from 'ltx';
import { buildTime, parseTime } from '../../src/worker/entity-time.js';
import { formatOffset } from '../../src/shared/time.js';
import { localTime } from '../../src/shared/time.js';

describe('entity time (XEP-0202)', () => {
  it('answers with our offset and the UTC time, to the second', () => {
    expect(buildTime(new Date('2026-12-02T13:05:09.123Z'), 60).toString()).to.equal(
      '<time xmlns="urn:xmpp:time"><tzo>+01:00</tzo><utc>2026-12-02T13:05:09Z</utc></time>',
    );
    expect(formatOffset(-(9 * 60 + 30))).to.equal('-09:30');
    expect(formatOffset(0)).to.equal('+00:00');
  });

  it('parses the example answer of XEP-0202 §4', () => {
    const el = parse(`<time xmlns='urn:xmpp:time'><tzo>-06:00</tzo><utc>2006-12-19T17:58:35Z</utc></time>`);
    expect(parseTime(el)).to.deep.equal({ utc: Date.parse('2006-12-19T17:58:35Z'), offset: -360 });
    expect(parseTime(parse(`<time xmlns='urn:xmpp:time'><tzo>Z</tzo><utc>2006-12-19T17:58:35.5Z</utc></time>`))).to.deep.equal({
      utc: Date.parse('2006-12-19T17:58:35.5Z'),
      offset: 0,
    });
  });

  it('drops malformed answers', () => {
    const answer = (tzo: string, utc: string) => parseTime(parse(`<time xmlns='urn:xmpp:time'><tzo>${tzo}</tzo><utc>${utc}</utc></time>`));
    expect(answer('+15:00', '2006-12-19T17:58:35Z'), 'offset past 14 h').to.equal(null);
    expect(answer('+01:75', '2006-12-19T17:58:35Z'), 'minutes past 59').to.equal(null);
    expect(answer('CET', '2006-12-19T17:58:35Z'), 'a zone name').to.equal(null);
    expect(answer('+01:00', '2006-12-19T18:58:35+01:00'), 'utc not in UTC').to.equal(null);
    expect(answer('+01:00', 'yesterday'), 'no timestamp').to.equal(null);
    expect(parseTime(parse(`<time xmlns='urn:xmpp:other'><tzo>Z</tzo><utc>2006-12-19T17:58:35Z</utc></time>`)), 'wrong namespace').to.equal(null);
  });

  it("shows a contact's wall time with their offset", () => {
    const now = Date.parse('2026-12-02T13:05:00Z');
    expect(localTime({ utc: now, offset: -360 }, now)).to.equal('07:05 (UTC-06:00)');
    expect(localTime({ utc: now, offset: 330 }, now)).to.equal('18:35 (UTC+05:30)');
  });
});
