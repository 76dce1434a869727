import { expect } from 'chai';
import { MAX_REACTIONS } from '../../src/shared/limits.js';
import { parse } from 'ltx';
import { buildReactions, cleanReactions, isReaction, parseReactions, reactionTarget } from '../../src/worker/reactions.js';
import type { MessageRecord } from '../../src/shared/records.js';

const NS = 'urn:xmpp:reactions:0';

describe('message reactions (XEP-0444)', () => {
  it('builds the whole set for a message, with a store hint', () => {
    expect(buildReactions('bob@localhost', 'm-1', ['👍', '🐢'], 'r-1').toString()).to.equal(
      `<message to="bob@localhost" type="chat" id="r-1"><reactions xmlns="${NS}" id="m-1"><reaction>👍</reaction><reaction>🐢</reaction></reactions><store xmlns="urn:xmpp:hints"/></message>`,
    );
    // Removing all reactions: an empty element.
    expect(buildReactions('bob@localhost', 'm-1', [], 'r-2').toString()).to.equal(
      `<message to="bob@localhost" type="chat" id="r-2"><reactions xmlns="${NS}" id="m-1"/><store xmlns="urn:xmpp:hints"/></message>`,
    );
  });

  it('parses the spec example and an empty set', () => {
    const el = parse(`<message from='juliet@capulet.net/balcony' to='romeo@capulet.net/orchard' id='96d73204' type='chat'>
      <reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='${NS}'><reaction>👋</reaction><reaction>🐢</reaction></reactions>
      <store xmlns="urn:xmpp:hints"/></message>`);
    expect(parseReactions(el)).to.deep.equal({ id: '744f6e18-a57a-11e9-a656-4889e7820c76', emojis: ['👋', '🐢'] });
    expect(parseReactions(parse(`<message from='j@c/b' type='chat'><reactions id='x' xmlns='${NS}'/></message>`))).to.deep.equal({ id: 'x', emojis: [] });
  });

  it('keeps emoji made of several code points and surrogate pairs whole', () => {
    const family = '👨‍👩‍👧‍👦';
    const flag = '🇺🇳';
    const skin = '🧛🏾';
    const heart = '❤️';
    const keycap = '1️⃣';
    const scotland = '🏴󠁧󠁢󠁳󠁣󠁴󠁿';
    for (const e of [family, flag, skin, heart, keycap, scotland, '👍']) expect(isReaction(e), e).to.equal(true);
    const el = parse(`<message from='j@c/b' type='chat'><reactions id='x' xmlns='${NS}'>${[family, flag, skin].map((e) => `<reaction>${e}</reaction>`).join('')}</reactions></message>`);
    expect(parseReactions(el)!.emojis).to.deep.equal([family, flag, skin]);
  });

  it('drops text, whitespace, duplicates, overlong sequences, and more than the cap', () => {
    for (const bad of ['', ' ', 'lol', '1', '👍 👍', 'a👍', '\u0000', '👍'.repeat(17), '<b>']) expect(isReaction(bad), JSON.stringify(bad)).to.equal(false);
    expect(cleanReactions(['👍', ' 👍 ', 'nope', '🐢'])).to.deep.equal(['👍', '🐢']);
    const many = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊', '😋', '😎'];
    expect(cleanReactions(many)).to.have.length(MAX_REACTIONS);
    const el = parse(`<message from='j@c/b' type='chat'><reactions id='x' xmlns='${NS}'>${many.map((e) => `<reaction>${e}</reaction>`).join('')}<reaction>👍</reaction><reaction>👍</reaction></reactions></message>`);
    expect(parseReactions(el)!.emojis).to.deep.equal(many.slice(0, MAX_REACTIONS));
  });

  it('counts look-alikes as one emoji: stray joiners, tag characters and variation selectors do not make a new one', () => {
    for (const fake of ['👍\u200d', '\u200d👍', '👍\u{E0061}\u{E007F}', '👍\u200d\u200d', '🐢\u{E0020}']) {
      expect(isReaction(fake), JSON.stringify(fake)).to.equal(false);
    }
    expect(cleanReactions(['👍', '👍\u200d', '👍\u{E0061}'])).to.deep.equal(['👍']);
    // The text-presentation heart and the emoji one are the same reaction.
    expect(cleanReactions(['❤', '❤️'])).to.deep.equal(['❤️']);
    expect(cleanReactions(['👍\uFE0F'])).to.deep.equal(['👍']);
  });

  it('ignores malformed and foreign stanzas', () => {
    const cases = [
      `<message from='j@c/b' type='chat'><reactions xmlns='${NS}'><reaction>👍</reaction></reactions></message>`, // no id
      `<message from='j@c/b' type='chat'><reactions id='' xmlns='${NS}'><reaction>👍</reaction></reactions></message>`,
      `<message from='j@c/b' type='chat'><reactions id='${'x'.repeat(300)}' xmlns='${NS}'/></message>`,
      `<message from='j@c/b' type='chat'><reactions id='a' xmlns='${NS}'/><reactions id='b' xmlns='${NS}'/></message>`, // two
      `<message from='j@c/b' type='chat'><reactions id='a' xmlns='urn:example'><reaction>👍</reaction></reactions></message>`,
      `<message from='j@c/b' type='error'><reactions id='a' xmlns='${NS}'><reaction>👍</reaction></reactions></message>`,
      `<presence from='j@c/b'><reactions id='a' xmlns='${NS}'><reaction>👍</reaction></reactions></presence>`,
      `<message from='j@c/b' type='chat'><body>hi</body></message>`,
    ];
    for (const xml of cases) expect(parseReactions(parse(xml)), xml).to.equal(null);
    // In group chat they are reactions: the envelope stage vouched for the room.
    expect(parseReactions(parse(`<message from='r@muc/b' type='groupchat'><reactions id='a' xmlns='${NS}'><reaction>👍</reaction></reactions></message>`))).to.deep.equal({ id: 'a', emojis: ['👍'] });
    // Nested markup in a reaction is reduced to its text, which is then no emoji.
    const nested = parse(`<message from='j@c/b' type='chat'><reactions id='a' xmlns='${NS}'><reaction><b>x</b></reaction><reaction>👍</reaction></reactions></message>`);
    expect(parseReactions(nested)!.emojis).to.deep.equal(['👍']);
  });

  it('refers to a message by its origin-id, else its id; a message with neither cannot be named', () => {
    const base: MessageRecord = { key: 'bob@l in abc', conversation: 'bob@l', direction: 'in', from: 'bob@l/x', body: 'hi', ts: 1, state: 'received' };
    expect(reactionTarget({ ...base, id: 'i', originId: 'o' })).to.equal('o');
    expect(reactionTarget({ ...base, id: 'i' })).to.equal('i');
    expect(reactionTarget(base)).to.equal(undefined);
  });
});
