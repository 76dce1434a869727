import { expect } from 'chai';
import { MAX_BODY } from '../../src/shared/limits.js';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildEnable } from '../../src/worker/carbons.js';
import { EnvelopeError, unwrap, type Envelope } from '../../src/worker/envelope.js';
import { chatRecord } from '../../src/worker/message.js';

const ME = 'alice@localhost';

/** What the envelope stage makes of a stanza: a carbon's envelope, or null (anything else). */
function parseCarbon(el: Element, own: string): Envelope | null {
  const opened = unwrap(el, own);
  return opened?.via === 'carbon' ? opened : null;
}

/** The message a carbon holds, as the message plugin stores it (null: nothing to store). */
const stored = (el: Element) => {
  const env = parseCarbon(el, ME);
  return env && chatRecord(env);
};

/** A carbon as Prosody sends it: outer from our bare JID, to this device. */
function carbon(kind: 'sent' | 'received', inner: string, outerFrom = 'alice@localhost'): string {
  return `<message xmlns='jabber:client' from='${outerFrom}' to='alice@localhost/web' type='chat'>
    <${kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></${kind}></message>`;
}

const SENT = `<message xmlns='jabber:client' from='alice@localhost/phone' to='bob@localhost' type='chat' id='m1'>
  <body>from my phone</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`;
const RECEIVED = `<message xmlns='jabber:client' from='Bob@Localhost/laptop' to='alice@localhost/phone' type='chat' id='m2'>
  <body>to your phone</body></message>`;

