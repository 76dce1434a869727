import { expect } from 'chai';
import { MAX_BODY } from '../../src/shared/limits.js';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import { buildChatMessage, parseChatMessage } from '../../src/worker/message.js';

const ME = 'alice@localhost';

/** What the envelope stage vouches for in a live message: its archive id and delay stamp. */
const vouched = (el: Element) => {
  const env = unwrap(el, ME) as Envelope | null;
  return { stanzaId: env?.archive?.id, delayed: env?.delay?.stamp };
};

describe('chat messages (RFC 6121 §5, XEP-0359, XEP-0203)', () => {
  it('builds a chat message with an origin-id that asks for a receipt (XEP-0184) and says active (XEP-0085)', () => {
    expect(buildChatMessage('bob@localhost', 'hi <there> & you', 'abc-1').toString()).to.equal(
      `<message to="bob@localhost" type="chat" id="abc-1"><body>hi &lt;there&gt; &amp; you</body><origin-id xmlns="urn:xmpp:sid:0" id="abc-1"/><request xmlns="urn:xmpp:receipts"/><active xmlns="http://jabber.org/protocol/chatstates"/><markable xmlns="urn:xmpp:chat-markers:0"/></message>`,
    );
  });

  it('round-trips a built message through the parser', () => {
    const built = parse(buildChatMessage('alice@localhost', 'héllo 👋', 'o1').toString());
    built.attrs.from = 'bob@localhost/phone';
    expect(parseChatMessage(built)).to.deep.equal({ from: 'bob@localhost/phone', body: 'héllo 👋', id: 'o1', originId: 'o1', markable: true });
  });

  it('keeps only a stanza-id stamped by our own account', () => {
    const m = parse(`<message from='bob@localhost/a' type='chat' id='x'><body>hi</body>
      <stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='bob@localhost'/>
      <stanza-id xmlns='urn:xmpp:sid:0' id='real' by='alice@localhost'/></message>`);
    expect(vouched(m).stanzaId).to.equal('real');
    const forged = parse(`<message from='bob@localhost/a' type='chat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='f' by='bob@localhost'/></message>`);
    expect(vouched(forged).stanzaId).to.equal(undefined);
  });

  it('trusts a stanza-id only when `by` is exactly our bare JID, and only when one claims our archive', () => {
    const claim = (...bys: string[]) =>
      parse(`<message from='mallory@localhost/a' type='chat' id='x'><body>hi</body>${bys.map((by, i) => `<stanza-id xmlns='urn:xmpp:sid:0' id='s${i}' by='${by}'/>`).join('')}</message>`);
    expect(vouched(claim('ALICE@localhost')).stanzaId, 'case-folded').to.equal(undefined);
    expect(vouched(claim('alice@localhost/evil')).stanzaId, 'with a resource').to.equal(undefined);
    expect(vouched(claim('alice@localhost', 'alice@localhost')).stanzaId, 'a forged one before the real one').to.equal(undefined);
    expect(vouched(claim('alice@localhost/evil', 'alice@localhost')).stanzaId).to.equal('s1');
  });

  it('uses a delay stamp of our own server for ordering, never one in the future', () => {
    const past = parse(`<message from='bob@localhost/a' type='chat'><body>old</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2024-01-02T03:04:05Z'/></message>`);
    expect(vouched(past).delayed).to.equal(Date.UTC(2024, 0, 2, 3, 4, 5));
    const account = parse(`<message from='bob@localhost/a' type='chat'><body>old</body><delay xmlns='urn:xmpp:delay' from='Alice@localhost' stamp='2024-01-02T03:04:05Z'/></message>`);
    expect(vouched(account).delayed).to.equal(Date.UTC(2024, 0, 2, 3, 4, 5));
    const future = parse(`<message from='bob@localhost/a' type='chat'><body>x</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2999-01-01T00:00:00Z'/></message>`);
    expect(vouched(future).delayed!).to.be.at.most(Date.now());
    const garbage = parse(`<message from='bob@localhost/a' type='chat'><body>x</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='yesterday'/></message>`);
    expect(vouched(garbage).delayed).to.equal(undefined);
  });

  it('ignores a delay stamp the contact (or anyone but our server) wrote', () => {
    for (const from of ['bob@localhost/a', 'bob@localhost', 'evil.example', 'localhost.evil', 'alice@localhost.evil', '']) {
      const m = parse(`<message from='bob@localhost/a' type='chat'><body>x</body><delay xmlns='urn:xmpp:delay' from='${from}' stamp='2001-01-01T00:00:00Z'/></message>`);
      expect(vouched(m).delayed, from).to.equal(undefined);
    }
    const unsigned = parse(`<message from='bob@localhost/a' type='chat'><body>x</body><delay xmlns='urn:xmpp:delay' stamp='2001-01-01T00:00:00Z'/></message>`);
    expect(vouched(unsigned).delayed).to.equal(undefined);
  });

  it('ignores messages that are not chat with a body (group chat is taken once the envelope stage vouched for the room)', () => {
    for (const xml of [
      `<message from='bob@localhost/a' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
      `<message from='bob@localhost/a' type='error'><body>hi</body></message>`,
      `<message from='bob@localhost/a' type='headline'><body>hi</body></message>`,
      `<message type='chat'><body>no sender</body></message>`,
      `<message from='bob@localhost/a' type='chat'><body>   </body></message>`,
    ]) {
      expect(parseChatMessage(parse(xml)), xml).to.equal(null);
    }
  });

  it('keeps markup in a body as text', () => {
    const m = parse(`<message from='bob@localhost/a' type='chat'><body>&lt;img src=x onerror=alert(1)&gt;</body></message>`);
    expect(parseChatMessage(m)?.body).to.equal('<img src=x onerror=alert(1)>');
  });

  it('refuses a huge body and ignores oversized ids', () => {
    const huge = parse(`<message from='bob@localhost/a' type='chat'><body>${'a'.repeat(MAX_BODY + 1)}</body></message>`);
    expect(() => parseChatMessage(huge)).to.throw(RangeError);
    const longId = parse(`<message from='bob@localhost/a' type='chat' id='${'i'.repeat(300)}'><body>x</body></message>`);
    expect(parseChatMessage(longId)?.id).to.equal(undefined);
  });
});
