/**
 * Room invitations (XEP-0249 direct, XEP-0045 mediated): the specs' examples through the envelope
 * stage into the real plugin and IndexedDB; joins go to a RoomJoiner that records them (the end-to-end
 * test with real rooms waits for the MUC plugin to be wired).
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { openParleyDb } from '../../src/storage/db.js';
import { listInvitations } from '../../src/storage/invitations.js';
import { unwrap, type Envelope } from '../../src/worker/envelope.js';
import { buildDecline, buildDirectInvite, buildMediatedInvite, invitations, parseInvitation } from '../../src/worker/invitations.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import { RoomRecorder } from '../harness/room-recorder.js';

const ME = 'hecate@shakespeare.lit';
const COVEN = 'coven@chat.shakespeare.lit';
const CAVE = 'darkcave@macbeth.shakespeare.lit';
const el = (s: string) => parse(s) as unknown as Element;
let n = 0;

/** XEP-0249 Example 1. */
const DIRECT = `<message from='crone1@shakespeare.lit/desktop' to='${ME}'>
  <x xmlns='jabber:x:conference' jid='${CAVE}' password='cauldronburn' reason='Hey Hecate, this is the place for all good witches!'/>
</message>`;
/** XEP-0045 Example 57: the room relays an occupant's invitation. */
const MEDIATED = (from = COVEN) => `<message from='${from}' id='nzd143v8' to='${ME}'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <invite from='crone1@shakespeare.lit/desktop'><reason>Hey Hecate, this is the place for all good witches!</reason></invite>
    <password>cauldronburn</password>
  </x>
</message>`;

const strip = (s: string) => s.replace(/ id="[^"]+"/, '');

describe('invitation stanzas', () => {
  it('reads a direct invitation (XEP-0249 Example 1) with who sent it', () => {
    const m = el(DIRECT);
    expect(parseInvitation(m, m.attrs.from!)).to.deep.equal({
      room: CAVE, kind: 'direct', from: 'crone1@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!', password: 'cauldronburn',
    });
  });

  it('reads a mediated invitation (XEP-0045 Example 57) only from the room itself', () => {
    expect(parseInvitation(el(MEDIATED()), COVEN)).to.deep.equal({
      room: COVEN, kind: 'mediated', from: 'crone1@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!', password: 'cauldronburn',
    });
    // A room hiding real JIDs names the inviter by nick (Prosody 13 does).
    expect(parseInvitation(el(MEDIATED().replace('crone1@shakespeare.lit/desktop', `${COVEN}/crone1`)), COVEN)?.from).to.equal(`${COVEN}/crone1`);
    // From an occupant or a user's device it is someone pretending to be the room.
    expect(parseInvitation(el(MEDIATED()), `${COVEN}/crone1`)).to.equal(null);
    expect(parseInvitation(el(`<message><x xmlns='jabber:x:conference' jid='${CAVE}/nick'/></message>`), 'crone1@shakespeare.lit/desktop')).to.equal(null);
    expect(parseInvitation(el(`<message><x xmlns='jabber:x:conference'/></message>`), 'crone1@shakespeare.lit/desktop')).to.equal(null);
  });

  it('builds both kinds of invitation and the decline as XEP-0249 Example 1 and XEP-0045 Examples 56 and 59 do', () => {
    expect(strip(buildDirectInvite(ME, CAVE, { password: 'cauldronburn', reason: 'Come.' }).toString())).to.equal(
      `<message to="${ME}"><x xmlns="jabber:x:conference" jid="${CAVE}" password="cauldronburn" reason="Come."/></message>`,
    );
    expect(strip(buildMediatedInvite(COVEN, ME, 'Hey Hecate, this is the place for all good witches!').toString())).to.equal(
      `<message to="${COVEN}"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="${ME}"><reason>Hey Hecate, this is the place for all good witches!</reason></invite></x></message>`,
    );
    expect(strip(buildDecline(COVEN, 'crone1@shakespeare.lit', "Sorry, I'm too busy right now.").toString())).to.equal(
      `<message to="${COVEN}"><x xmlns="http://jabber.org/protocol/muc#user"><decline to="crone1@shakespeare.lit"><reason>Sorry, I'm too busy right now.</reason></decline></x></message>`,
    );
  });
});

async function setup() {
  const db = await openParleyDb(`invitations-${Date.now()}-${n++}`);
  const sent: string[] = [];
  const xmpp = { send: async (m: Element) => void sent.push(strip(m.toString())) };
  const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
  const rooms = new RoomRecorder();
  const plugin = invitations(ctx, rooms);
  const receive = async (stanza: string) => {
    const opened = unwrap(el(stanza), ME);
    if (opened && opened.via !== 'account') await plugin.envelope!(opened as Envelope);
  };
  const shown = async () => (await listInvitations(db)).map(({ ts: _ts, ...i }) => i);
  return { db, sent, rooms, plugin, receive, shown };
}

describe('invitations plugin', () => {
  it('shows both kinds as requests and never joins on its own', async () => {
    const { rooms, receive, shown } = await setup();
    await receive(DIRECT);
    await receive(MEDIATED());
    expect(await shown()).to.have.deep.members([
      { room: CAVE, kind: 'direct', from: 'crone1@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!', password: 'cauldronburn' },
      { room: COVEN, kind: 'mediated', from: 'crone1@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!', password: 'cauldronburn' },
    ]);
    expect(rooms.calls).to.deep.equal([]);
  });

  it('ignores a forged mediated invitation and one to a room already joined', async () => {
    const { rooms, receive, shown } = await setup();
    await receive(MEDIATED(`${COVEN}/crone1`));
    rooms.now.add(CAVE);
    await receive(DIRECT);
    expect(await shown()).to.deep.equal([]);
  });

  it('accepting joins with the invitation\'s password; declining tells the inviter the way it came', async () => {
    const { rooms, receive, shown, plugin, sent } = await setup();
    await receive(DIRECT);
    await receive(MEDIATED());
    await plugin.accept(CAVE, 'Hecate');
    expect(rooms.calls).to.deep.equal([`join ${CAVE} as Hecate with cauldronburn`]);
    await plugin.decline(COVEN, 'Too busy.');
    expect(sent).to.deep.equal([
      `<message to="${COVEN}"><x xmlns="http://jabber.org/protocol/muc#user"><decline to="crone1@shakespeare.lit"><reason>Too busy.</reason></decline></x></message>`,
    ]);
    expect(await shown()).to.deep.equal([]);
    await receive(DIRECT.replace(CAVE, 'heath@macbeth.shakespeare.lit'));
    await plugin.decline('heath@macbeth.shakespeare.lit');
    expect(sent[1]).to.equal(`<message to="crone1@shakespeare.lit" type="chat"><body>I declined your invitation to heath@macbeth.shakespeare.lit.</body></message>`);
  });

  it('sends both kinds', async () => {
    const { plugin, sent } = await setup();
    await plugin.invite(COVEN, 'bard@shakespeare.lit', { reason: ' Come. ' });
    await plugin.invite(COVEN, 'bard@shakespeare.lit', { mediated: true });
    expect(sent).to.deep.equal([
      `<message to="bard@shakespeare.lit"><x xmlns="jabber:x:conference" jid="${COVEN}" reason="Come."/></message>`,
      `<message to="${COVEN}"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="bard@shakespeare.lit"/></x></message>`,
    ]);
  });
});
