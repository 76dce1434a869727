/**
 * A forged archive result is dropped because of each check on its own: one from someone else that
 * answers our real query, and one from our own account that answers no query of ours. The archive
 * plugin runs against a real IndexedDB; a stand-in connection answers its query.
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { openParleyDb } from '../../src/storage/db.js';
import { listMessages } from '../../src/storage/read.js';
import { mam } from '../../src/worker/mam.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import type { PluginContext } from '../../src/worker/plugin.js';

const ME = 'alice@localhost';
const BOB = 'bob@localhost';
let n = 0;

/** A result wrapper from `from` (none: omitted) for `queryid`, forwarding a message of bob's. */
const result = (from: string | null, queryid: string, id: string, body: string) =>
  `<message ${from === null ? '' : `from='${from}'`} to='${ME}/web'><result xmlns='urn:xmpp:mam:2' queryid='${queryid}' id='${id}'>
    <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:00Z'/>
    <message from='${BOB}/phone' to='${ME}' type='chat' id='${id}'><body>${body}</body></message></forwarded></result></message>`;

/**
 * Runs the forward catch-up once. While our query is open, the stand-in server delivers what
 * `during(queryid)` makes of our queryid, then one genuine result, then the end of the page.
 */
async function catchUpWith(during: (queryid: string) => string[]): Promise<string[]> {
  const db = await openParleyDb(`mam-forged-${Date.now()}-${n++}`);
  const listeners: ((el: Element) => void)[] = [];
  const deliver = (xml: string) => listeners.forEach((l) => l(parse(xml) as unknown as Element));
  const xmpp = {
    on: (event: string, l: (el: Element) => void) => void (event === 'stanza' && listeners.push(l)),
    iqCaller: {
      async request(iq: Element) {
        const queryid = iq.getChild('query', 'urn:xmpp:mam:2')!.attrs.queryid as string;
        for (const xml of during(queryid)) deliver(xml);
        deliver(result(ME, queryid, 'real-1', 'genuine history'));
        return parse(`<iq type='result'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><last>real-1</last></set></fin></iq>`);
      },
    },
  };
  const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
  const plugin = mam(ctx);
  await plugin.online!();
  await plugin.caughtUp();
  const bodies = (await listMessages(db, BOB)).map((m) => m.body);
  db.close();
  return bodies;
}

describe('archive results (XEP-0313) forged', () => {
  it('stores a genuine result: our own account, answering our query (with or without `from`)', async () => {
    expect(await catchUpWith((q) => [result(null, q, 'real-0', 'from our account, no from')])).to.deep.equal([
      'from our account, no from', 'genuine history',
    ]);
  });

  it('drops a result that answers our real query but comes from another user', async () => {
    expect(await catchUpWith((q) => [result(`${BOB}/phone`, q, 'f1', 'forged by bob'), result(BOB, q, 'f2', 'forged by bob, bare')])).to.deep.equal([
      'genuine history',
    ]);
  });

  it('drops a result from a device of ours (a full JID is a client, not our archive)', async () => {
    expect(await catchUpWith((q) => [result(`${ME}/phone`, q, 'f3', 'forged by a device')])).to.deep.equal(['genuine history']);
  });

  it('drops a result from our own account that answers no query of ours', async () => {
    expect(await catchUpWith(() => [result(ME, 'guessed-queryid', 'f4', 'not an answer to us')])).to.deep.equal(['genuine history']);
  });
});
