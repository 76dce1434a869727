import { expect } from 'chai';
import { parse } from 'ltx';
import { editTargetOf } from '../../src/worker/edit-source.js';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import { parseChatMessage } from '../../src/worker/message.js';
import { buildRetraction, parseRetraction, RetractionError } from '../../src/worker/retraction.js';

/** What the envelope stage hands the edit plugins for a stanza (null: nothing). */
function editSource(el: Parameters<typeof unwrap>[0], own: string): Envelope | null {
  const opened = unwrap(el, own);
  return opened && opened.via !== 'account' ? opened : null;
}

describe('message retraction (XEP-0424 v0.4, urn:xmpp:message-retract:1)', () => {
  it('builds a retraction with fallback indication, fallback body and store hint', () => {
    expect(buildRetraction('bob@localhost', 'orig-1', 'r-2').toString()).to.equal(
      '<message to="bob@localhost" type="chat" id="r-2"><retract xmlns="urn:xmpp:message-retract:1" id="orig-1"/>' +
        '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:message-retract:1"/>' +
        "<body>/me retracted a previous message, but it's unsupported by your client.</body>" +
        '<store xmlns="urn:xmpp:hints"/></message>',
    );
  });

  it('parses the spec example', () => {
    const el = parse(`<message type='chat' from='romeo@montague.example/orchard' to='lord@capulet.example' id='retract-message-1'>
      <retract id="wrong-recipient-1" xmlns='urn:xmpp:message-retract:1'/>
      <fallback xmlns="urn:xmpp:fallback:0" for='urn:xmpp:message-retract:1'/>
      <body>/me retracted a previous message, but it's unsupported by your client.</body>
      <store xmlns="urn:xmpp:hints"/></message>`);
    expect(parseRetraction(el)).to.deep.equal({ from: 'romeo@montague.example/orchard', id: 'wrong-recipient-1' });
    // Its fallback body is not a message to store.
    expect(parseChatMessage(el)).to.equal(null);
  });

  it('retracts nothing without <retract/> in the :1 namespace, or in errors; in group chat it does (the envelope stage vouched for the room)', () => {
    expect(parseRetraction(parse(`<message from='b@l/a' type='chat'><body>hi</body></message>`))).to.equal(null);
    // The old fastening form (v0.3, urn:xmpp:message-retract:0) is not this version.
    expect(parseRetraction(parse(`<message from='b@l/a' type='chat'><apply-to id='x' xmlns='urn:xmpp:fasten:0'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to></message>`))).to.equal(null);
    expect(parseRetraction(parse(`<message from='r@muc/b' type='groupchat'><retract id='x' xmlns='urn:xmpp:message-retract:1'/></message>`))).to.deep.equal({ from: 'r@muc/b', id: 'x' });
    expect(parseRetraction(parse(`<message from='b@l/a' type='error'><retract id='x' xmlns='urn:xmpp:message-retract:1'/></message>`))).to.equal(null);
  });

  it('rejects malformed retractions', () => {
    const bad = [
      `<message from='b@l/a' type='chat'><retract xmlns='urn:xmpp:message-retract:1'/></message>`,
      `<message from='b@l/a' type='chat'><retract id='' xmlns='urn:xmpp:message-retract:1'/></message>`,
      `<message from='b@l/a' type='chat'><retract id='${'x'.repeat(300)}' xmlns='urn:xmpp:message-retract:1'/></message>`,
      `<message type='chat'><retract id='x' xmlns='urn:xmpp:message-retract:1'/></message>`,
      `<message from='b@l/a' type='chat'><retract id='x' xmlns='urn:xmpp:message-retract:1'/><retract id='y' xmlns='urn:xmpp:message-retract:1'/></message>`,
    ];
    for (const xml of bad) expect(() => parseRetraction(parse(xml)), xml.slice(0, 120)).to.throw(RetractionError);
  });

  it('round-trips what it builds, and targets only the sender\'s messages', () => {
    const el = parse(buildRetraction('alice@localhost', 'm9', 'r1').toString());
    el.attrs.from = 'mallory@localhost/x';
    const source = editSource(el, 'alice@localhost')!;
    expect(editTargetOf(source, parseRetraction(el)!.id)).to.deep.equal({
      conversation: 'mallory@localhost', direction: 'in', id: 'm9', stanzaId: 'm9', sender: 'mallory@localhost',
    });
  });
});
