/**
 * Property-based tests of every stanza parser (issue 14, part 2): valid-ish stanzas from a small
 * grammar (templates of what each parser reads) and random trees, mutated (attributes removed or
 * given wrong values, huge strings, deep nesting, unknown namespaces, children dropped or doubled).
 * No parser may throw anything but its module's documented error, and nothing it returns may break
 * its record type's invariants. Runs are bounded so the file takes seconds.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import xml, { type Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { bareJid } from '../../src/shared/jid.js';
import {
  MAX_AVATAR_BYTES,
  MAX_BODY,
  MAX_FORM_FIELDS,
  MAX_FORM_TEXT,
  MAX_ID,
  MAX_JID,
  MAX_PROFILE_NICK,
  MAX_QUOTE_DEPTH,
  MAX_REACTIONS,
  MAX_ROOM_NICK,
  MAX_SHORT_TEXT,
  MAX_STATUS,
  MAX_STYLED,
  MAX_VCARD_FIELD,
} from '../../src/shared/limits.js';
import { parseForm } from '../../src/shared/forms.js';
import { parsePushPayload } from '../../src/shared/push.js';
import { parseStyling, type Block, type Span } from '../../src/shared/styling.js';
import { parseMetadata, parsePhotoHash } from '../../src/worker/avatar.js';
import { parseItems as parseBlocked } from '../../src/worker/blocking.js';
import { parseItems as parseBookmarkItems, parseLegacy } from '../../src/worker/bookmarks.js';
import { parseCaps, parseDiscoInfo } from '../../src/worker/caps.js';
import { parseChatState } from '../../src/worker/chatstates.js';
import { CorrectionError, parseCorrection } from '../../src/worker/correction.js';
import { editOrigin } from '../../src/worker/edit-source.js';
import { parseTime } from '../../src/worker/entity-time.js';
import { EnvelopeError, unwrap, unwrapResult, type Envelope, type Rooms } from '../../src/worker/envelope.js';
import { parseIdle } from '../../src/worker/idle.js';
import { parseInvitation } from '../../src/worker/invitations.js';
import { parseFin } from '../../src/worker/mam.js';
import { parseDisplayed } from '../../src/worker/markers.js';
import { parseItems as parseMds } from '../../src/worker/mds.js';
import { chatRecord, parseChatMessage } from '../../src/worker/message.js';
import { parseModeration } from '../../src/worker/moderation.js';
import { joinFailure, parseOccupant, parseRoomInfo, parseRoomItems, parseSubject } from '../../src/worker/muc-stanzas.js';
import { parseRoomResult, parseSubscriptions, unwrapEvent } from '../../src/worker/mucsub.js';
import { parseNick, parseNickItems } from '../../src/worker/nick.js';
import { parseOob } from '../../src/worker/oob.js';
import { parsePresence } from '../../src/worker/presence.js';
import { parseEvent } from '../../src/worker/pubsub.js';
import { parseRegistered, parseVapid } from '../../src/worker/push.js';
import { isReaction, parseReactions } from '../../src/worker/reactions.js';
import { parseReceipt, parseReceiptRequest } from '../../src/worker/receipts.js';
import { parseError, parseRegistration } from '../../src/worker/register.js';
import { parseReply } from '../../src/worker/replies.js';
import { parseRetraction, RetractionError } from '../../src/worker/retraction.js';
import { parseQuery } from '../../src/worker/roster.js';
import { parseServiceInfo, parseSlot } from '../../src/worker/upload.js';
import { parseVcard4, parseVcardTemp } from '../../src/worker/vcard.js';

const RUNS = 300;
// A failure names the error the property threw, not only the stanza.
fc.configureGlobal({ includeErrorInReport: true });
const OWN = 'alice@localhost';
const ROOM = 'room@muc.localhost';
const ROOMS: Rooms = { get: (r) => (r === ROOM ? { nick: 'alice' } : undefined), reading: (r) => (r === ROOM ? { nick: 'alice' } : undefined) };
const QUERY = 'q1';

// --- the grammar -------------------------------------------------------------------------------

const NS = [
  'jabber:client', 'urn:xmpp:carbons:2', 'urn:xmpp:forward:0', 'urn:xmpp:mam:2', 'urn:xmpp:delay', 'urn:xmpp:sid:0',
  'http://jabber.org/protocol/muc#user', 'http://jabber.org/protocol/muc', 'urn:xmpp:occupant-id:0', 'urn:xmpp:reactions:0',
  'urn:xmpp:message-retract:1', 'urn:xmpp:message-retract:0', 'urn:xmpp:message-correct:0', 'urn:xmpp:reply:0', 'urn:xmpp:fallback:0',
  'urn:xmpp:chat-markers:0', 'urn:xmpp:receipts', 'http://jabber.org/protocol/chatstates', 'jabber:iq:roster', 'http://jabber.org/protocol/disco#info',
  'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/caps', 'jabber:x:data', 'urn:ietf:params:xml:ns:vcard-4.0', 'vcard-temp',
  'urn:xmpp:bookmarks:1', 'storage:bookmarks', 'jabber:iq:private', 'jabber:x:conference', 'urn:parley:push:0', 'urn:xmpp:mucsub:0',
  'http://jabber.org/protocol/pubsub#event', 'http://jabber.org/protocol/pubsub', 'urn:xmpp:message-moderate:0', 'urn:xmpp:message-moderate:1',
  'http://jabber.org/protocol/nick', 'jabber:x:oob', 'urn:xmpp:avatar:metadata', 'vcard-temp:x:update', 'urn:xmpp:idle:1', 'urn:xmpp:time',
  'urn:xmpp:mds:displayed:0', 'urn:xmpp:blocking', 'urn:xmpp:http:upload:0', 'jabber:iq:register', 'urn:ietf:params:xml:ns:xmpp-stanzas',
  'urn:xmpp:bob', 'urn:xmpp:media-element', 'http://jabber.org/protocol/rsm', 'urn:evil:unknown', '',
];
const NAMES = [
  'message', 'presence', 'iq', 'body', 'subject', 'thread', 'received', 'sent', 'forwarded', 'result', 'fin', 'delay', 'stanza-id', 'origin-id',
  'x', 'item', 'status', 'invite', 'reason', 'password', 'destroy', 'occupant-id', 'reactions', 'reaction', 'retract', 'replace', 'reply',
  'fallback', 'displayed', 'markable', 'request', 'active', 'composing', 'paused', 'query', 'group', 'identity', 'feature', 'field', 'value',
  'option', 'media', 'uri', 'c', 'vcard', 'fn', 'text', 'nickname', 'email', 'tel', 'note', 'url', 'uri', 'FN', 'NICKNAME', 'EMAIL', 'USERID',
  'conference', 'storage', 'nick', 'event', 'items', 'pubsub', 'subscriptions', 'subscription', 'moderated', 'apply-to', 'photo', 'metadata',
  'info', 'idle', 'time', 'tzo', 'utc', 'blocklist', 'slot', 'put', 'get', 'header', 'error', 'register', 'instructions', 'username', 'data',
  'show', 'priority', 'set', 'first', 'last', 'count', 'vapid', 'registered', 'html', 'script', 'unknown',
];
const ATTRS = [
  'from', 'to', 'id', 'type', 'xmlns', 'by', 'stamp', 'queryid', 'jid', 'nick', 'name', 'role', 'affiliation', 'code', 'var', 'label',
  'category', 'node', 'ver', 'hash', 'subscription', 'ask', 'autojoin', 'reason', 'password', 'for', 'start', 'end', 'bytes', 'height',
  'width', 'since', 'complete', 'url', 'secret', 'key', 'max', 'xml:lang', 'cid', 'publisher',
];
const huge = fc.constantFrom(255, 256, 257, 1024, 1025, 3072, MAX_BODY + 1, 300_000).map((n) => 'a'.repeat(n));
const words = fc.constantFrom(
  '', ' ', OWN, `${OWN}/phone`, 'ALICE@localhost', 'bob@localhost', 'bob@localhost/phone', ROOM, `${ROOM}/bob`, `${ROOM}/alice`, 'localhost',
  'muc.localhost', '@', '/', 'a@b@c', 'bob@', '@localhost', 'true', 'false', '1', '0', '-1', '-129', '128', 'NaN', '1e400', '0x10', '3.5',
  '2024-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 'not-a-date', 'chat', 'groupchat', 'normal', 'headline', 'error', 'get', 'set', 'result',
  'unavailable', 'subscribe', 'subscribed', 'probe', 'none', 'to', 'both', 'remove', 'moderator', 'participant', 'owner', 'outcast', 'member',
  'away', 'dnd', 'xa', 'text-single', 'list-multi', 'hidden', 'fixed', 'boolean', 'jid-single', 'FORM_TYPE', QUERY, 'q2', 'm1', 'id-1', '110',
  '201', '303', '307', '104', '\u202e\u2066evil', 'a\u200bb', '\u0000', '\ud800', '<script>alert(1)</script>', 'javascript:alert(1)',
  'data:text/html,<b>x</b>', 'https://example.com/a.png', 'http://127.0.0.1/x', 'cid:sha1+abc@bob.xmpp.org', '😀', '❤️', '👍🏽', 'sha-1',
  'a'.repeat(40), '0123456789abcdef0123456789abcdef01234567', 'urn:xmpp:mds:displayed:0', 'urn:xmpp:bookmarks:1', 'image/png', '+01:00',
);
const value: fc.Arbitrary<string> = fc.oneof({ weight: 6, arbitrary: words }, { weight: 2, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) }, { weight: 1, arbitrary: huge });

/** A random element over the vocabulary, `depth` levels at most. */
const tree = (depth: number): fc.Arbitrary<Element> =>
  fc
    .record({
      name: fc.constantFrom(...NAMES),
      ns: fc.option(fc.constantFrom(...NS)),
      attrs: fc.dictionary(fc.constantFrom(...ATTRS), value, { maxKeys: 4 }),
      text: fc.option(value),
      children: depth > 0 ? fc.array(tree(depth - 1), { maxLength: 3 }) : fc.constant([]),
    })
    .map(({ name, ns, attrs, text, children }) => xml(name, { ...attrs, ...(ns !== null ? { xmlns: ns } : {}) }, ...children, ...(text !== null ? [text] : [])));

