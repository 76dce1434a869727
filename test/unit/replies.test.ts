import { expect } from 'chai';
import { parse } from 'ltx';
import xml from '@xmpp/xml';
import { appendReply, codePointLength, codePointOffset, displayText, outgoingFields, parseReply, quoteOf, stanzaIdOf } from '../../src/worker/replies.js';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import { buildChatMessage, chatRecord, parseChatMessage } from '../../src/worker/message.js';
import type { MessageRecord } from '../../src/shared/records.js';

const REPLY = 'urn:xmpp:reply:0';
const FB = 'urn:xmpp:fallback:0';

function reply(body: string, fallback = '', extra = ''): ReturnType<typeof parse> {
  return parse(`<message from='anna@example.com/laptop' to='max@example.com' id='message-id3' type='chat'><body>${body}</body>` +
    `<reply to='max@example.com/tablet' id='message-id1' xmlns='${REPLY}'/>${fallback}${extra}</message>`);
}

describe('message replies (XEP-0461) with fallback (XEP-0428)', () => {
  it('counts code points, not UTF-16 units (XEP-0426)', () => {
    expect(codePointLength('Hello, world!')).to.equal(13);
    expect(codePointLength('こんにちは世界')).to.equal(7);
    // XEP-0426's table: 21 UTF-16 units, 13 code points.
    const emoji = '🧛🏾 👨‍👩‍👧‍👦 🇺🇳';
    expect(emoji.length).to.equal(21);
    expect(codePointLength(emoji)).to.equal(13);
    expect(codePointOffset('a😀b', 2)).to.equal(3);
    expect(codePointOffset('a😀b', 3)).to.equal(4);
    expect(codePointOffset('a😀b', 4)).to.equal(null);
    expect(codePointOffset('a😀b', -1)).to.equal(null);
  });

  it('builds a reply whose fallback covers the quote, counted in code points', () => {
    const quote = quoteOf('We should bake a 🎂');
    expect(quote).to.equal('> We should bake a 🎂\n');
    const body = `${quote}Great idea!`;
    const stanza = appendReply(buildChatMessage('anna@example.com', body, 'o-1'), { to: 'anna@example.com/laptop', id: 'message-id1', end: codePointLength(quote) });
    expect(stanza.getChild('reply', REPLY)!.toString()).to.equal(`<reply xmlns="${REPLY}" to="anna@example.com/laptop" id="message-id1"/>`);
    // 21 code points, although JavaScript counts 22 units (the cake is a surrogate pair).
    expect(stanza.getChild('fallback', FB)!.toString()).to.equal(`<fallback xmlns="${FB}" for="${REPLY}"><body start="0" end="21"/></fallback>`);
    expect(quote.length).to.equal(22);
    // What we send we read back the same.
    const round = parseReply(parse(stanza.toString().replace('<message ', "<message from='max@example.com/x' ")), body)!;
    expect(round.fallback).to.deep.equal({ start: 0, end: 22 });
    expect(displayText({ body, ...round })).to.equal('Great idea!');
  });

  it('quotes every line, without splitting a surrogate pair when shortening', () => {
    expect(quoteOf('one\ntwo')).to.equal('> one\n> two\n');
    const long = '😀'.repeat(400);
    const q = quoteOf(long);
    expect(q.startsWith('> 😀')).to.equal(true);
    expect(q.endsWith('…\n')).to.equal(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(q)).to.equal(false);
  });

  it('stores the outgoing fallback in UTF-16 offsets', () => {
    const body = '> 😀\nok';
    expect(outgoingFields({ to: 'a@b', id: 'x', key: 'k', end: 4 }, body)).to.deep.equal({ replyTo: { id: 'x', to: 'a@b', key: 'k' }, fallback: { start: 0, end: 5 } });
    expect(outgoingFields({ to: 'a@b', id: 'x', end: 0 }, body)).to.deep.equal({ replyTo: { id: 'x', to: 'a@b' } });
  });

  it("parses the spec's reply with a fallback and hides it", () => {
    const body = '> Anna wrote:\n> We should bake a cake\nGreat idea!';
    const el = reply(body, `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="38"/></fallback>`);
    const parsed = parseChatMessage(el)!;
    expect(parsed.reply).to.deep.equal({ replyTo: { id: 'message-id1', to: 'max@example.com/tablet' }, fallback: { start: 0, end: 38 } });
    const record = chatRecord(unwrap(el, 'max@example.com') as Envelope)!;
    expect(record.body).to.equal(body); // the whole body is kept
    expect(displayText(record)).to.equal('Great idea!');
  });

  it('accepts the feature-fallback namespace of XEP-0461 v0.3 example', () => {
    const body = '> q\nok';
    const el = reply(body, `<fallback xmlns='urn:xmpp:feature-fallback:0' for='${REPLY}'><body start="0" end="4"/></fallback>`);
    expect(displayText({ body, ...parseReply(el, body)! })).to.equal('ok');
  });

  it('counts a foreign fallback with emoji in code points', () => {
    const body = '> 👨‍👩‍👧‍👦 🇺🇳\nnice';
    // "> " (2) + family (7) + " " (1) + flag (2) + "\n" (1) = 13 code points; 2 + 11 + 1 + 4 + 1 = 19 UTF-16 units.
    const el = reply(body, `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="13"/></fallback>`);
    const info = parseReply(el, body)!;
    expect(info.fallback).to.deep.equal({ start: 0, end: 19 });
    expect(displayText({ body, ...info })).to.equal('nice');
  });

  it('shows the whole body for a reply without a fallback, or with an unusable one', () => {
    const body = '> quoted\nanswer';
    const bad = [
      '', // none: a client without XEP-0428
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="999"/></fallback>`, // past the end
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="5" end="2"/></fallback>`, // reversed
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="-1" end="3"/></fallback>`,
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="abc"/></fallback>`,
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="0.5" end="3"/></fallback>`,
      `<fallback xmlns='${FB}' for='${REPLY}'><body/></fallback>`, // whole body: nothing of its own left
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="15"/></fallback>`, // the whole body
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="3" end="3"/></fallback>`, // empty range
      `<fallback xmlns='${FB}' for='urn:xmpp:reactions:0'><body start="0" end="9"/></fallback>`, // for something else
      `<fallback xmlns='urn:example' for='${REPLY}'><body start="0" end="9"/></fallback>`,
      `<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="4"/><body start="5" end="9"/></fallback>`, // two ranges
    ];
    for (const fb of bad) {
      const info = parseReply(reply(body, fb), body);
      expect(info, fb).to.not.equal(null);
      expect(info!.replyTo.id).to.equal('message-id1');
      expect(info!.fallback, fb).to.equal(undefined);
      expect(displayText({ body, ...info! })).to.equal(body);
    }
  });

  it('ignores malformed replies', () => {
    const m = (r: string) => parse(`<message from='a@b/c' type='chat'><body>hi</body>${r}</message>`);
    expect(parseReply(m(''), 'hi')).to.equal(null);
    expect(parseReply(m(`<reply xmlns='${REPLY}'/>`), 'hi')).to.equal(null); // no id
    expect(parseReply(m(`<reply xmlns='${REPLY}' id=''/>`), 'hi')).to.equal(null);
    expect(parseReply(m(`<reply xmlns='${REPLY}' id='${'x'.repeat(300)}'/>`), 'hi')).to.equal(null);
    expect(parseReply(m(`<reply xmlns='urn:example' id='a'/>`), 'hi')).to.equal(null);
    expect(parseReply(m(`<reply xmlns='${REPLY}' id='a'/><reply xmlns='${REPLY}' id='b'/>`), 'hi')).to.equal(null);
    expect(parseReply(m(`<reply xmlns='${REPLY}' id='a'/>`), 'hi')).to.deep.equal({ replyTo: { id: 'a' } });
    // A fallback without a reply is no reply.
    expect(parseReply(m(`<fallback xmlns='${FB}' for='${REPLY}'><body start="0" end="1"/></fallback>`), 'hi')).to.equal(null);
  });

  it('refers to a message by its id (v0.3: not origin-id), else origin-id', () => {
    const base: MessageRecord = { key: 'bob@l in abc', conversation: 'bob@l', direction: 'in', from: 'bob@l/x', body: 'hi', ts: 1, state: 'received' };
    expect(stanzaIdOf({ ...base, id: 'i', originId: 'o' })).to.equal('i');
    expect(stanzaIdOf({ ...base, originId: 'o' })).to.equal('o');
    expect(stanzaIdOf(base)).to.equal(undefined);
  });

  it('leaves the body of an ordinary message alone', () => {
    const el = xml('message', { from: 'a@b/c', type: 'chat', id: 'x' }, xml('body', {}, '> not a reply'));
    expect(parseChatMessage(el)!.reply).to.equal(undefined);
    expect(chatRecord(unwrap(el, 'me@b') as Envelope)!.fallback).to.equal(undefined);
  });
});
