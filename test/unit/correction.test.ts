import { expect } from 'chai';
import { parse } from 'ltx';
import { buildCorrection, CorrectionError, parseCorrection } from '../../src/worker/correction.js';
import { editTargetOf } from '../../src/worker/edit-source.js';
import { EnvelopeError as EditSourceError, unwrap, type Envelope } from '../../src/worker/envelope.js';
import { parseChatMessage } from '../../src/worker/message.js';

/** What the envelope stage hands the edit plugins for a stanza (null: nothing). */
function editSource(el: Parameters<typeof unwrap>[0], own: string): Envelope | null {
  const opened = unwrap(el, own);
  return opened && opened.via !== 'account' ? opened : null;
}

const OWN = 'alice@localhost';

describe('last message correction (XEP-0308)', () => {
  it('builds a chat message with the new text, <replace/> naming the original and its own origin-id', () => {
    expect(buildCorrection('bob@localhost', 'fixed <text> & more', 'orig-1', 'new-2').toString()).to.equal(
      '<message to="bob@localhost" type="chat" id="new-2"><body>fixed &lt;text&gt; &amp; more</body>' +
        '<replace xmlns="urn:xmpp:message-correct:0" id="orig-1"/><origin-id xmlns="urn:xmpp:sid:0" id="new-2"/></message>',
    );
  });

  it('parses a correction', () => {
    const el = parse(`<message from='bob@localhost/phone' to='alice@localhost' type='chat' id='c2'>
      <body>new text</body><replace id='m1' xmlns='urn:xmpp:message-correct:0'/></message>`);
    expect(parseCorrection(el)).to.deep.equal({ from: 'bob@localhost/phone', replaceId: 'm1', body: 'new text', id: 'c2' });
  });

  it('round-trips what it builds', () => {
    const el = parse(buildCorrection('bob@localhost', 'again', 'o1', 'o2').toString());
    el.attrs.from = 'alice@localhost/web';
    expect(parseCorrection(el)).to.deep.equal({ from: 'alice@localhost/web', replaceId: 'o1', body: 'again', id: 'o2' });
  });

  it('is no correction without <replace/> in its namespace, or in errors; in group chat it is one (the envelope stage vouched for the room)', () => {
    expect(parseCorrection(parse(`<message from='b@l/a' type='chat'><body>hi</body></message>`))).to.equal(null);
    expect(parseCorrection(parse(`<message from='b@l/a' type='chat'><body>hi</body><replace id='x' xmlns='urn:example'/></message>`))).to.equal(null);
    expect(parseCorrection(parse(`<message from='r@muc/b' type='groupchat'><body>hi</body><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`))).to.deep.equal({ from: 'r@muc/b', replaceId: 'x', body: 'hi' });
    expect(buildCorrection('r@muc', 'again', 'o1', 'o2', true).attrs.type).to.equal('groupchat');
    expect(parseCorrection(parse(`<message from='b@l/a' type='error'><body>hi</body><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`))).to.equal(null);
    expect(parseCorrection(parse(`<presence from='b@l/a'><replace id='x' xmlns='urn:xmpp:message-correct:0'/></presence>`))).to.equal(null);
  });

  it('rejects malformed corrections', () => {
    const bad = [
      `<message from='b@l/a' type='chat'><body>hi</body><replace xmlns='urn:xmpp:message-correct:0'/></message>`, // no id
      `<message from='b@l/a' type='chat'><body>hi</body><replace id='' xmlns='urn:xmpp:message-correct:0'/></message>`,
      `<message from='b@l/a' type='chat'><body>hi</body><replace id='${'x'.repeat(300)}' xmlns='urn:xmpp:message-correct:0'/></message>`,
      `<message from='b@l/a' type='chat'><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`, // no body
      `<message from='b@l/a' type='chat'><body>  </body><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`,
      `<message type='chat'><body>hi</body><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`, // no sender
      `<message from='b@l/a' type='chat'><body>hi</body><replace id='x' xmlns='urn:xmpp:message-correct:0'/><replace id='y' xmlns='urn:xmpp:message-correct:0'/></message>`,
      `<message from='b@l/a' type='chat'><body>${'x'.repeat(64 * 1024 + 1)}</body><replace id='x' xmlns='urn:xmpp:message-correct:0'/></message>`,
    ];
    for (const xml of bad) expect(() => parseCorrection(parse(xml)), xml.slice(0, 120)).to.throw(CorrectionError);
  });

  it('is not stored as a new message by the message parser', () => {
    const el = parse(`<message from='bob@localhost/a' type='chat' id='c2'><body>new</body><replace id='m1' xmlns='urn:xmpp:message-correct:0'/></message>`);
    expect(parseChatMessage(el)).to.equal(null);
  });

  it('targets only the sender\'s own messages in the sender\'s conversation', () => {
    const direct = editSource(parse(`<message from='Bob@localhost/a' type='chat'><body>x</body></message>`), OWN)!;
    expect(editTargetOf(direct, 'm1')).to.deep.equal({ conversation: 'bob@localhost', direction: 'in', id: 'm1', stanzaId: 'm1', sender: 'bob@localhost' });
    // Straight from ourselves (not a carbon): not believed.
    expect(editSource(parse(`<message from='alice@localhost/other' type='chat'><body>x</body></message>`), OWN)).to.equal(null);
  });

  it('believes our other devices\' corrections only in carbons from our own account', () => {
    const carbon = (outer: string, inner: string) =>
      parse(`<message from='${outer}' to='alice@localhost/web'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></sent></message>`);
    const ours = `<message from='alice@localhost/phone' to='bob@localhost' type='chat'><body>fixed</body><replace id='o1' xmlns='urn:xmpp:message-correct:0'/></message>`;
    const source = editSource(carbon('alice@localhost', ours), OWN)!;
    expect(editTargetOf(source, 'o1')).to.deep.equal({ conversation: 'bob@localhost', direction: 'out', id: 'o1', stanzaId: 'o1', sender: OWN });
    expect(parseCorrection(source.message)?.replaceId).to.equal('o1');
    expect(() => editSource(carbon('mallory@localhost', ours), OWN)).to.throw(EditSourceError);
    expect(() => editSource(carbon('alice@localhost/phone', ours), OWN)).to.throw(EditSourceError);
    const forgedInner = `<message from='bob@localhost/x' to='mallory@localhost' type='chat'><body>x</body><replace id='o1' xmlns='urn:xmpp:message-correct:0'/></message>`;
    expect(() => editSource(carbon('alice@localhost', forgedInner), OWN)).to.throw(EditSourceError);
  });
});