/** Valid stanzas of every kind the parsers read, by area. */
const TEMPLATES: Record<string, string[]> = {
  message: [
    `<message from='bob@localhost/phone' to='${OWN}/web' type='chat' id='m1'><body>hi *there*</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/><markable xmlns='urn:xmpp:chat-markers:0'/><request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m2'><body>&gt; quoted\nanswer</body><reply xmlns='urn:xmpp:reply:0' id='m1' to='${OWN}/web'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='9'/></fallback></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m3'><body>https://example.com/a.png</body><x xmlns='jabber:x:oob'><url>https://example.com/a.png</url></x></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m4'><body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m5'><retract xmlns='urn:xmpp:message-retract:1' id='m1'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>retracted</body></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m6'><reactions xmlns='urn:xmpp:reactions:0' id='m1'><reaction>👍</reaction><reaction>❤️</reaction></reactions><store xmlns='urn:xmpp:hints'/></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m7'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/><received xmlns='urn:xmpp:receipts' id='m1'/></message>`,
    `<message from='bob@localhost/phone' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
    `<message from='bob@localhost/phone' type='chat' id='m8'><body>a room</body><x xmlns='jabber:x:conference' jid='${ROOM}' reason='join us' password='pw'/></message>`,
    `<message from='${ROOM}' id='m9'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='bob@localhost/phone'><reason>come</reason></invite><password>pw</password></x></message>`,
  ],
  carbon: [
    `<message from='${OWN}' to='${OWN}/web' type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/><message from='bob@localhost/phone' to='${OWN}/phone' type='chat' id='c1'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='${OWN}' id='s1'/></message></forwarded></received></message>`,
    `<message from='${OWN}' to='${OWN}/web' type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message from='${OWN}/phone' to='bob@localhost' type='chat' id='c2'><body>mine</body></message></forwarded></sent></message>`,
  ],
  mam: [
    `<message to='${OWN}/web'><result xmlns='urn:xmpp:mam:2' queryid='${QUERY}' id='r1'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/><message from='bob@localhost/phone' to='${OWN}' type='chat' id='a1'><body>old</body></message></forwarded></result></message>`,
    `<message from='${ROOM}' to='${OWN}/web'><result xmlns='urn:xmpp:mam:2' queryid='${QUERY}' id='r2'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/><message from='${ROOM}/bob' type='groupchat' id='a2'><body>room</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ'/></message></forwarded></result></message>`,
    `<iq type='result'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first>r1</first><last>r2</last><count>2</count></set></fin></iq>`,
  ],
  room: [
    `<message from='${ROOM}/bob' type='groupchat' id='g1'><body>hello alice</body><stanza-id xmlns='urn:xmpp:sid:0' by='${ROOM}' id='rs1'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ'/></message>`,
    `<message from='${ROOM}/bob' type='groupchat' id='g2'><subject>topic</subject></message>`,
    `<message from='${ROOM}' type='groupchat' id='g3'><retract xmlns='urn:xmpp:message-retract:1' id='rs1'><moderated xmlns='urn:xmpp:message-moderate:1' by='${ROOM}/mod'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='m'/></moderated><reason>spam</reason></retract></message>`,
    `<message from='${ROOM}' type='groupchat' id='g4'><apply-to xmlns='urn:xmpp:fasten:0' id='rs1'><moderated xmlns='urn:xmpp:message-moderate:0' by='${ROOM}/mod'><retract xmlns='urn:xmpp:message-retract:0'/><reason>spam</reason></moderated></apply-to></message>`,
    `<presence from='${ROOM}/bob'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='bob@localhost/phone'/><status code='110'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ'/></presence>`,
    `<presence from='${ROOM}/bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none' nick='bobby'/><status code='303'/></x></presence>`,
    `<presence from='${ROOM}/alice' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><destroy><reason>gone</reason></destroy></x></presence>`,
    `<presence from='${ROOM}/alice' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`,
    `<message from='${ROOM}' to='${OWN}/web'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:mucsub:nodes:messages'><item id='e1'><message from='${ROOM}/bob' type='groupchat' id='ms1'><body>sub</body></message></item></items></event></message>`,
    `<iq type='result' from='muc.localhost'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='${ROOM}' name='Room'/></query></iq>`,
    `<iq type='result' from='${ROOM}'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Room'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#roominfo_occupants'><value>3</value></field></x></query></iq>`,
    `<iq type='result'><subscriptions xmlns='urn:xmpp:mucsub:0'><subscription jid='${ROOM}' nick='alice'><event node='urn:xmpp:mucsub:nodes:messages'/></subscription></subscriptions></iq>`,
  ],
  presence: [
    `<presence from='bob@localhost/phone'><show>dnd</show><status>busy</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.com' ver='abc='/><idle xmlns='urn:xmpp:idle:1' since='2024-01-01T00:00:00Z'/><x xmlns='vcard-temp:x:update'><photo>0123456789abcdef0123456789abcdef01234567</photo></x></presence>`,
    `<presence from='bob@localhost/phone' type='unavailable'/>`,
    `<presence from='bob@localhost' type='subscribe'/>`,
  ],
  iq: [
    `<iq type='set' from='${OWN}'><query xmlns='jabber:iq:roster' ver='v1'><item jid='bob@localhost' name='Bob' subscription='both' ask='subscribe'><group>Friends</group></item><item jid='carol@localhost' subscription='remove'/></query></iq>`,
    `<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='n#v'><identity category='client' type='web' name='Parley' xml:lang='en'/><feature var='urn:xmpp:receipts'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field><field var='os'><value>x</value></field></x></query></iq>`,
    `<iq type='result'><time xmlns='urn:xmpp:time'><tzo>+01:00</tzo><utc>2024-01-01T00:00:00Z</utc></time></iq>`,
    `<iq type='result'><blocklist xmlns='urn:xmpp:blocking'><item jid='spam@evil.example'/></blocklist></iq>`,
    `<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='store' type='file'/><feature var='urn:xmpp:http:upload:0'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field><field var='max-file-size'><value>1048576</value></field></x></query></iq>`,
    `<iq type='result'><slot xmlns='urn:xmpp:http:upload:0'><put url='https://upload.example/put'><header name='Authorization'>x</header></put><get url='https://upload.example/get'/></slot></iq>`,
    `<iq type='result'><vapid xmlns='urn:parley:push:0' key='BAAA'/></iq>`,
    `<iq type='result'><registered xmlns='urn:parley:push:0' node='n1' secret='s1'/></iq>`,
    `<iq type='result'><query xmlns='jabber:iq:register'><instructions>Choose</instructions><username/><password/><x xmlns='jabber:x:data' type='form'><field var='username' type='text-single' label='User'><required/></field><field var='ocr' type='text-single'><media xmlns='urn:xmpp:media-element' height='80' width='290'><uri type='image/png'>cid:sha1+abc@bob.xmpp.org</uri></media></field><field var='list' type='list-single'><option label='A'><value>a</value></option></field></x></query><data xmlns='urn:xmpp:bob' cid='sha1+abc@bob.xmpp.org' type='image/png'>iVBORw0KGgo=</data></iq>`,
    `<iq type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>taken</text></error></iq>`,
  ],
  pep: [
    `<message from='${OWN}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><item id='${ROOM}'><conference xmlns='urn:xmpp:bookmarks:1' name='Room' autojoin='true'><nick>alice</nick><password>pw</password><extensions><x xmlns='urn:evil:unknown'/></extensions></conference></item><retract id='old@muc.localhost'/></items></event></message>`,
    `<iq type='result'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='${ROOM}' name='Room' autojoin='1'><nick>alice</nick></conference><url name='x' url='https://example.com'/></storage></query></iq>`,
    `<message from='${OWN}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:mds:displayed:0'><item id='bob@localhost'><displayed xmlns='urn:xmpp:mds:displayed:0'><stanza-id xmlns='urn:xmpp:sid:0' by='${OWN}' id='s1'/></displayed></item></items></event></message>`,
    `<message from='bob@localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='http://jabber.org/protocol/nick'><item id='current'><nick xmlns='http://jabber.org/protocol/nick'>Bobby</nick></item></items></event></message>`,
    `<message from='bob@localhost'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'><item id='0123456789abcdef0123456789abcdef01234567'><metadata xmlns='urn:xmpp:avatar:metadata'><info id='0123456789abcdef0123456789abcdef01234567' bytes='1000' type='image/png' width='64' height='64'/></metadata></item></items></event></message>`,
    `<iq type='result'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><fn><text>Bob</text></fn><nickname><text>bob</text></nickname><email><text>bob@example.com</text></email><tel><uri>tel:+1</uri></tel><note><text>hi</text></note><url><uri>https://example.com</uri></url></vcard></iq>`,
    `<iq type='result'><vCard xmlns='vcard-temp'><FN>Bob</FN><NICKNAME>bob</NICKNAME><EMAIL><USERID>bob@example.com</USERID></EMAIL><TEL><NUMBER>+1</NUMBER></TEL><DESC>hi</DESC><URL>https://example.com</URL></vCard></iq>`,
  ],
};
const AREAS = Object.keys(TEMPLATES);

