import { expect } from 'chai';
import { parse } from 'ltx';
import { buildChatState, parseChatState } from '../../src/worker/chatstates.js';

describe('chat states (XEP-0085)', () => {
  it('builds a standalone notification that asks not to be archived', () => {
    expect(buildChatState('bob@localhost', 'composing').toString()).to.equal(
      '<message to="bob@localhost" type="chat"><composing xmlns="http://jabber.org/protocol/chatstates"/><no-store xmlns="urn:xmpp:hints"/></message>',
    );
  });

  it('reads each state, alone or riding on a message', () => {
    for (const state of ['active', 'composing', 'paused', 'inactive', 'gone']) {
      expect(parseChatState(parse(`<message from='bob@localhost/a' type='chat'><${state} xmlns='http://jabber.org/protocol/chatstates'/></message>`))).to.equal(state);
    }
    expect(parseChatState(parse(`<message from='bob@localhost/a' type='chat'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>`))).to.equal('active');
  });

  it('ignores unknown states, other namespaces, errors and group chat', () => {
    expect(parseChatState(parse(`<message from='b@l/a' type='chat'><dancing xmlns='http://jabber.org/protocol/chatstates'/></message>`))).to.equal(null);
    expect(parseChatState(parse(`<message from='b@l/a' type='chat'><composing xmlns='urn:example'/></message>`))).to.equal(null);
    expect(parseChatState(parse(`<message from='b@l/a' type='error'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`))).to.equal(null);
    expect(parseChatState(parse(`<message from='r@muc/b' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`))).to.equal(null);
    expect(parseChatState(parse(`<presence from='b@l/a'><composing xmlns='http://jabber.org/protocol/chatstates'/></presence>`))).to.equal(null);
  });
});
