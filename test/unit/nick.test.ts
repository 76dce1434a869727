/**
 * User Nickname (XEP-0172): the spec's examples through the envelope stage and the real plugin into
 * IndexedDB, and the name the pages then show (roster name, else nickname, else local part).
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { displayName } from '../../src/shared/names.js';
import { openParleyDb } from '../../src/storage/db.js';
import { contactNames, listRequests } from '../../src/storage/read.js';
import { unwrap } from '../../src/worker/envelope.js';
import { nicks, parseNick } from '../../src/worker/nick.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import { pubsub } from '../../src/worker/pubsub.js';

const ME = 'juliet@capulet.lit';
const el = (s: string) => parse(s) as unknown as Element;
let n = 0;

/** XEP-0172 Example 3: a PEP notification of Romeo's nickname. */
const EVENT = (nick: string, from = 'romeo@montague.lit') => `<message from='${from}' to='${ME}' type='headline'>
  <event xmlns='http://jabber.org/protocol/pubsub#event'>
    <items node='http://jabber.org/protocol/nick'>
      <item id='current'><nick xmlns='http://jabber.org/protocol/nick'>${nick}</nick></item>
    </items>
  </event>
</message>`;

async function setup() {
  const db = await openParleyDb(`nick-${Date.now()}-${n++}`);
  const published: string[] = [];
  const xmpp = { iqCaller: { set: async (p: Element) => void published.push(p.toString()) } };
  const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
  const pep = pubsub(ctx);
  const plugin = nicks(ctx, pep);
  const receive = async (stanza: string) => {
    const opened = unwrap(el(stanza), ME);
    if (opened?.via === 'account') await pep.account!(opened);
    else if (opened) await plugin.envelope!(opened);
  };
  return { db, plugin, receive, published };
}

describe('nicknames', () => {
  it('reads <nick/> as plain text, tidied and bounded', () => {
    expect(parseNick(el(`<nick xmlns='http://jabber.org/protocol/nick'> Romeo\n\u0007 Montague </nick>`))).to.equal('Romeo Montague');
    expect(parseNick(el(`<nick xmlns='http://jabber.org/protocol/nick'>  </nick>`))).to.equal(null);
    expect(parseNick(el(`<nick xmlns='urn:other'>x</nick>`))).to.equal(null);
    expect(parseNick(el(`<nick xmlns='http://jabber.org/protocol/nick'>${'n'.repeat(500)}</nick>`))).to.have.length(64);
  });

  it('shows the roster name, else the nickname, else the local part', () => {
    expect(displayName('romeo@montague.lit', { name: 'My Romeo', nick: 'Romeo' })).to.equal('My Romeo');
    expect(displayName('romeo@montague.lit', { nick: 'Romeo' })).to.equal('Romeo');
    expect(displayName('romeo@montague.lit')).to.equal('romeo');
  });

  it('stores a contact’s published nickname, and the newest replaces it', async () => {
    const { db, receive } = await setup();
    await receive(EVENT('Romeo'));
    expect((await contactNames(db)).get('romeo@montague.lit')).to.equal('Romeo');
    await receive(EVENT('&lt;b&gt;Romy&lt;/b&gt;'));
    expect((await contactNames(db)).get('romeo@montague.lit')).to.equal('<b>Romy</b>');
  });

  it('prefers the name the user gave over the nickname', async () => {
    const { db, receive } = await setup();
    await db.put('roster', { jid: 'romeo@montague.lit', name: 'R.', groups: [], subscription: 'both', pendingOut: false });
    await receive(EVENT('Romeo'));
    expect((await contactNames(db)).get('romeo@montague.lit')).to.equal('R.');
  });

  it('takes no nickname for a contact from a device of theirs (only their account publishes)', async () => {
    const { db, receive } = await setup();
    await receive(EVENT('Spoofed', 'romeo@montague.lit/orchard'));
    expect((await contactNames(db)).has('romeo@montague.lit')).to.equal(false);
  });

  it('shows the nickname a subscription request carries (XEP-0172 Example 1)', async () => {
    const { db, plugin } = await setup();
    await db.put('requests', { jid: 'narrator@moby-dick.lit', ts: 1 });
    await plugin.stanza!(el(`<presence from='narrator@moby-dick.lit' to='${ME}' type='subscribe'>
      <nick xmlns='http://jabber.org/protocol/nick'>Ishmael</nick></presence>`));
    expect(await listRequests(db)).to.deep.equal([{ jid: 'narrator@moby-dick.lit', ts: 1, nick: 'Ishmael' }]);
  });

  it('publishes our own nickname to PEP and shows it', async () => {
    const { db, plugin, published, receive } = await setup();
    await plugin.publish('  Juliet ');
    expect(published[0]).to.contain(`<publish node="http://jabber.org/protocol/nick"><item id="current"><nick xmlns="http://jabber.org/protocol/nick">Juliet</nick>`);
    expect((await contactNames(db)).get(ME)).to.equal('Juliet');
    // Another device of ours renamed us: the notification comes from our account.
    await receive(EVENT('Jules', ME));
    expect((await contactNames(db)).get(ME)).to.equal('Jules');
  });
});
