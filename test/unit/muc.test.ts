import { expect } from 'chai';
import { parse } from 'ltx';
import { EnvelopeError, unwrap, unwrapResult, type Envelope } from '../../src/worker/envelope.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import { mentions } from '../../src/worker/message.js';
import { parseModeration } from '../../src/worker/moderation.js';
import {
  buildJoin, fillForm, joinFailure, parseOccupant, parseRoomInfo, parseRoomItems, parseSubject, removalReason, selfPingVerdict,
} from '../../src/worker/muc-stanzas.js';

const ME = 'alice@localhost';
const ROOM = 'tea@conference.localhost';
const MUC_USER = "xmlns='http://jabber.org/protocol/muc#user'";

describe('multi-user chat stanzas (XEP-0045)', () => {
  it('joins asking for no legacy history (the room archive brings it), with a password when given', () => {
    expect(buildJoin(ROOM, 'ann', 'secret').toString()).to.equal(
      `<presence to="${ROOM}/ann"><x xmlns="http://jabber.org/protocol/muc"><history maxstanzas="0"/><password>secret</password></x></presence>`,
    );
  });

  it('reads occupants: role, affiliation, real JID, occupant-id, self, nick change, removal', () => {
    const self = parseOccupant(parse(`<presence from='${ROOM}/ann'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-a'/><x ${MUC_USER}><status code='201'/><item jid='alice@localhost/w' affiliation='owner' role='moderator'/><status code='110'/></x></presence>`));
    expect(self).to.deep.include({ room: ROOM, nick: 'ann', available: true, role: 'moderator', affiliation: 'owner', self: true, jid: 'alice@localhost/w', occupantId: 'oid-a' });
    expect(self!.codes).to.include('201');
    const renamed = parseOccupant(parse(`<presence type='unavailable' from='${ROOM}/bob'><x ${MUC_USER}><item nick='robert' affiliation='none' role='participant'/><status code='303'/></x></presence>`));
    expect(renamed).to.deep.include({ available: false, newNick: 'robert', self: false });
    const kicked = parseOccupant(parse(`<presence type='unavailable' from='${ROOM}/ann'><x ${MUC_USER}><item affiliation='none' role='none'><reason>rude</reason></item><status code='307'/><status code='110'/></x></presence>`))!;
    expect(removalReason(kicked)).to.equal('You were removed from the room: rude');
    const destroyed = parseOccupant(parse(`<presence type='unavailable' from='${ROOM}/ann'><x ${MUC_USER}><item affiliation='none' role='none'/><destroy><reason>closing</reason></destroy><status code='110'/></x></presence>`))!;
    expect(removalReason(destroyed)).to.equal('The room was closed: closing');
    expect(removalReason(parseOccupant(parse(`<presence type='unavailable' from='${ROOM}/ann'><x ${MUC_USER}><status code='110'/></x></presence>`))!)).to.equal(undefined);
  });

  it('keeps a nick with markup as text, and is no occupant without muc#user, a nick, or for an error', () => {
    expect(parseOccupant(parse(`<presence from='${ROOM}/&lt;b&gt;x&lt;/b&gt;'><x ${MUC_USER}><item role='participant' affiliation='none'/></x></presence>`))!.nick).to.equal('<b>x</b>');
    expect(parseOccupant(parse(`<presence from='${ROOM}/ann'/>`))).to.equal(null);
    expect(parseOccupant(parse(`<presence from='${ROOM}'><x ${MUC_USER}/></presence>`))).to.equal(null);
    expect(parseOccupant(parse(`<presence type='error' from='${ROOM}/ann'><x ${MUC_USER}/></presence>`))).to.equal(null);
    // Unknown roles and affiliations count as none.
    expect(parseOccupant(parse(`<presence from='${ROOM}/ann'><x ${MUC_USER}><item role='god' affiliation='king'/></x></presence>`))).to.deep.include({ role: 'none', affiliation: 'none' });
  });

  it('says why a join failed, offering another nick on a conflict', () => {
    const error = (condition: string) => parse(`<presence type='error' from='${ROOM}/ann'><error type='cancel'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
    expect(joinFailure(error('conflict'), 'ann')).to.deep.equal({ status: 'nick-conflict', suggestion: 'ann_' });
    expect(joinFailure(error('not-authorized'), 'ann')).to.deep.equal({ status: 'password-required' });
    expect(joinFailure(error('forbidden'), 'ann')).to.deep.equal({ status: 'banned' });
    expect(joinFailure(error('registration-required'), 'ann')).to.deep.equal({ status: 'members-only' });
    expect(joinFailure(error('service-unavailable'), 'ann')).to.deep.equal({ status: 'full' });
    expect(joinFailure(error('item-not-found'), 'ann')).to.deep.equal({ status: 'error', text: 'item-not-found' });
  });

  it('fills a configuration form: given values replace the defaults, fixed fields are left out', () => {
    const form = parse(`<x xmlns='jabber:x:data' type='form'><field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field type='fixed'><value>Room</value></field><field var='muc#roomconfig_roomname' type='text-single'/><field var='muc#roomconfig_persistentroom' type='boolean'><value>0</value></field></x>`);
    expect(fillForm(form, { 'muc#roomconfig_roomname': ['Tea <room>'] }).toString()).to.equal(
      `<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field>` +
        `<field var="muc#roomconfig_roomname"><value>Tea &lt;room&gt;</value></field><field var="muc#roomconfig_persistentroom"><value>0</value></field></x>`,
    );
  });

  it('lists rooms with names and occupant counts (disco#items, muc#roominfo)', () => {
    expect(parseRoomItems(parse(`<iq type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item name='Tea (2)' jid='Tea@conference.localhost'/><item name='no jid'/></query></iq>`)))
      .to.deep.equal([{ jid: ROOM, name: 'Tea (2)' }]);
    const info = parse(`<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Tea room'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#roominfo_occupants'><value>2</value></field></x></query></iq>`);
    expect(parseRoomInfo(info)).to.deep.equal({ name: 'Tea room', occupants: 2 });
    expect(parseRoomInfo(parse(`<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`))).to.deep.equal({});
  });

  it('reads a subject change, and self-ping answers (XEP-0410)', () => {
    expect(parseSubject(parse(`<message type='groupchat' from='${ROOM}/ann'><subject>&lt;b&gt;hi</subject></message>`))).to.deep.equal({ subject: '<b>hi', by: 'ann' });
    expect(parseSubject(parse(`<message type='groupchat' from='${ROOM}/ann'><subject>x</subject><body>y</body></message>`))).to.equal(undefined);
    expect(selfPingVerdict(undefined)).to.equal('in');
    expect(selfPingVerdict('service-unavailable')).to.equal('in');
    expect(selfPingVerdict('not-acceptable')).to.equal('out');
    expect(selfPingVerdict('item-not-found')).to.equal('out');
    expect(selfPingVerdict('remote-server-timeout')).to.equal('unknown');
  });

  it('finds our nick as a word of its own', () => {
    expect(mentions('ann: tea?', 'ann')).to.equal(true);
    expect(mentions('hey @Ann!', 'ann')).to.equal(true);
    expect(mentions('annex', 'ann')).to.equal(false);
    expect(mentions('banana', 'nan')).to.equal(false);
    // The nick is text, not a pattern.
    expect(mentions('ask ain now', 'a.n')).to.equal(false);
    expect(mentions('ask a.n now', 'a.n')).to.equal(true);
  });
});

describe('room messages at the envelope stage', () => {
  const rooms = (occupantId?: string) => {
    const r = new JoinedRooms();
    r.set(ROOM, { nick: 'ann', ...(occupantId ? { occupantId } : {}) });
    return r;
  };
  const message = (from: string, extra = '') => parse(`<message type='groupchat' from='${from}' id='m1'><body>hi</body>${extra}</message>`);

  it('drops group chat from a room we are not in, or from an account that is no room', () => {
    expect(() => unwrap(message('other@conference.localhost/x'), ME, rooms())).to.throw(EnvelopeError);
    expect(() => unwrap(message('carol@localhost/node'), ME, rooms())).to.throw(EnvelopeError);
  });

  it('ties a message to the occupant: occupant-id where the room gave us one, else the full occupant JID', () => {
    const withIds = unwrap(message(`${ROOM}/bob`, `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-b'/>`), ME, rooms('oid-a')) as Envelope;
    expect(withIds).to.deep.include({ conversation: ROOM, sender: 'occupant-id:oid-b', direction: 'in', room: true });
    // A room that gave us no occupant-id does not strip forged ones: the claim is ignored.
    const without = unwrap(message(`${ROOM}/bob`, `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-a'/>`), ME, rooms()) as Envelope;
    expect(without).to.deep.include({ sender: `${ROOM}/bob`, direction: 'in' });
  });

  it('knows our own reflection by occupant-id, or by nick where there are none; the room itself speaks as the room', () => {
    expect(unwrap(message(`${ROOM}/ann2`, `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-a'/>`), ME, rooms('oid-a'))).to.deep.include({ direction: 'out', sender: ME });
    expect(unwrap(message(`${ROOM}/ann`), ME, rooms())).to.deep.include({ direction: 'out', sender: ME });
    // Someone else under our old nick, in a room with occupant-ids, is not us.
    expect(unwrap(message(`${ROOM}/ann`, `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-x'/>`), ME, rooms('oid-a'))).to.deep.include({ direction: 'in' });
    expect(unwrap(message(ROOM), ME, rooms())).to.deep.include({ sender: ROOM, direction: 'in' });
  });

  it('takes the archive id only as the room stamped it', () => {
    const stamped = unwrap(message(`${ROOM}/bob`, `<stanza-id xmlns='urn:xmpp:sid:0' by='${ROOM}' id='s1'/>`), ME, rooms()) as Envelope;
    expect(stamped.archive).to.deep.equal({ jid: ROOM, id: 's1' });
    const forged = unwrap(message(`${ROOM}/bob`, `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='s1'/>`), ME, rooms()) as Envelope;
    expect(forged.archive).to.equal(undefined);
  });

  it('keeps a private message in a room apart from the room: its conversation is the occupant', () => {
    const pm = unwrap(parse(`<message type='chat' from='${ROOM}/bob'><body>psst</body><x ${MUC_USER}/></message>`), ME, rooms()) as Envelope;
    expect(pm).to.deep.include({ conversation: `${ROOM}/bob`, direction: 'in' });
    expect(pm.room).to.equal(undefined);
  });

  it('takes room archive results only from the room queried, with the author the archive shows', () => {
    const result = (from: string, inner: string) => parse(`<message from='${from}'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='a1'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2025-01-01T00:00:00Z'/>${inner}</forwarded></result></message>`);
    const inner = `<message type='groupchat' from='${ROOM}/old-nick'><body>hi</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-a'/></message>`;
    const ours = unwrapResult(result(ROOM, inner), ME, () => ROOM, rooms('oid-a'))!;
    expect(ours.envelope).to.deep.include({ conversation: ROOM, direction: 'out', sender: ME, archive: { jid: ROOM, id: 'a1' }, via: 'archive' });
    expect(() => unwrapResult(result('other@conference.localhost', inner), ME, () => ROOM, rooms('oid-a'))).to.throw(EnvelopeError);
    // Another room's message inside this room's archive is not taken.
    const elsewhere = unwrapResult(result(ROOM, `<message type='groupchat' from='x@conference.localhost/b'><body>hi</body></message>`), ME, () => ROOM, rooms())!;
    expect(elsewhere.envelope).to.equal(null);
  });

  it('takes a subscribed room\'s archive results (MUC-Sub, not in the room), only from that room, and not its live group chat', () => {
    const result = (from: string) => parse(`<message from='${from}'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='a1'><forwarded xmlns='urn:xmpp:forward:0'><message type='groupchat' from='${ROOM}/bob'><body>hi</body></message></forwarded></result></message>`);
    const subscribed = new JoinedRooms();
    expect(unwrapResult(result(ROOM), ME, () => ROOM, subscribed)!.envelope).to.equal(null);
    subscribed.subscribed.set(ROOM, 'ann');
    expect(unwrapResult(result(ROOM), ME, () => ROOM, subscribed)!.envelope).to.deep.include({ conversation: ROOM, sender: `${ROOM}/bob`, direction: 'in' });
    expect(() => unwrapResult(result('mallory@localhost'), ME, () => ROOM, subscribed)).to.throw(EnvelopeError);
    expect(() => unwrap(message(`${ROOM}/bob`), ME, subscribed)).to.throw(EnvelopeError);
  });
});

describe('message moderation (XEP-0425)', () => {
  it('reads Prosody\'s notice (v0.3 with the older form beside it): the moderator by nick, and why', () => {
    const prosody = parse(`<message type='groupchat' from='${ROOM}'><apply-to xmlns='urn:xmpp:fasten:0' id='s1'><moderated xmlns='urn:xmpp:message-moderate:0' by='${ROOM}/ann'><retract xmlns='urn:xmpp:message-retract:0'/><reason>spam</reason></moderated></apply-to><retract xmlns='urn:xmpp:message-retract:1' id='s1'><moderated xmlns='urn:xmpp:message-moderate:1'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-a'/></moderated><reason>spam</reason></retract></message>`);
    expect(parseModeration(prosody)).to.deep.equal({ stanzaId: 's1', by: 'ann', reason: 'spam' });
  });

  it('reads ejabberd\'s notice, and nothing from a plain retraction', () => {
    const ejabberd = parse(`<message type='groupchat' from='${ROOM}'><retract id='s2' xmlns='urn:xmpp:message-retract:1'><reason xmlns='urn:xmpp:message-moderate:1'>spam</reason><moderated by='${ROOM}/ann' xmlns='urn:xmpp:message-moderate:1'/></retract></message>`);
    expect(parseModeration(ejabberd)).to.deep.equal({ stanzaId: 's2', by: 'ann', reason: 'spam' });
    expect(parseModeration(parse(`<message type='groupchat' from='${ROOM}/bob'><retract xmlns='urn:xmpp:message-retract:1' id='s3'/></message>`))).to.equal(undefined);
  });
});
