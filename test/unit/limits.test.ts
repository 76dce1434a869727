import { expect } from 'chai';
import xml from '@xmpp/xml';
import {
  MAX_APPLIED,
  MAX_BODY,
  MAX_EDITS,
  MAX_ID,
  MAX_NESTING,
  MAX_PRESENCES_PER_CONTACT,
  MAX_QUOTE_DEPTH,
  MAX_REACTIONS,
  MAX_STANZA_CHARS,
  MAX_STATUS,
  MAX_STRANGER_CONVERSATIONS,
  MAX_STYLED,
  oversized,
} from '../../src/shared/limits.js';
import type { MessageRecord } from '../../src/shared/records.js';
import { parseStyling, type Block, type Span } from '../../src/shared/styling.js';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { remember, withEarlierText } from '../../src/storage/identity.js';
import { replaceRoster, storeMessages, storePresence } from '../../src/storage/write.js';
import { CorrectionError, parseCorrection } from '../../src/worker/correction.js';
import { parseChatMessage } from '../../src/worker/message.js';
import { parsePresence } from '../../src/worker/presence.js';
import { cleanReactions } from '../../src/worker/reactions.js';

/** Each limit at its value and one past it (docs/limits.md lists them). */
describe('resource limits', () => {
  it(`a stanza of ${MAX_STANZA_CHARS} characters is taken, one more is oversized`, () => {
    const stanza = (chars: number) => {
      const el = xml('message', { from: 'bob@localhost/a' }, xml('body', {}, 'x'));
      const overhead = el.toString().length - 1;
      el.getChild('body')!.children = ['x'.repeat(chars - overhead)];
      expect(el.toString()).to.have.length(chars);
      return el;
    };
    expect(oversized(stanza(MAX_STANZA_CHARS))).to.equal(false);
    expect(oversized(stanza(MAX_STANZA_CHARS + 1))).to.equal(true);
  });

  it(`a stanza nested ${MAX_NESTING} deep is taken, one deeper is dropped; 30,000 deep does not overflow the stack`, () => {
    const nested = (depth: number) => {
      const root = xml('message', { from: 'bob@localhost/a' });
      let el = root;
      for (let i = 0; i < depth; i++) {
        const child = xml('x');
        el.append(child);
        el = child;
      }
      return root;
    };
    expect(oversized(nested(MAX_NESTING))).to.equal(false);
    expect(oversized(nested(MAX_NESTING + 1))).to.equal(true);
    // As large as a server lets through (7 characters a level): its toString() recursion would throw.
    expect(oversized(nested(30_000))).to.equal(true);
  });

  it(`a body of ${MAX_BODY} characters is a message, one more is dropped; so for a correction`, () => {
    const message = (n: number, ...more: ReturnType<typeof xml>[]) => xml('message', { from: 'bob@localhost/a', type: 'chat', id: 'm1' }, xml('body', {}, 'x'.repeat(n)), ...more);
    expect(parseChatMessage(message(MAX_BODY))!.body).to.have.length(MAX_BODY);
    expect(() => parseChatMessage(message(MAX_BODY + 1))).to.throw(RangeError);
    const correction = (n: number) => message(n, xml('replace', { xmlns: 'urn:xmpp:message-correct:0', id: 'm0' }));
    expect(parseCorrection(correction(MAX_BODY))!.body).to.have.length(MAX_BODY);
    expect(() => parseCorrection(correction(MAX_BODY + 1))).to.throw(CorrectionError);
  });

  it(`an id of ${MAX_ID} characters is kept, one more is ignored`, () => {
    const message = (id: string) => xml('message', { from: 'bob@localhost/a', type: 'chat', id }, xml('body', {}, 'hi'));
    expect(parseChatMessage(message('i'.repeat(MAX_ID)))!.id).to.have.length(MAX_ID);
    expect(parseChatMessage(message('i'.repeat(MAX_ID + 1)))!.id).to.equal(undefined);
  });

  it(`an edit history holds ${MAX_EDITS} earlier texts: one more drops the oldest but the original`, () => {
    let edits: { body: string; ts: number }[] | undefined;
    for (let i = 0; i < MAX_EDITS; i++) edits = withEarlierText(edits, { body: `text ${i}`, ts: i });
    expect(edits).to.have.length(MAX_EDITS);
    edits = withEarlierText(edits, { body: 'one more', ts: MAX_EDITS });
    expect(edits).to.have.length(MAX_EDITS);
    expect(edits[0]!.body).to.equal('text 0');
    expect(edits[1]!.body).to.equal('text 2');
    expect(edits.at(-1)!.body).to.equal('one more');
  });

  it(`${MAX_APPLIED} applied edits are remembered, one more forgets the oldest`, () => {
    let applied: { id: string; effect: 'correction' }[] = [];
    for (let i = 0; i < MAX_APPLIED; i++) applied = remember(applied, { id: `e${i}`, effect: 'correction' }) as typeof applied;
    expect(applied).to.have.length(MAX_APPLIED);
    applied = remember(applied, { id: 'last', effect: 'correction' }) as typeof applied;
    expect(applied).to.have.length(MAX_APPLIED);
    expect(applied[0]!.id).to.equal('e1');
  });

  it(`${MAX_REACTIONS} different reactions per message are kept, one more is not`, () => {
    const emojis = ['😀', '😂', '😍', '👍', '👎', '🎉', '🔥', '❤️', '😢', '😮', '🙏'];
    expect(cleanReactions(emojis.slice(0, MAX_REACTIONS))).to.have.length(MAX_REACTIONS);
    expect(cleanReactions(emojis.slice(0, MAX_REACTIONS + 1))).to.deep.equal(emojis.slice(0, MAX_REACTIONS));
  });

  it(`a status of ${MAX_STATUS} characters is kept whole, a longer one is cut there`, () => {
    const presence = (n: number) => xml('presence', { from: 'bob@localhost/a' }, xml('status', {}, 's'.repeat(n)));
    const status = (n: number) => {
      const parsed = parsePresence(presence(n));
      return parsed?.kind === 'available' ? parsed.presence.status : undefined;
    };
    expect(status(MAX_STATUS)).to.have.length(MAX_STATUS);
    expect(status(MAX_STATUS + 1)).to.have.length(MAX_STATUS);
  });

  describe('styling', () => {
    const count = (blocks: Block[], type: string): number =>
      blocks.reduce((n, b) => n + (b.type === type ? 1 : 0) + (b.type === 'quote' ? count(b.blocks, type) : 0) + (b.type === 'plain' ? spans(b.spans, type) : 0), 0);
    const spans = (list: Span[], type: string): number => list.reduce((n, s) => n + (s.type === type ? 1 : 0) + ('children' in s ? spans(s.children, type) : 0), 0);

    it(`${MAX_STYLED} styled spans in a body are styled, the one after stays text`, () => {
      expect(count(parseStyling('*a* '.repeat(MAX_STYLED)), 'strong')).to.equal(MAX_STYLED);
      const over = parseStyling('*a* '.repeat(MAX_STYLED + 1));
      expect(count(over, 'strong')).to.equal(MAX_STYLED);
      expect(JSON.stringify(over)).to.include('*a*');
    });

    it(`quotes nest ${MAX_QUOTE_DEPTH} deep; deeper stays text`, () => {
      expect(count(parseStyling(`${'>'.repeat(MAX_QUOTE_DEPTH)} deep`), 'quote')).to.equal(MAX_QUOTE_DEPTH);
      const over = parseStyling(`${'>'.repeat(MAX_QUOTE_DEPTH + 1)} deep`);
      expect(count(over, 'quote')).to.equal(MAX_QUOTE_DEPTH);
      expect(JSON.stringify(over)).to.include('> deep');
    });
  });

  describe('in storage (real IndexedDB)', () => {
    let db: ParleyDb;
    beforeEach(async () => {
      db = await openParleyDb(`parley-limits-${crypto.randomUUID()}`);
    });
    afterEach(() => db.close());

    it(`a contact is online with ${MAX_PRESENCES_PER_CONTACT} resources; one more is ignored, the known ones still change`, async () => {
      const jid = 'bob@localhost';
      await replaceRoster(db, ['bob@localhost', 'carol@localhost'].map((jid) => ({ jid, subscription: 'both' as const, groups: [], pendingOut: false })));
      const shown = async (resource: string, of = jid, show?: 'away') =>
        (await storePresence(db, [{ kind: 'available', presence: { jid: of, resource, priority: 0, ...(show ? { show } : {}) } }])).ignored.length === 0;
      for (let i = 0; i < MAX_PRESENCES_PER_CONTACT; i++) expect(await shown(`r${i}`)).to.equal(true);
      expect(await shown('one-more')).to.equal(false);
      expect(await db.countFromIndex('presence', 'byJid', jid)).to.equal(MAX_PRESENCES_PER_CONTACT);
      expect(await shown('r0', jid, 'away')).to.equal(true);
      expect((await db.get('presence', [jid, 'r0']))!.show).to.equal('away');
      expect(await shown('r', 'carol@localhost'), 'another contact').to.equal(true);
    });

    it(`${MAX_STRANGER_CONVERSATIONS} strangers open conversations; one more is dropped, contacts and known strangers go on`, async () => {
      const from = (jid: string, body = 'hello'): MessageRecord => ({
        key: `${jid} in ${crypto.randomUUID()}`,
        conversation: jid,
        direction: 'in',
        from: `${jid}/x`,
        body,
        ts: Date.now(),
        state: 'received',
      });
      const strangers = Array.from({ length: MAX_STRANGER_CONVERSATIONS }, (_, i) => `spam${i}@evil.example`);
      await storeMessages(db, strangers.slice(0, 10).map((jid) => from(jid)));
      await storeMessages(db, strangers.slice(10).map((jid) => from(jid)));
      expect(await db.count('conversations')).to.equal(MAX_STRANGER_CONVERSATIONS);
      expect(await storeMessages(db, [from('one-more@evil.example')])).to.equal(null);
      expect(await db.get('conversations', 'one-more@evil.example')).to.equal(undefined);
      await storeMessages(db, [from(strangers[0]!, 'again')]);
      expect((await db.get('conversations', strangers[0]!))!.unread, 'a stranger already talking').to.equal(2);
      await replaceRoster(db, [{ jid: 'alice@localhost', subscription: 'both', groups: [], pendingOut: false }]);
      await storeMessages(db, [from('alice@localhost')]);
      expect(await db.get('conversations', 'alice@localhost'), 'a contact').to.not.equal(undefined);
      // Our own message to someone new is no stranger's doing.
      await storeMessages(db, [{ ...from('new@elsewhere.example'), direction: 'out', from: 'me@localhost/web', state: 'sent' }]);
      expect(await db.get('conversations', 'new@elsewhere.example')).to.not.equal(undefined);
    });
  });
});
