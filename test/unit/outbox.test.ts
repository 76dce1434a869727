import { expect } from 'chai';
import xml from '@xmpp/xml';
import { client, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { OutboxRecord } from '../../src/shared/records.js';
import { openParleyDb, type ParleyDb } from '../../src/storage/db.js';
import { storedBlocklist } from '../../src/worker/blocking.js';
import { messages } from '../../src/worker/message.js';
import { outbox } from '../../src/worker/outbox.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { until } from '../harness/wait.js';

const ME = 'alice@localhost';
const BOB = 'bob@localhost';

/** An online xmpp.js client with stream management on and no socket: writes are collected. */
function streamClient(onWrite: (data: string) => Promise<void>): XmppClient {
  const xmpp = client({ service: 'ws://127.0.0.1:9/xmpp-websocket', domain: 'localhost' });
  const entity = xmpp as unknown as { Transport: unknown; transports: unknown[]; status: string };
  entity.Transport = entity.transports[0];
  entity.status = 'online';
  xmpp.write = onWrite;
  xmpp.on('error', () => undefined);
  Object.assign(xmpp.streamManagement, { enabled: true, id: 'stream-1', outbound: 7 });
  return xmpp;
}

function context(xmpp: XmppClient, db: ParleyDb): PluginContext {
  return { xmpp, db, jid: ME, rooms: new JoinedRooms(), commit: () => undefined, log: () => undefined, archived: async () => undefined };
}

describe('outbox', () => {
  let db: ParleyDb;
  beforeEach(async () => {
    db = await openParleyDb(`outbox-test-${crypto.randomUUID()}`);
  });
  afterEach(() => db.close());

  it('stores a message’s stream position before the socket sees it, even when other stanzas are sent meanwhile', async () => {
    const atWrite = new Map<string, OutboxRecord | undefined>();
    const written: string[] = [];
    const xmpp = streamClient(async (data) => {
      written.push(data);
      const id = /<origin-id [^>]*id="([^"]+)"/.exec(data)?.[1];
      if (id) atWrite.set(id, await db.get('outbox', id));
    });
    const box = outbox(context(xmpp, db));
    const chat = messages(context(xmpp, db), box, storedBlocklist(db));
    // Two receipts and a presence race the messages to the socket.
    const others = [xmpp.send(xml('presence')), xmpp.send(xml('message', { to: BOB, id: 'r1' }))];
    const first = await chat.send(BOB, 'one');
    void xmpp.send(xml('message', { to: BOB, id: 'r2' }));
    const second = await chat.send(BOB, 'two');
    await Promise.all(others);
    await box.flush();
    const stanzas = written.filter((w) => /^<(message|presence|iq)/.test(w));
    const position = (id: string) => 7 + stanzas.findIndex((w) => w.includes(`id="${id}"`)) + 1;
    expect(atWrite.get(first)?.sm).to.deep.equal({ id: 'stream-1', seq: position(first) });
    expect(atWrite.get(second)?.sm).to.deep.equal({ id: 'stream-1', seq: position(second) });
    expect(xmpp.streamManagement.outbound_q.map((q) => q.stanza.attrs.id)).to.include.members([first, second]);
  });

  it('a second send with the same page-chosen id stores and sends nothing new', async () => {
    const written: string[] = [];
    const xmpp = streamClient(async (data) => void written.push(data));
    const box = outbox(context(xmpp, db));
    const chat = messages(context(xmpp, db), box, storedBlocklist(db));
    const id = crypto.randomUUID();
    expect(await chat.send(BOB, 'hello', { id })).to.equal(id);
    await box.flush();
    expect(await chat.send(BOB, 'hello', { id })).to.equal(id);
    await box.flush();
    expect(written.filter((w) => w.includes(`<origin-id xmlns="urn:xmpp:sid:0" id="${id}"/>`))).to.have.length(1);
    expect(await db.count('messages')).to.equal(1);
    // Once acked it leaves the outbox, and a late retry still adds nothing.
    const stanza = xmpp.streamManagement.outbound_q.find((q) => q.stanza.attrs.id === id)!.stanza as Element;
    (xmpp.streamManagement as unknown as { emit(event: string, stanza: Element): void }).emit('ack', stanza);
    await until(async () => (await db.count('outbox')) === 0, { what: 'outbox emptied by the ack' });
    await chat.send(BOB, 'hello', { id });
    await box.flush();
    expect(await db.count('messages')).to.equal(1);
    expect(await db.count('outbox')).to.equal(0);
    expect(written.filter((w) => w.includes(`id="${id}"`))).to.have.length(1);
  });
  it('a stanza whose write failed keeps no stream position, stays queued, and goes with the next flush', async () => {
    let socketDead = true;
    const written: string[] = [];
    const xmpp = streamClient(async (data) => {
      if (socketDead && data.startsWith('<message')) throw new Error('socket gone');
      written.push(data);
    });
    const box = outbox(context(xmpp, db));
    const chat = messages(context(xmpp, db), box, storedBlocklist(db));
    const id = await chat.send(BOB, 'will wait');
    await box.flush();
    const record = await db.get('outbox', id);
    expect(record?.originId).to.equal(id);
    expect(record?.sm).to.equal(undefined); // that place in the stream goes to another stanza
    socketDead = false;
    await box.flush();
    expect(written.filter((w) => w.includes(`id="${id}"`))).to.have.length(1);
    expect((await db.get('outbox', id))?.sm).to.deep.equal({ id: 'stream-1', seq: 8 });
  });
});
