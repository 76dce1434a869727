/** HTTP File Upload (XEP-0363) and Out of Band Data (XEP-0066): the specs' examples, and what is refused. */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { fileName, formatSize, mayShowInline } from '../../src/shared/attachment.js';
import { buildOob, parseOob } from '../../src/worker/oob.js';
import { buildSlotRequest, parseServiceInfo, parseSlot } from '../../src/worker/upload.js';

const el = (s: string) => parse(s) as unknown as Element;

/** XEP-0363 Example 2. */
const INFO = `<query xmlns='http://jabber.org/protocol/disco#info'>
  <identity category='store' type='file' name='HTTP File Upload' />
  <feature var='urn:xmpp:http:upload:0' />
  <x type='result' xmlns='jabber:x:data'>
    <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>
    <field var='max-file-size'><value>5242880</value></field>
  </x>
</query>`;

/** XEP-0363 Example 5. */
const SLOT = (put = 'https://upload.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg') => `<slot xmlns='urn:xmpp:http:upload:0'>
  <put url='${put}'>
    <header name='Authorization'>Basic Base64String==</header>
    <header name='Cookie'>foo=bar; user=romeo</header>
    <header name='Host'>evil.example</header>
  </put>
  <get url='https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg' />
</slot>`;

describe('upload stanzas', () => {
  it('reads the service and its limit (XEP-0363 Example 2); a service without one is none', () => {
    expect(parseServiceInfo('upload.montague.tld', el(INFO))).to.deep.equal({ jid: 'upload.montague.tld', maxBytes: 5242880 });
    expect(parseServiceInfo('montague.tld', el(`<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/></query>`))).to.equal(null);
  });

  it('asks for a slot (XEP-0363 Example 4)', () => {
    expect(buildSlotRequest({ name: 'très cool.jpg', size: 23456, type: 'image/jpeg' }).toString()).to.equal(
      '<request xmlns="urn:xmpp:http:upload:0" filename="très cool.jpg" size="23456" content-type="image/jpeg"/>',
    );
  });

  it('reads a slot (XEP-0363 Example 5), keeping only the headers the spec allows', () => {
    const slot = parseSlot(el(SLOT()));
    expect(slot.get).to.equal('https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg');
    expect(slot.headers).to.deep.equal({ Authorization: 'Basic Base64String==', Cookie: 'foo=bar; user=romeo' });
  });

  it('refuses a slot URL that is not http(s)', () => {
    expect(() => parseSlot(el(SLOT('javascript:alert(1)')))).to.throw(/not http\(s\)/);
    expect(() => parseSlot(el(`<slot xmlns='urn:xmpp:http:upload:0'/>`))).to.throw(/without a slot/);
  });

  it('shares a URL with oob data only when the body is that URL and it is http(s)', () => {
    const url = 'https://download.montague.tld/a/photo.png';
    const message = (body: string, oob: string) => el(`<message><body>${body}</body>${buildOob(oob).toString()}</message>`);
    expect(parseOob(message(url, url), url)).to.equal(url);
    expect(parseOob(message('look', url), 'look')).to.equal(null);
    expect(parseOob(message('javascript:alert(1)', 'javascript:alert(1)'), 'javascript:alert(1)')).to.equal(null);
  });

  it('shows inline only from https, this origin or this machine; names and sizes files', () => {
    expect(mayShowInline('https://download.montague.tld/a.png', 'http://127.0.0.1:8000')).to.equal(true);
    expect(mayShowInline('http://127.0.0.1:5280/file_share/a.png', 'http://127.0.0.1:8000')).to.equal(true);
    expect(mayShowInline('http://download.montague.tld/a.png', 'https://chat.example')).to.equal(false);
    expect(mayShowInline('data:image/png;base64,AAAA', 'https://chat.example')).to.equal(false);
    expect(fileName('https://d.example/x/tr%C3%A8s%20cool.jpg')).to.equal('très cool.jpg');
    expect(formatSize(5 * 1024 * 1024)).to.equal('5.0 MB');
  });
});
