/** Cards: vCard4 (XEP-0292) and vcard-temp (XEP-0054) read from the specs' examples, and built back. */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { safeLink } from '../../src/shared/card.js';
import { buildVcard4, parseVcard4, parseVcardTemp } from '../../src/worker/vcard.js';
import { MAX_VCARD_FIELD } from '../../src/shared/limits.js';

const el = (s: string) => parse(s) as unknown as Element;

/** XEP-0292 Example 1 (abridged to the fields Parley shows). */
const VCARD4 = `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>
  <fn><text>Peter Saint-Andre</text></fn>
  <nickname><text>stpeter</text></nickname>
  <email><parameters><type><text>work</text></type></parameters><text>peter@jabber.org</text></email>
  <tel><parameters><type><text>work</text></type></parameters><uri>tel:+1-303-308-3282</uri></tel>
  <note><text>More information about me is located on my personal website.</text></note>
  <url><parameters><type><text>home</text></type></parameters><uri>https://stpeter.im/</uri></url>
</vcard>`;

/** XEP-0054 Example 2 (abridged). */
const TEMP = `<vCard xmlns='vcard-temp'>
  <FN>Peter Saint-Andre</FN><NICKNAME>stpeter</NICKNAME><URL>http://www.xmpp.org/xsf/people/stpeter.shtml</URL>
  <TEL><WORK/><VOICE/><NUMBER>303-308-3282</NUMBER></TEL><EMAIL><INTERNET/><PREF/><USERID>stpeter@jabber.org</USERID></EMAIL>
  <DESC>More information about me is located on my personal website.</DESC>
</vCard>`;

describe('cards', () => {
  it('reads vCard4 (XEP-0292 Example 1)', () => {
    expect(parseVcard4(el(VCARD4))).to.deep.equal({
      fn: 'Peter Saint-Andre', nickname: 'stpeter', email: 'peter@jabber.org', tel: '+1-303-308-3282',
      note: 'More information about me is located on my personal website.', url: 'https://stpeter.im/',
    });
  });

  it('reads vcard-temp (XEP-0054 Example 2)', () => {
    expect(parseVcardTemp(el(TEMP))).to.deep.equal({
      fn: 'Peter Saint-Andre', nickname: 'stpeter', email: 'stpeter@jabber.org', tel: '303-308-3282',
      note: 'More information about me is located on my personal website.', url: 'http://www.xmpp.org/xsf/people/stpeter.shtml',
    });
  });

  it('builds vCard4 that reads back the same, empty fields left out', () => {
    const card = { fn: 'Juliet', tel: '+44 20', url: 'https://capulet.lit/' };
    const built = buildVcard4({ ...card, note: '  ' });
    expect(built.getChild('tel')?.getChildText('uri')).to.equal('tel:+44 20');
    expect(built.getChild('note')).to.equal(undefined);
    expect(parseVcard4(parse(built.toString()) as unknown as Element)).to.deep.equal(card);
  });

  it('keeps markup as the text it is, strips control characters and bounds length', () => {
    const c = parseVcard4(el(`<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>&lt;img src=x onerror=alert(1)&gt;\u0007</text></fn>
      <note><text>${'n'.repeat(MAX_VCARD_FIELD + 10)}</text></note></vcard>`));
    expect(c?.fn).to.equal('<img src=x onerror=alert(1)>');
    expect(c?.note).to.have.length(MAX_VCARD_FIELD);
    expect(parseVcard4(el(`<vCard xmlns='vcard-temp'/>`))).to.equal(null);
  });

  it('links a URL only when it is http(s)', () => {
    expect(safeLink('https://stpeter.im/')).to.equal('https://stpeter.im/');
    expect(safeLink('javascript:alert(1)')).to.equal(null);
    expect(safeLink('data:text/html,<b>x</b>')).to.equal(null);
    expect(safeLink('not a url')).to.equal(null);
  });
});
