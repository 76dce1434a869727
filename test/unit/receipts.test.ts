import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { unwrap } from '../../src/worker/envelope.js';
import { MAX_BODY } from '../../src/shared/limits.js';
import { buildReceipt, parseReceipt, parseReceiptRequest } from '../../src/worker/receipts.js';

const ME = 'alice@localhost';
const REQUEST = `<request xmlns='urn:xmpp:receipts'/>`;

/** A stanza through the envelope stage, as the receipts plugin gets it (null: it gets nothing). */
function envelope(el: Element) {
  try {
    const opened = unwrap(el, ME);
    return opened && opened.via !== 'account' ? opened : null;
  } catch {
    return null; // refused by the envelope stage
  }
}
const request = (el: Element) => {
  const env = envelope(el);
  return env && parseReceiptRequest(env);
};
const receipt = (el: Element) => {
  const env = envelope(el);
  return env && parseReceipt(env);
};

describe('delivery receipts (XEP-0184)', () => {
  it('builds a receipt for the message id', () => {
    expect(buildReceipt('bob@localhost/phone', 'm-1', 'r-1').toString()).to.equal(
      `<message to="bob@localhost/phone" id="r-1"><received xmlns="urn:xmpp:receipts" id="m-1"/></message>`,
    );
  });

  describe('requests to answer', () => {
    it('answers a chat or normal message with a body, an id and a request, to the full JID', () => {
      const m = parse(`<message from='Bob@localhost/phone' to='alice@localhost/web' type='chat' id='m-1'><body>hi</body>${REQUEST}</message>`);
      const found = request(m)!;
      expect(found).to.include({ to: 'Bob@localhost/phone', id: 'm-1' });
      expect(found.message).to.include({ conversation: 'bob@localhost', direction: 'in', id: 'm-1', body: 'hi' });
      const normal = parse(`<message from='bob@localhost/phone' id='m-2'><body>hi</body>${REQUEST}</message>`);
      expect(request(normal)?.id).to.equal('m-2');
    });

    it('confirms the message id, and looks the message up as it is stored', () => {
      const m = parse(`<message from='bob@localhost/phone' type='chat' id='m-1'><body>hi</body>${REQUEST}<origin-id xmlns='urn:xmpp:sid:0' id='o-1'/></message>`);
      const found = request(m)!;
      expect(found.id).to.equal('m-1');
      expect(found.message).to.include({ id: 'm-1', originId: 'o-1', body: 'hi' });
    });

    it('does not answer what must not be answered', () => {
      for (const xml of [
        `<message from='bob@localhost/phone' type='chat' id='m'><body>no request</body></message>`,
        `<message from='bob@localhost/phone' type='chat'><body>no id</body>${REQUEST}</message>`,
        `<message from='bob@localhost/phone' type='chat' id='${'i'.repeat(300)}'><body>id too long</body>${REQUEST}</message>`,
        `<message from='bob@localhost/phone' type='chat' id='m'>${REQUEST}</message>`,
        `<message from='bob@localhost/phone' type='chat' id='m'><body> </body>${REQUEST}</message>`,
        `<message from='bob@localhost/phone' type='chat' id='m'><body>x</body><request xmlns='urn:xmpp:receipts:1'/></message>`,
        `<message from='bob@localhost/phone' type='error' id='m'><body>x</body>${REQUEST}</message>`,
        `<message from='room@muc.localhost/bob' type='groupchat' id='m'><body>x</body>${REQUEST}</message>`,
        `<message from='bob@localhost/phone' type='headline' id='m'><body>x</body>${REQUEST}</message>`,
        `<message type='chat' id='m'><body>from nobody</body>${REQUEST}</message>`,
        `<message from='alice@localhost/phone' type='chat' id='m'><body>from my other device</body>${REQUEST}</message>`,
        `<message from='ALICE@localhost' type='chat' id='m'><body>from my account</body>${REQUEST}</message>`,
        `<presence from='bob@localhost/phone' id='m'>${REQUEST}</presence>`,
        `<message from='bob@localhost/phone' type='chat' id='m'><body>${'a'.repeat(MAX_BODY + 1)}</body>${REQUEST}</message>`,
      ]) {
        expect(request(parse(xml)), xml.slice(0, 120)).to.equal(null);
      }
    });

    it('does not answer carbons or archive results, even when they carry a body and a request', () => {
      const inner = `<message from='bob@localhost/phone' to='alice@localhost/phone' type='chat' id='m'><body>x</body>${REQUEST}</message>`;
      for (const xml of [
        `<message from='alice@localhost' type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></received></message>`,
        // A forged carbon with a body and a request of its own: bob is still not answered through it.
        `<message from='bob@localhost/phone' type='chat' id='m'><body>x</body>${REQUEST}<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></sent></message>`,
        `<message from='bob@localhost/phone' type='chat' id='m'><body>x</body>${REQUEST}<received xmlns='urn:xmpp:carbons:2'/></message>`,
        `<message from='alice@localhost'><result xmlns='urn:xmpp:mam:2' queryid='q' id='s'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></result></message>`,
        `<message from='bob@localhost/phone' id='m'><body>x</body>${REQUEST}<result xmlns='urn:xmpp:mam:2' queryid='q' id='s'/></message>`,
      ]) {
        expect(request(parse(xml)), xml.slice(0, 120)).to.equal(null);
      }
    });
  });

  describe('receipts for our messages', () => {
    it('parses a receipt from a contact', () => {
      const r = parse(`<message from='bob@localhost/phone' to='alice@localhost/web' id='r'><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`);
      expect(receipt(r)).to.deep.equal({ from: 'bob@localhost/phone', id: 'o-1', conversation: 'bob@localhost' });
      const chat = parse(`<message from='bob@localhost/phone' type='chat'><received xmlns='urn:xmpp:receipts' id='o-2'/></message>`);
      expect(receipt(chat)?.id).to.equal('o-2');
    });

    it('ignores malformed, bounced, foreign-namespace and own receipts', () => {
      for (const xml of [
        `<message from='bob@localhost/phone'><received xmlns='urn:xmpp:receipts'/></message>`,
        `<message from='bob@localhost/phone'><received xmlns='urn:xmpp:receipts' id=''/></message>`,
        `<message from='bob@localhost/phone'><received xmlns='urn:xmpp:receipts' id='${'i'.repeat(300)}'/></message>`,
        `<message><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`,
        `<message from='bob@localhost/phone' type='error'><received xmlns='urn:xmpp:receipts' id='o-1'/><error type='cancel'/></message>`,
        `<message from='room@muc.localhost/bob' type='groupchat'><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`,
        `<message from='bob@localhost/phone'><received xmlns='urn:xmpp:carbons:2' id='o-1'/></message>`,
        `<message from='alice@localhost/phone'><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`,
        `<message from='alice@localhost'><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`,
        `<presence from='bob@localhost/phone'><received xmlns='urn:xmpp:receipts' id='o-1'/></presence>`,
      ]) {
        expect(receipt(parse(xml)), xml).to.equal(null);
      }
    });

    it('keys a receipt to a message sent to its sender only', () => {
      // Mallory knows the id of alice's message to bob, but her receipt can only name messages to mallory.
      const r = receipt(parse(`<message from='Mallory@Localhost/x'><received xmlns='urn:xmpp:receipts' id='o-1'/></message>`));
      expect(r).to.deep.equal({ from: 'Mallory@Localhost/x', id: 'o-1', conversation: 'mallory@localhost' });
    });
  });
});
