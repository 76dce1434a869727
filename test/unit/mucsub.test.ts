/**
 * MUC-Sub (ejabberd): the stanzas as ejabberd 24.12 sends them (captured from the test server), the
 * event unwrapped only from a room subscribed to, and the plugin's archive catch-up against a real
 * IndexedDB with a stand-in room archive. Room messages go to a sink that records them.
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { openParleyDb } from '../../src/storage/db.js';
import { readSync } from '../../src/storage/archive.js';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import {
  buildSubscribe, buildSubscriptions, buildUnsubscribe, mucsub, parseRoomResult, parseSubscriptions, roomEnvelope, unwrapEvent, type RoomMessage,
} from '../../src/worker/mucsub.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';

const ME = 'alice@localhost';
const ROOM = 'room1@conference.localhost';
const el = (s: string) => parse(s) as unknown as Element;
let n = 0;

/** A live MUC-Sub event as ejabberd 24.12 delivers it. */
const EVENT = (from = ROOM, inner = `${ROOM}/bob`, body = 'live one') => `<message to="alice@localhost" from="${from}" id="1796215912706814">
  <stanza-id by="alice@localhost" id="1796215912772249" xmlns="urn:xmpp:sid:0"/>
  <event xmlns="http://jabber.org/protocol/pubsub#event"><items node="urn:xmpp:mucsub:nodes:messages"><item id="1796215912706814">
    <message xml:lang="en" to="alice@localhost" from="${inner}" type="groupchat" id="m1" xmlns="jabber:client">
      <stanza-id by="${ROOM}" id="1796215912706814" xmlns="urn:xmpp:sid:0"/><body>${body}</body></message>
  </item></items></event></message>`;

const envelope = (stanza: string) => unwrap(el(stanza), ME) as Envelope;
const bodies = (found: RoomMessage[] | null) => found?.map((m) => [m.room, m.message.getChildText('body'), m.archiveId, m.via]);