/** Every element of `el`, itself first. */
const nodes = (el: Element): Element[] => [el, ...el.children.flatMap((c) => (typeof c === 'string' ? [] : nodes(c as Element)))];

type Mutation = (el: Element, at: number, v: string, extra: Element) => void;
const MUTATIONS: Mutation[] = [
  // an attribute removed
  (el, at) => {
    const n = nodes(el)[at % nodes(el).length]!;
    const keys = Object.keys(n.attrs);
    if (keys.length) delete n.attrs[keys[at % keys.length]!];
  },
  // an attribute given a wrong, hostile or huge value
  (el, at, v) => {
    const n = nodes(el)[at % nodes(el).length]!;
    const keys = [...Object.keys(n.attrs), ...ATTRS];
    n.attrs[keys[at % keys.length]!] = v;
  },
  // the text replaced
  (el, at, v) => {
    const n = nodes(el)[at % nodes(el).length]!;
    n.children = [...n.children.filter((c) => typeof c !== 'string'), v];
  },
  // a child dropped
  (el, at) => {
    const n = nodes(el)[at % nodes(el).length]!;
    if (n.children.length) n.children.splice(at % n.children.length, 1);
  },
  // a child doubled
  (el, at) => {
    const n = nodes(el)[at % nodes(el).length]!;
    const c = n.children[at % Math.max(1, n.children.length)];
    if (c && typeof c !== 'string') n.children.push(parse(c.toString()) as Element);
  },
  // a random subtree added
  (el, at, _v, extra) => {
    nodes(el)[at % nodes(el).length]!.children.push(extra);
  },
  // a namespace made unknown, or another known one
  (el, at, v) => {
    nodes(el)[at % nodes(el).length]!.attrs.xmlns = NS[v.length % NS.length];
  },
  // deep nesting: a child wrapped in 200 levels of its own kind
  (el, at) => {
    const n = nodes(el)[at % nodes(el).length]!;
    const c = n.children.findIndex((x) => typeof x !== 'string');
    if (c < 0) return;
    let inner = n.children[c] as Element;
    for (let i = 0; i < 200; i++) inner = xml(inner.name, { ...inner.attrs }, inner);
    n.children[c] = inner;
  },
  // renamed
  (el, at, v) => {
    const n = nodes(el)[at % nodes(el).length]!;
    n.name = NAMES[v.length % NAMES.length]!;
  },
];
const mutation = fc.record({ kind: fc.nat(MUTATIONS.length - 1), at: fc.nat(1000), v: value, extra: tree(2) });

