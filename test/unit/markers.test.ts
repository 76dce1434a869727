import { expect } from 'chai';
import { parse } from 'ltx';
import { buildDisplayed, parseDisplayed } from '../../src/worker/markers.js';

describe('chat markers (XEP-0333)', () => {
  it('builds a displayed marker for a message id, stored by the archive', () => {
    const el = buildDisplayed('bob@localhost', 'm-1');
    expect(el.attrs.to).to.equal('bob@localhost');
    expect(el.getChild('displayed', 'urn:xmpp:chat-markers:0')?.attrs.id).to.equal('m-1');
    expect(el.getChild('store', 'urn:xmpp:hints')).to.not.equal(undefined);
  });

  it('reads who saw what', () => {
    expect(parseDisplayed(parse(`<message from='bob@localhost/a' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m-1'/></message>`))).to.deep.equal({
      from: 'bob@localhost/a',
      id: 'm-1',
    });
  });

  it('ignores other markers, missing or huge ids, errors and group chat', () => {
    for (const x of [
      `<message from='b@l/a'><received xmlns='urn:xmpp:chat-markers:0' id='m'/></message>`,
      `<message from='b@l/a'><displayed xmlns='urn:xmpp:chat-markers:0'/></message>`,
      `<message from='b@l/a'><displayed xmlns='urn:xmpp:chat-markers:0' id='${'x'.repeat(300)}'/></message>`,
      `<message from='b@l/a' type='error'><displayed xmlns='urn:xmpp:chat-markers:0' id='m'/></message>`,
      `<message from='r@muc/b' type='groupchat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m'/></message>`,
      `<message><displayed xmlns='urn:xmpp:chat-markers:0' id='m'/></message>`,
    ]) {
      expect(parseDisplayed(parse(x)), x).to.equal(null);
    }
  });
});