describe('MUC-Sub stanzas', () => {
  it('subscribes to messages and subject, unsubscribes, lists', () => {
    expect(buildSubscribe('alice').toString()).to.equal(
      `<subscribe xmlns="urn:xmpp:mucsub:0" nick="alice"><event node="urn:xmpp:mucsub:nodes:messages"/><event node="urn:xmpp:mucsub:nodes:subject"/></subscribe>`,
    );
    expect(buildSubscribe('alice', 'pw').attrs.password).to.equal('pw');
    expect(buildUnsubscribe().toString()).to.equal(`<unsubscribe xmlns="urn:xmpp:mucsub:0"/>`);
    expect(buildSubscriptions().toString()).to.equal(`<subscriptions xmlns="urn:xmpp:mucsub:0"/>`);
    expect(parseSubscriptions(el(`<subscriptions xmlns="urn:xmpp:mucsub:0"><subscription nick="alice" jid="${ROOM}">
      <event node="urn:xmpp:mucsub:nodes:messages"/><event node="urn:xmpp:mucsub:nodes:subject"/></subscription>
      <subscription jid="not a room"/></subscriptions>`))).to.deep.equal([
      { room: ROOM, nick: 'alice', events: ['urn:xmpp:mucsub:nodes:messages', 'urn:xmpp:mucsub:nodes:subject'] },
    ]);
  });

  it('unwraps an event from a room subscribed to, with the room\'s archive id', () => {
    expect(bodies(unwrapEvent(envelope(EVENT()), new Set([ROOM])))).to.deep.equal([[ROOM, 'live one', '1796215912706814', 'mucsub']]);
  });

  it('drops events from a room not subscribed to, from anyone but the room, or carrying another room\'s message', () => {
    const subscribed = new Set([ROOM]);
    expect(unwrapEvent(envelope(EVENT('other@conference.localhost', 'other@conference.localhost/bob')), subscribed)).to.deep.equal([]);
    expect(unwrapEvent(envelope(EVENT(`${ROOM}/mallory`)), subscribed)).to.deep.equal([]);
    expect(unwrapEvent(envelope(EVENT('mallory@localhost/x')), subscribed)).to.deep.equal([]);
    expect(unwrapEvent(envelope(EVENT(ROOM, 'bob@localhost/phone')), subscribed)).to.deep.equal([]);
    // Not a MUC-Sub event at all: someone else's business.
    expect(unwrapEvent(envelope(`<message from="${ROOM}"><body>hi</body></message>`), subscribed)).to.equal(null);
  });

  it('makes the room\'s envelope: the occupant as author (an occupant-id only where the room gave us one), ours by our nick', () => {
    const message = (from: string, extra = '') => el(`<message from="${from}" type="groupchat" id="m1">${extra}<body>hi</body></message>`);
    const oid = `<occupant-id xmlns="urn:xmpp:occupant-id:0" id="oid-b"/>`;
    const bob = roomEnvelope({ room: ROOM, message: message(`${ROOM}/bob`, oid), archiveId: 'a1', stamp: 5, via: 'mucsub', nick: 'ann' }, undefined, ME);
    expect([bob.sender, bob.direction, bob.conversation, bob.room, bob.via, bob.archive, bob.delay]).to.deep.equal(
      [`${ROOM}/bob`, 'in', ROOM, true, 'live', { jid: ROOM, id: 'a1' }, { stamp: 5, by: ROOM }]);
    const ours = roomEnvelope({ room: ROOM, message: message(`${ROOM}/ann`), via: 'archive', nick: 'ann' }, undefined, ME);
    expect([ours.sender, ours.direction, ours.via]).to.deep.equal([ME, 'out', 'archive']);
    const joined = roomEnvelope({ room: ROOM, message: message(`${ROOM}/bob`, oid), via: 'mucsub' }, { nick: 'ann', occupantId: 'mine' }, ME);
    expect(joined.sender).to.equal('occupant-id:oid-b');
    expect(roomEnvelope({ room: ROOM, message: message(ROOM), via: 'mucsub' }, undefined, ME).sender).to.equal(ROOM);
  });

  it('reads a room archive result only from that room, for our query', () => {
    const result = (from: string, queryid = 'q1') => el(`<message to="alice@localhost/node" from="${from}"><result id="a1" queryid="${queryid}" xmlns="urn:xmpp:mam:2">
      <forwarded xmlns="urn:xmpp:forward:0"><message from="${ROOM}/bob" type="groupchat" id="m1" xmlns="jabber:client"><body>old</body></message>
      <delay from="conference.localhost" stamp="2026-12-02T12:51:52.706Z" xmlns="urn:xmpp:delay"/></forwarded></result></message>`);
    const found = parseRoomResult(result(ROOM), ROOM, 'q1')!;
    expect([found.message.getChildText('body'), found.archiveId, found.stamp, found.via]).to.deep.equal(['old', 'a1', Date.parse('2026-12-02T12:51:52.706Z'), 'archive']);
    expect(parseRoomResult(result('mallory@localhost'), ROOM, 'q1')).to.equal(null);
    expect(parseRoomResult(result(ROOM, 'q2'), ROOM, 'q1')).to.equal(null);
  });
});