/** A template of `areas` with up to four mutations (none a fifth of the time). */
const mutated = (areas: string[]) =>
  fc
    .record({ template: fc.constantFrom(...areas.flatMap((a) => TEMPLATES[a]!)), mutations: fc.array(mutation, { maxLength: 4 }) })
    .map(({ template, mutations }) => {
      const el = parse(template) as Element;
      for (const m of mutations) MUTATIONS[m.kind]!(el, m.at, m.v, m.extra);
      return el;
    });

/** Stanzas for a parser of `areas`: mostly its own kinds mutated, some of every kind, some random trees. */
const stanzas = (areas: string[]) =>
  fc.oneof({ weight: 6, arbitrary: mutated(areas) }, { weight: 2, arbitrary: mutated(AREAS) }, { weight: 2, arbitrary: tree(4) });

/** The first element named `name` in `el` (itself included), else `el`: where a parser of a part starts. */
const part = (el: Element, name: string): Element => nodes(el).find((n) => n.name === name) ?? el;

// --- invariants ----------------------------------------------------------------------------------

const isStr = (v: unknown, max = Infinity): v is string => typeof v === 'string' && v.length <= max;
const optStr = (v: unknown, max = Infinity) => v === undefined || isStr(v, max);
// Only the blocklist bounds a JID's length (MAX_JID); elsewhere our server has checked what it routes.
const isJid = (v: unknown) => isStr(v) && v.length > 0;
const isBare = (v: unknown) => isJid(v) && !(v as string).includes('/');
const isId = (v: unknown) => isStr(v, MAX_ID) && v.length > 0;
const points = (s: string | undefined) => (s === undefined ? 0 : [...s].length);
const ROLES = ['moderator', 'participant', 'visitor', 'none'];
const AFFILIATIONS = ['owner', 'admin', 'member', 'outcast', 'none'];
const SHOWS = ['chat', 'away', 'xa', 'dnd'];