describe('message carbons (XEP-0280, XEP-0297)', () => {
  it('builds the enable request', () => {
    expect(buildEnable().toString()).to.equal(`<enable xmlns="urn:xmpp:carbons:2"/>`);
  });

  it('unwraps a sent carbon as our outgoing message to the inner recipient, written by us', () => {
    const env = parseCarbon(parse(carbon('sent', SENT)), ME)!;
    expect(env).to.include({ via: 'carbon', direction: 'out', conversation: 'bob@localhost', sender: ME, from: 'alice@localhost/phone' });
    expect(env.message.getChildText('body')).to.equal('from my phone');
  });

  it('unwraps a received carbon as an incoming message from the inner sender', () => {
    const env = parseCarbon(parse(carbon('received', RECEIVED)), ME)!;
    expect(env).to.include({ via: 'carbon', direction: 'in', conversation: 'bob@localhost', sender: 'bob@localhost', from: 'Bob@Localhost/laptop' });
    expect(env.message.getChildText('body')).to.equal('to your phone');
  });

  it('accepts our bare JID in any case as the outer sender', () => {
    expect(parseCarbon(parse(carbon('sent', SENT, 'Alice@LOCALHOST')), ME)?.conversation).to.equal('bob@localhost');
  });

  it('stores a carbon with what identifies the live message: direction, sender id and text', () => {
    expect(stored(parse(carbon('sent', SENT)))).to.include({ conversation: 'bob@localhost', direction: 'out', state: 'sent', id: 'm1', originId: 'o1' });
    const live = chatRecord(unwrap(parse(RECEIVED), ME) as Envelope)!;
    const copy = stored(parse(carbon('received', RECEIVED)))!;
    expect(copy).to.include({ conversation: live.conversation, direction: live.direction, id: live.id, body: live.body, state: 'received' });
  });

  it('returns null for messages that are not carbons', () => {
    expect(parseCarbon(parse(RECEIVED), ME)).to.equal(null);
    expect(unwrap(parse(RECEIVED), ME)).to.include({ via: 'live' });
    // Same element names in other namespaces: a delivery receipt is no carbon.
    expect(parseCarbon(parse(`<message from='bob@localhost/a'><received xmlns='urn:xmpp:receipts' id='x'/></message>`), ME)).to.equal(null);
    expect(parseCarbon(parse(`<presence from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'/></presence>`), ME)).to.equal(null);
  });

  it('stores no carbon of a message without a body (chat states); ignores carbons between our own devices', () => {
    const state = `<message from='bob@localhost/a' to='alice@localhost/phone' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`;
    expect(stored(parse(carbon('received', state)))).to.equal(null);
    const self = `<message from='alice@localhost/phone' to='alice@localhost/tablet' type='chat' id='s'><body>note</body></message>`;
    expect(parseCarbon(parse(carbon('sent', self)), ME)).to.equal(null);
    expect(parseCarbon(parse(carbon('received', self)), ME)).to.equal(null);
    const groupchat = `<message from='room@muc.localhost/bob' to='alice@localhost/phone' type='groupchat'><body>hi</body></message>`;
    expect(parseCarbon(parse(carbon('received', groupchat)), ME)).to.equal(null);
  });

  describe('spoofing (CVE-2017-5589 class) and malformed carbons', () => {
    const refused = (stanza: string) => expect(() => parseCarbon(parse(stanza), ME), stanza).to.throw(EnvelopeError);

    it('refuses a carbon from another user', () => {
      refused(carbon('sent', SENT, 'bob@localhost/laptop'));
      refused(carbon('sent', SENT, 'bob@localhost'));
      refused(carbon('received', RECEIVED, 'mallory@evil.example'));
    });

    it('refuses a carbon from a full JID of ours (a device, not our server)', () => {
      refused(carbon('sent', SENT, 'alice@localhost/phone'));
      refused(carbon('received', RECEIVED, 'alice@localhost/'));
    });

    it('refuses a carbon from our server or a look-alike domain, or from nobody', () => {
      refused(carbon('sent', SENT, 'localhost'));
      refused(carbon('sent', SENT, 'alice@localhost.evil.example'));
      refused(`<message to='alice@localhost/web'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${SENT}</forwarded></sent></message>`);
    });

    it('refuses a carbon without a forwarded element, or a forwarded without a message', () => {
      refused(`<message from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'/></message>`);
      refused(`<message from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'>${SENT}</sent></message>`);
      refused(`<message from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:1'>${SENT}</forwarded></sent></message>`);
      refused(carbon('sent', `<delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/>`));
      refused(carbon('sent', ''));
    });

    it('refuses ambiguous carbons: two wrappers, two forwarded, two messages', () => {
      refused(`<message from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${SENT}</forwarded></sent>
        <received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${RECEIVED}</forwarded></received></message>`);
      refused(`<message from='alice@localhost'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${SENT}</forwarded>
        <forwarded xmlns='urn:xmpp:forward:0'>${SENT}</forwarded></sent></message>`);
      refused(carbon('sent', SENT + SENT));
    });

    it('refuses nested carbons', () => {
      // The inner message is itself a carbon, even one "from" our account: nothing legitimate does this.
      refused(carbon('received', carbon('sent', SENT)));
      refused(carbon('sent', carbon('received', RECEIVED, 'bob@localhost')));
      const withBody = `<message from='alice@localhost/phone' to='bob@localhost' type='chat'><body>x</body>
        <sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${SENT}</forwarded></sent></message>`;
      refused(carbon('sent', withBody));
    });

    it('refuses a sent carbon of a message not from us, and a received carbon of a message not to us', () => {
      refused(carbon('sent', `<message from='bob@localhost/x' to='carol@localhost' type='chat' id='z'><body>x</body></message>`));
      refused(carbon('received', `<message from='bob@localhost/x' to='carol@localhost' type='chat' id='z'><body>x</body></message>`));
      refused(carbon('sent', `<message from='alice@localhost/phone' type='chat' id='z'><body>to nobody</body></message>`));
    });

    it('drops a carbon with a huge body as the live path does', () => {
      const huge = `<message from='bob@localhost/a' to='alice@localhost/phone' type='chat'><body>${'a'.repeat(MAX_BODY + 1)}</body></message>`;
      expect(() => stored(parse(carbon('received', huge)))).to.throw(RangeError);
    });

    it('keeps markup in a carbon body as text', () => {
      const m = `<message from='bob@localhost/a' to='alice@localhost/phone' type='chat'><body>&lt;script&gt;x&lt;/script&gt;</body></message>`;
      expect(stored(parse(carbon('received', m)))?.body).to.equal('<script>x</script>');
    });
  });
});