/** A room archive as ejabberd keeps it, and a server that answers the plugin's iqs. */
async function setup(archive: string[]) {
  const db = await openParleyDb(`mucsub-${Date.now()}-${n++}`);
  const listeners: ((el: Element) => void)[] = [];
  const asked: string[] = [];
  const subs = new Set<string>();
  /** Holds the answer to a subscriptions list while set: a login's list still on its way. */
  let held: Promise<void> | undefined;
  const iq = async (payload: Element, to: string) => {
    asked.push(`${payload.name} ${to}`);
    if (payload.is('query', 'http://jabber.org/protocol/disco#items')) return el(`<query xmlns="http://jabber.org/protocol/disco#items"><item jid="conference.localhost"/><item jid="upload.localhost"/></query>`);
    if (payload.is('query', 'http://jabber.org/protocol/disco#info')) {
      return el(`<query xmlns="http://jabber.org/protocol/disco#info">${to.startsWith('conference') ? '<feature var="urn:xmpp:mucsub:0"/>' : ''}</query>`);
    }
    if (payload.is('subscribe')) subs.add(to);
    if (payload.is('unsubscribe')) subs.delete(to);
    if (payload.is('subscriptions')) {
      const list = [...subs];
      await held;
      return el(`<subscriptions xmlns="urn:xmpp:mucsub:0">${list.map((r) => `<subscription jid="${r}"/>`).join('')}</subscriptions>`);
    }
    return undefined;
  };
  const request = async (stanza: Element) => {
    const query = stanza.getChild('query', 'urn:xmpp:mam:2')!;
    const set = query.getChild('set')!;
    const after = set.getChildText('after');
    const max = Number(set.getChildText('max'));
    asked.push(`mam ${stanza.attrs.to} after ${after ?? '-'} max ${max}`);
    const from = after ? archive.indexOf(after) + 1 : Math.max(0, archive.length - max);
    const page = archive.slice(from, from + max);
    for (const id of page) {
      const r = el(`<message from="${stanza.attrs.to}"><result xmlns="urn:xmpp:mam:2" queryid="${query.attrs.queryid}" id="${id}"><forwarded xmlns="urn:xmpp:forward:0">
        <message from="${stanza.attrs.to}/bob" type="groupchat"><body>${id}</body></message></forwarded></result></message>`);
      listeners.forEach((l) => l(r));
    }
    const complete = from + max >= archive.length;
    return el(`<iq type="result"><fin xmlns="urn:xmpp:mam:2"${complete ? ' complete="true"' : ''}><set xmlns="http://jabber.org/protocol/rsm">${page.length ? `<first>${page[0]}</first><last>${page.at(-1)}</last>` : ''}</set></fin></iq>`);
  };
  const received: RoomMessage[] = [];
  const login = () => {
    listeners.length = 0;
    const xmpp = { on: (e: string, l: (el: Element) => void) => void (e === 'stanza' && listeners.push(l)), iqCaller: { get: iq, set: iq, request } };
    const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
    return mucsub(ctx, { received: async (m) => void received.push(...m) });
  };
  return { db, asked, received, login, archive, subs, hold: (p: Promise<void> | undefined) => void (held = p) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('MUC-Sub plugin', () => {
  it('a subscription made while the login\'s list is on its way is kept', async () => {
    const s = await setup([]);
    s.subs.add('other@conference.localhost');
    const plugin = s.login();
    let answer!: () => void;
    s.hold(new Promise<void>((r) => (answer = r)));
    await plugin.online!();
    await until(() => s.asked.some((a) => a.startsWith('subscriptions')));
    await plugin.subscribe(ROOM, 'alice');
    // The list the server made before the subscription arrives now, without the room; the login
    // then catches up with the room it listed.
    answer();
    s.hold(undefined);
    await until(() => s.asked.some((a) => a.startsWith('mam other@')));
    await plugin.envelope!(envelope(EVENT()));
    expect(s.received.map((m) => m.message.getChildText('body'))).to.deep.equal(['live one']);
  });

  it('subscribing fetches the room\'s recent history; after being offline, what the room said since', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `a${i + 1}`);
    const s = await setup(ids.slice(0, 55));
    const plugin = s.login();
    await plugin.subscribe(ROOM, 'alice');
    expect(s.received.map((m) => m.archiveId)).to.deep.equal(ids.slice(5, 55));
    expect((await readSync(s.db, ROOM)).last).to.equal('a55');
    // Offline; the room goes on; a new login pages forward from a55.
    s.archive.push(...ids.slice(55));
    s.received.length = 0;
    await s.login().online!();
    await until(() => s.received.length === 5);
    expect(s.received.map((m) => [m.archiveId, m.via])).to.deep.equal(ids.slice(55).map((id) => [id, 'archive']));
    expect(s.asked.filter((a) => a.startsWith('mam'))).to.deep.equal([`mam ${ROOM} after - max 50`, `mam ${ROOM} after a55 max 250`]);
  });

  it('hands on live events only for rooms subscribed to, and none after unsubscribing', async () => {
    const s = await setup([]);
    const plugin = s.login();
    await plugin.envelope!(envelope(EVENT(ROOM, `${ROOM}/bob`, 'before')));
    await plugin.subscribe(ROOM, 'alice');
    await plugin.envelope!(envelope(EVENT(ROOM, `${ROOM}/bob`, 'during')));
    expect(await plugin.subscriptions()).to.deep.equal([{ room: ROOM, events: [] }]);
    await plugin.unsubscribe(ROOM);
    await plugin.envelope!(envelope(EVENT(ROOM, `${ROOM}/bob`, 'after')));
    expect(s.received.map((m) => m.message.getChildText('body'))).to.deep.equal(['during']);
    expect(await plugin.subscriptions()).to.deep.equal([]);
  });
});