/** Nothing a parser returns is a function, NaN or an infinity: it all crosses to storage and pages. */
function plain(v: unknown, seen = new Set<unknown>()): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return false;
  if (v === null || typeof v !== 'object' || seen.has(v)) return true;
  seen.add(v);
  if (v instanceof xml.Element) return true;
  return Object.values(v).every((x) => plain(x, seen));
}

function checkEnvelope(env: Envelope, outer: Element) {
  expect(['live', 'carbon', 'archive']).to.include(env.via);
  expect(['in', 'out']).to.include(env.direction);
  expect(isJid(env.conversation), 'conversation').to.equal(true);
  expect(isStr(env.sender) && env.sender.length > 0, 'sender').to.equal(true);
  if (env.via === 'carbon') expect(outer.attrs.from, 'a carbon is believed only from our bare JID').to.equal(OWN);
  if (env.room) expect(env.conversation).to.equal(ROOM);
  if (env.archive) expect(isId(env.archive.id) && isBare(env.archive.jid), 'archive').to.equal(true);
  if (env.archive && env.via !== 'archive') expect([OWN, ROOM]).to.include(env.archive.jid);
  if (env.delay) expect(env.delay.stamp).to.be.at.most(Date.now());
  expect(plain({ ...env, message: undefined })).to.equal(true);
}

function checkBlocks(blocks: Block[], depth = 0): number {
  expect(depth).to.be.at.most(MAX_QUOTE_DEPTH);
  const spans = (list: Span[]): number => list.reduce((n, s) => n + (s.type === 'text' ? 0 : 1) + ('children' in s ? spans(s.children) : 0), 0);
  return blocks.reduce((n, b) => n + (b.type === 'quote' ? 1 + checkBlocks(b.blocks, depth + 1) : b.type === 'pre' ? 1 : spans(b.spans)), 0);
}

/** Runs `parse`, allowing only `allowed` errors; returns what it gave (undefined after an allowed error). */
function guarded<T>(parse: () => T, allowed: (abstract new (...args: never[]) => Error)[] = []): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (allowed.some((e) => err instanceof e)) return undefined;
    throw err;
  }
}

/** The envelope a stanza makes live, or none (for the parsers that take envelopes). */
function envelopeOf(el: Element): Envelope | undefined {
  const env = guarded(() => unwrap(el, OWN, ROOMS), [EnvelopeError]);
  return env && env.via !== 'account' ? env : undefined;
}

// --- the properties ------------------------------------------------------------------------------

interface Case {
  name: string;
  areas: string[];
  check(el: Element): void;
}

