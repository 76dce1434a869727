import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { unwrap } from '../../src/worker/envelope.js';
import { buildFetch, buildPublish, parseItems } from '../../src/worker/mds.js';
import { parseEvent as pubsubEvent } from '../../src/worker/pubsub.js';

const ME = 'alice@localhost';

/**
 * A notification as the envelope stage and the PEP service route it: only what our own account
 * sent reaches the node's owner; null when it reaches nothing (or nothing of this node).
 */
function parseEvent(el: Element, own: string) {
  const opened = unwrap(el, own);
  const items = opened?.via === 'account' ? pubsubEvent(opened.message) : null;
  return items && items.attrs.node === 'urn:xmpp:mds:displayed:0' ? parseItems(items, own) : null;
}

describe('message displayed synchronization (XEP-0490)', () => {
  it('publishes the displayed item with the publish-options the spec asks for', () => {
    expect(buildPublish(ME, { conversation: 'bob@localhost', stanzaId: 'sid-5' }).toString()).to.equal(
      `<pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="urn:xmpp:mds:displayed:0"><item id="bob@localhost">` +
        `<displayed xmlns="urn:xmpp:mds:displayed:0"><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="sid-5"/></displayed></item></publish>` +
        `<publish-options><x xmlns="jabber:x:data" type="submit">` +
        `<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
        `<field var="pubsub#persist_items"><value>true</value></field>` +
        `<field var="pubsub#max_items"><value>max</value></field>` +
        `<field var="pubsub#send_last_published_item"><value>never</value></field>` +
        `<field var="pubsub#access_model"><value>whitelist</value></field>` +
        `</x></publish-options></pubsub>`,
    );
  });

  it('fetches all items of the node', () => {
    expect(buildFetch().toString()).to.equal(`<pubsub xmlns="http://jabber.org/protocol/pubsub"><items node="urn:xmpp:mds:displayed:0"/></pubsub>`);
  });

  it('reads the items of a catch-up result, skipping ones it cannot use', () => {
    const result = parse(`<iq type='result' id='c1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:mds:displayed:0'>
      <item id='bob@localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'><stanza-id xmlns='urn:xmpp:sid:0' id='s-1' by='alice@localhost'/></displayed></item>
      <item id='room@conference.localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'><stanza-id xmlns='urn:xmpp:sid:0' id='s-2' by='room@conference.localhost'/></displayed></item>
      <item id='carol@localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'/></item>
      <item id='dave@localhost/res'><displayed xmlns='urn:xmpp:mds:displayed:0'><stanza-id xmlns='urn:xmpp:sid:0' id='s-3' by='alice@localhost'/></displayed></item>
      <item id='erin@localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'><stanza-id xmlns='urn:xmpp:sid:0' id='s-4' by='alice@localhost'/></displayed></item>
    </items></pubsub></iq>`);
    expect(parseItems(result.getChild('pubsub', 'http://jabber.org/protocol/pubsub')?.getChild('items'), ME)).to.deep.equal([
      { conversation: 'bob@localhost', stanzaId: 's-1' },
      // A room's item names the room's own stanza-id (XEP-0490 §4).
      { conversation: 'room@conference.localhost', stanzaId: 's-2' },
      { conversation: 'erin@localhost', stanzaId: 's-4' },
    ]);
  });

  const event = (from: string) =>
    parse(`<message from='${from}' to='alice@localhost/web' type='headline' id='e1'><event xmlns='http://jabber.org/protocol/pubsub#event'>
      <items node='urn:xmpp:mds:displayed:0'><item id='bob@localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'>
      <stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='s-9'/></displayed></item></items></event></message>`);

  it('accepts a notification from our own account', () => {
    expect(parseEvent(event('alice@localhost'), ME)).to.deep.equal([{ conversation: 'bob@localhost', stanzaId: 's-9' }]);
  });

  it('rejects the same notification from another user, or from one of our own resources', () => {
    expect(parseEvent(event('bob@localhost'), ME)).to.equal(null);
    expect(parseEvent(event('bob@localhost/phone'), ME)).to.equal(null);
    expect(parseEvent(event('alice@localhost/phone'), ME)).to.equal(null);
    expect(parseEvent(parse(`<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:mds:displayed:0'/></event></message>`), ME)).to.equal(null);
  });

  it('ignores other nodes and ordinary messages', () => {
    expect(parseEvent(parse(`<message from='alice@localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'/></event></message>`), ME)).to.equal(null);
    expect(parseEvent(parse(`<message from='bob@localhost/a' type='chat'><body>hi</body></message>`), ME)).to.equal(null);
  });
});