const CASES: Case[] = [
  {
    name: 'envelope: live messages and carbons (unwrap)',
    areas: ['carbon', 'message', 'room'],
    check(el) {
      const env = guarded(() => unwrap(el, OWN, ROOMS), [EnvelopeError]);
      if (!env) return;
      if (env.via === 'account') expect(el.attrs.from).to.equal(OWN);
      else checkEnvelope(env, el);
    },
  },
  {
    name: 'envelope: archive results (unwrapResult)',
    areas: ['mam'],
    check(el) {
      const env = guarded(() => unwrapResult(el, OWN, (q) => (q === QUERY ? (el.attrs.from === ROOM ? ROOM : OWN) : undefined), ROOMS), [EnvelopeError]);
      if (!env) return;
      expect(env.queryid, 'only an answer to our query').to.equal(QUERY);
      expect(isStr(env.id) && env.id.length > 0).to.equal(true);
      if (env.envelope) checkEnvelope(env.envelope, el);
    },
  },
  {
    name: 'chat message (parseChatMessage, chatRecord)',
    areas: ['message', 'carbon', 'room'],
    check(el) {
      const m = guarded(() => parseChatMessage(el), [RangeError]);
      if (m) {
        expect(isJid(m.from) && isStr(m.body, MAX_BODY) && m.body.trim() !== '').to.equal(true);
        expect(m.id === undefined || isId(m.id)).to.equal(true);
        expect(m.originId === undefined || isId(m.originId)).to.equal(true);
        if (m.reply) expect(isId(m.reply.replyTo.id)).to.equal(true);
        if (m.reply?.fallback) expect(m.reply.fallback.start >= 0 && m.reply.fallback.start <= m.reply.fallback.end && m.reply.fallback.end <= m.body.length).to.equal(true);
        if (m.oob) expect(/^https?:/.test(m.oob)).to.equal(true);
        expect(plain(m)).to.equal(true);
      }
      const env = envelopeOf(el);
      const r = env && guarded(() => chatRecord(env, 'alice'), [RangeError]);
      if (r) {
        expect(r.conversation).to.equal(env!.conversation);
        expect(r.key.startsWith(`${r.conversation} ${r.direction} `)).to.equal(true);
        expect(isStr(r.body, MAX_BODY) && Number.isFinite(r.ts)).to.equal(true);
        expect(plain(r)).to.equal(true);
      }
    },
  },
  {
    name: 'correction (parseCorrection)',
    areas: ['message', 'room'],
    check(el) {
      const c = guarded(() => parseCorrection(el), [CorrectionError]);
      if (!c) return;
      expect(isJid(c.from) && isId(c.replaceId) && isStr(c.body, MAX_BODY) && (c.id === undefined || isId(c.id))).to.equal(true);
    },
  },
  {
    name: 'retraction (parseRetraction)',
    areas: ['message', 'room'],
    check(el) {
      const r = guarded(() => parseRetraction(el), [RetractionError]);
      if (r) expect(isJid(r.from) && isId(r.id)).to.equal(true);
    },
  },
  {
    name: 'moderation (parseModeration)',
    areas: ['room'],
    check(el) {
      const m = parseModeration(el);
      if (m) expect(isId(m.stanzaId) && isStr(m.by) && m.by.length > 0 && optStr(m.reason, MAX_SHORT_TEXT)).to.equal(true);
    },
  },
  {
    name: 'reactions (parseReactions)',
    areas: ['message'],
    check(el) {
      const r = parseReactions(el);
      if (!r) return;
      expect(isId(r.id)).to.equal(true);
      expect(r.emojis.length).to.be.at.most(MAX_REACTIONS);
      expect(new Set(r.emojis).size).to.equal(r.emojis.length);
      for (const e of r.emojis) expect(isReaction(e), e).to.equal(true);
    },
  },
  {
    name: 'replies and attachments (parseReply, parseOob)',
    areas: ['message'],
    check(el) {
      const body = el.getChildText('body') ?? '';
      const r = parseReply(el, body);
      if (r) {
        expect(isId(r.replyTo.id) && optStr(r.replyTo.to)).to.equal(true);
        if (r.fallback) expect(r.fallback.start >= 0 && r.fallback.start <= r.fallback.end && r.fallback.end <= body.length).to.equal(true);
      }
      const url = parseOob(el, body);
      if (url !== null) expect(/^https?:\/\//i.test(url)).to.equal(true);
    },
  },
  {
    name: 'markers, receipts, chat states (parseDisplayed, parseReceipt, parseReceiptRequest, parseChatState)',
    areas: ['message'],
    check(el) {
      const d = parseDisplayed(el);
      if (d) expect(isJid(d.from) && isId(d.id)).to.equal(true);
      const state = parseChatState(el);
      if (state !== null) expect(['active', 'composing', 'paused', 'inactive', 'gone']).to.include(state);
      const env = envelopeOf(el);
      if (!env) return;
      const receipt = parseReceipt(env);
      if (receipt) expect(isJid(receipt.from) && isId(receipt.id) && isBare(receipt.conversation)).to.equal(true);
      const request = guarded(() => parseReceiptRequest(env), [RangeError]);
      if (request) expect(isJid(request.to) && isId(request.id) && request.message.conversation === env.conversation).to.equal(true);
      const origin = editOrigin(env);
      expect(plain(origin)).to.equal(true);
    },
  },
  {
    name: 'invitations (parseInvitation)',
    areas: ['message'],
    check(el) {
      // The plugin passes the envelope's sender, which is never empty.
      const from = el.attrs.from;
      const i = from ? parseInvitation(el, from) : null;
      if (!i) return;
      expect(['direct', 'mediated']).to.include(i.kind);
      expect(isBare(i.room) && isJid(i.from) && optStr(i.reason, MAX_SHORT_TEXT) && optStr(i.password, MAX_SHORT_TEXT)).to.equal(true);
      if (i.kind === 'mediated') expect(i.room, 'only from the room itself').to.equal(from);
    },
  },
  {
    name: 'presence (parsePresence, parseIdle, parseCaps, parsePhotoHash)',
    areas: ['presence', 'room'],
    check(el) {
      const p = parsePresence(el);
      if (p?.kind === 'available') {
        const r = p.presence;
        expect(isBare(r.jid) && isStr(r.resource) && optStr(r.status, MAX_STATUS)).to.equal(true);
        expect(Number.isInteger(r.priority) && r.priority >= -128 && r.priority <= 127).to.equal(true);
        if (r.show !== undefined) expect(SHOWS).to.include(r.show);
      } else if (p) expect(isBare(p.jid)).to.equal(true);
      expect(plain(p)).to.equal(true);
      const idle = parseIdle(el);
      if (idle !== undefined) expect(Number.isFinite(idle) && idle <= Date.now()).to.equal(true);
      const caps = parseCaps(el);
      if (caps) expect(isStr(caps.node) && isStr(caps.ver) && caps.ver.length > 0).to.equal(true);
      const hash = parsePhotoHash(el);
      if (hash) expect(hash).to.match(/^[0-9a-f]{40}$/);
    },
  },
  {
    name: 'room presence and room answers (parseOccupant, joinFailure, parseSubject, parseRoomItems, parseRoomInfo)',
    areas: ['room'],
    check(el) {
      const o = parseOccupant(el);
      if (o) {
        expect(isBare(o.room) && isStr(o.nick, MAX_ROOM_NICK) && o.nick.length > 0).to.equal(true);
        expect(ROLES).to.include(o.role);
        expect(AFFILIATIONS).to.include(o.affiliation);
        expect(o.codes.every((c) => isStr(c))).to.equal(true);
        expect(optStr(o.newNick, MAX_ROOM_NICK) && optStr(o.reason, MAX_SHORT_TEXT)).to.equal(true);
        if (o.show !== undefined) expect(SHOWS).to.include(o.show);
      }
      expect(plain(joinFailure(el, 'alice'))).to.equal(true);
      const s = parseSubject(el);
      if (s) expect(isStr(s.subject, MAX_SHORT_TEXT) && optStr(s.by)).to.equal(true);
      for (const room of parseRoomItems(part(el, 'iq'))) expect(isBare(room.jid)).to.equal(true);
      const info = parseRoomInfo(part(el, 'iq'));
      expect(optStr(info.name, MAX_SHORT_TEXT)).to.equal(true);
      if (info.occupants !== undefined) expect(Number.isInteger(info.occupants) && info.occupants >= 0).to.equal(true);
    },
  },
  {
    name: 'MUC-Sub (parseSubscriptions, unwrapEvent, parseRoomResult)',
    areas: ['room', 'mam'],
    check(el) {
      for (const s of parseSubscriptions(part(el, 'subscriptions'))) expect(isBare(s.room) && s.events.every((e) => isStr(e))).to.equal(true);
      const env = envelopeOf(el);
      const events = env && unwrapEvent(env, new Set([ROOM]));
      for (const m of events ?? []) {
        expect(m.room, 'only from the subscribed room').to.equal(ROOM);
        expect(bareJid(m.message.attrs.from ?? '')).to.equal(ROOM);
      }
      const r = parseRoomResult(el, ROOM, QUERY);
      if (r) {
        expect(r.room === ROOM && bareJid(r.message.attrs.from ?? '') === ROOM && r.message.attrs.type === 'groupchat').to.equal(true);
        if (r.stamp !== undefined) expect(Number.isFinite(r.stamp) && r.stamp <= Date.now()).to.equal(true);
      }
    },
  },
  {
    name: 'archive paging (parseFin)',
    areas: ['mam'],
    check(el) {
      const fin = parseFin(part(el, 'fin'));
      if (fin) expect(typeof fin.complete === 'boolean' && optStr(fin.first) && optStr(fin.last)).to.equal(true);
    },
  },
  {
    name: 'roster push (parseQuery)',
    areas: ['iq'],
    check(el) {
      for (const { item } of parseQuery(part(el, 'query'))) {
        expect(isBare(item.jid)).to.equal(true);
        expect(['none', 'to', 'from', 'both']).to.include(item.subscription);
        expect(item.groups.every((g) => isStr(g)) && typeof item.pendingOut === 'boolean' && optStr(item.name)).to.equal(true);
      }
    },
  },
  {
    name: 'disco and caps (parseDiscoInfo, parseServiceInfo)',
    areas: ['iq', 'room'],
    check(el) {
      const info = parseDiscoInfo(part(el, 'query'));
      if (info) {
        expect(info.identities.every((i) => isStr(i.category) && isStr(i.type))).to.equal(true);
        expect(info.features.every((f) => isStr(f))).to.equal(true);
        for (const f of info.forms ?? []) expect(isStr(f.formType) && f.fields.every((x) => isStr(x.var) && x.values.every((v) => isStr(v)))).to.equal(true);
      }
      const upload = parseServiceInfo('upload.localhost', part(el, 'query'));
      if (upload?.maxBytes !== undefined) expect(Number.isSafeInteger(upload.maxBytes) && upload.maxBytes >= 0).to.equal(true);
    },
  },
  {
    name: 'data forms (parseForm, parseRegistration, parseError)',
    areas: ['iq', 'room'],
    check(el) {
      const form = parseForm(part(el, 'x'), el);
      if (form) {
        expect(['form', 'result', 'submit', 'cancel']).to.include(form.type);
        expect(form.fields.length).to.be.at.most(MAX_FORM_FIELDS);
        for (const f of form.fields) {
          expect(f.values.every((v) => isStr(v, MAX_FORM_TEXT)) && optStr(f.label, MAX_FORM_TEXT) && optStr(f.desc, MAX_FORM_TEXT)).to.equal(true);
          if (f.link !== undefined) expect(/^https?:\/\//i.test(f.link)).to.equal(true);
          if (f.media) expect(plain(f.media)).to.equal(true);
        }
        expect(plain(form)).to.equal(true);
      }
      const reg = parseRegistration(el);
      if (reg) expect(plain(reg)).to.equal(true);
      const error = parseError(el);
      expect(optStr(error.condition) && optStr(error.text)).to.equal(true);
    },
  },
  {
    name: 'upload slots (parseSlot: its documented refusal only)',
    areas: ['iq'],
    check(el) {
      let slot;
      try {
        slot = parseSlot(part(el, 'slot'));
      } catch (err) {
        expect((err as Error).message).to.match(/^The upload service (answered without a slot|gave an address that is not http\(s\); refused)/);
        return;
      }
      expect(/^https?:/.test(slot.put) && /^https?:/.test(slot.get)).to.equal(true);
      expect(plain(slot)).to.equal(true);
    },
  },
  {
    name: 'entity time, blocklist, push (parseTime, parseItems, parseVapid, parseRegistered)',
    areas: ['iq'],
    check(el) {
      const t = parseTime(part(el, 'time'));
      if (t) expect(plain(t)).to.equal(true);
      for (const jid of parseBlocked(part(el, 'blocklist'))) expect(isStr(jid, MAX_JID) && jid.length > 0).to.equal(true);
      const key = parseVapid(part(el, 'vapid'));
      if (key !== null) expect(isStr(key) && key.length > 0).to.equal(true);
      const reg = parseRegistered(part(el, 'registered'));
      if (reg) expect(isStr(reg.node) && reg.node.length > 0 && isStr(reg.secret) && reg.secret.length > 0).to.equal(true);
    },
  },
  {
    name: 'PEP: bookmarks, displayed, nick, avatar (parseItems, parseLegacy, parseEvent, parseNick, parseMetadata)',
    areas: ['pep'],
    check(el) {
      const items = part(el, 'items');
      const { set, retracted } = parseBookmarkItems(items);
      for (const { bookmark: b } of set) {
        expect(isBare(b.jid) && typeof b.autojoin === 'boolean').to.equal(true);
        expect(optStr(b.name, MAX_SHORT_TEXT) && optStr(b.nick, MAX_SHORT_TEXT) && optStr(b.password, MAX_SHORT_TEXT)).to.equal(true);
      }
      expect(retracted.every((r) => isStr(r))).to.equal(true);
      for (const b of parseLegacy(part(el, 'query')).bookmarks) expect(isBare(b.jid) && optStr(b.name, MAX_SHORT_TEXT)).to.equal(true);
      for (const d of parseMds(items, OWN)) expect(isBare(d.conversation) && d.conversation !== OWN && isId(d.stanzaId)).to.equal(true);
      parseEvent(el);
      const nick = parseNick(part(el, 'nick'));
      if (nick !== null) expect(points(nick)).to.be.within(1, MAX_PROFILE_NICK);
      const fromItems = parseNickItems(items);
      if (fromItems) expect(points(fromItems)).to.be.at.most(MAX_PROFILE_NICK);
      const avatar = parseMetadata(items);
      if (avatar) expect(avatar.id).to.match(/^[0-9a-f]{40}$/) && expect(Number.isSafeInteger(avatar.bytes) && avatar.bytes >= 0 && avatar.bytes <= MAX_AVATAR_BYTES).to.equal(true);
    },
  },
  {
    name: 'vCards (parseVcard4, parseVcardTemp)',
    areas: ['pep'],
    check(el) {
      for (const card of [parseVcard4(part(el, 'vcard')), parseVcardTemp(part(el, 'vCard'))]) {
        if (!card) continue;
        for (const [field, text] of Object.entries(card)) {
          expect(['fn', 'nickname', 'email', 'tel', 'note', 'url']).to.include(field);
          expect(isStr(text) && points(text) <= MAX_VCARD_FIELD, field).to.equal(true);
        }
      }
    },
  },
];

describe('parser fuzzing (fast-check)', () => {
  describe('what it found, kept as regressions', () => {
    it('a moderation notice naming a stanza-id longer than MAX_ID is ignored, as every other id is', () => {
      const notice = (id: string) =>
        parse(`<message from='${ROOM}' type='groupchat' id='g3'><retract xmlns='urn:xmpp:message-retract:1' id='${id}'><moderated xmlns='urn:xmpp:message-moderate:1' by='${ROOM}/mod'/></retract></message>`) as Element;
      expect(parseModeration(notice('i'.repeat(MAX_ID)))?.stanzaId).to.have.length(MAX_ID);
      expect(parseModeration(notice('i'.repeat(MAX_ID + 1)))).to.equal(undefined);
      const old = (id: string) =>
        parse(`<message from='${ROOM}' type='groupchat'><apply-to xmlns='urn:xmpp:fasten:0' id='${id}'><moderated xmlns='urn:xmpp:message-moderate:0' by='${ROOM}/mod'><retract xmlns='urn:xmpp:message-retract:0'/></moderated></apply-to></message>`) as Element;
      expect(parseModeration(old('i'.repeat(MAX_ID + 1)))).to.equal(undefined);
    });

    it('a presence from a JID with no address before its resource ("/", "/phone") is no one\'s', () => {
      for (const from of ['/', '/phone']) {
        for (const type of ['', " type='subscribe'", " type='unavailable'"]) expect(parsePresence(parse(`<presence from='${from}'${type}/>`) as Element), `${from}${type}`).to.equal(null);
      }
    });

    it('a message, or a carbon of one, from or to an address with no JID before its resource has no conversation: refused', () => {
      expect(unwrap(parse(`<message from='/x' type='chat' id='m1'><body>hi</body></message>`) as Element, OWN, ROOMS)).to.equal(null);
      const carbon = (kind: string, from: string, to: string) =>
        parse(`<message from='${OWN}' to='${OWN}/web' type='chat'><${kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message from='${from}' to='${to}' type='chat' id='c1'><body>hi</body></message></forwarded></${kind}></message>`) as Element;
      expect(() => unwrap(carbon('received', '/x', `${OWN}/phone`), OWN, ROOMS)).to.throw(EnvelopeError);
      expect(() => unwrap(carbon('sent', `${OWN}/phone`, '/x'), OWN, ROOMS)).to.throw(EnvelopeError);
    });
  });

  for (const c of CASES) {
    it(`${c.name}: never throws but its documented error, never returns a broken record`, () => {
      fc.assert(
        fc.property(stanzas(c.areas), (el) => c.check(el)),
        { numRuns: RUNS },
      );
    });
  }

  it('styling (parseStyling): any body parses within the limits', () => {
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.constantFrom('*', '_', '~', '`', '```', '>', '> ', '\n', ' ', 'a', 'https://x.example/', '\u202e', '\u200b'), { maxLength: 400 }).map((p) => p.join('')),
      fc.nat(5000).map((n) => '*a* '.repeat(n)),
    );
    fc.assert(
      fc.property(body, (text) => {
        const blocks = parseStyling(text);
        expect(checkBlocks(blocks)).to.be.at.most(MAX_STYLED);
      }),
      { numRuns: RUNS },
    );
  });

  it('push payloads (parsePushPayload): any text gives a payload of strings or null', () => {
    const text = fc.oneof(fc.string(), fc.json(), fc.record({ room: value, sender: value, body: value, type: value }).map((o) => JSON.stringify(o)));
    fc.assert(
      fc.property(text, (data) => {
        const p = parsePushPayload(data);
        if (p) expect(Object.values(p).every((v) => typeof v === 'string')).to.equal(true);
      }),
      { numRuns: RUNS },
    );
  });
});
