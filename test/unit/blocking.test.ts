import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { applyBlockPush, listBlocked, replaceBlocked } from '../../src/storage/blocklist.js';
import { openParleyDb } from '../../src/storage/db.js';
import { listMessages } from '../../src/storage/read.js';
import { blocking, storedBlocklist, buildBlock, buildBlocklistRequest, buildUnblock, isBlocked, parseItems } from '../../src/worker/blocking.js';
import { arrived } from '../../src/worker/clock.js';
import { messages } from '../../src/worker/message.js';
import { outbox } from '../../src/worker/outbox.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import { handleBatch } from '../../src/worker/session.js';

describe('blocking (XEP-0191) and spam reporting (XEP-0377)', () => {
  it('builds the blocklist request, block (with a spam report) and unblock', () => {
    expect(buildBlocklistRequest().toString()).to.equal('<blocklist xmlns="urn:xmpp:blocking"/>');
    expect(buildBlock('romeo@montague.net').toString()).to.equal('<block xmlns="urn:xmpp:blocking"><item jid="romeo@montague.net"/></block>');
    expect(buildBlock('romeo@montague.net', true).toString()).to.equal(
      '<block xmlns="urn:xmpp:blocking"><item jid="romeo@montague.net"><report xmlns="urn:xmpp:reporting:1" reason="urn:xmpp:reporting:spam"/></item></block>',
    );
    expect(buildUnblock('romeo@montague.net').toString()).to.equal('<unblock xmlns="urn:xmpp:blocking"><item jid="romeo@montague.net"/></unblock>');
  });

  it('parses a blocklist, leaving out items without a usable JID', () => {
    const list = parse(`<blocklist xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/><item jid='iago@shakespeare.lit'/><item/><item jid=''/></blocklist>`);
    expect(parseItems(list)).to.deep.equal(['romeo@montague.net', 'iago@shakespeare.lit']);
    expect(parseItems(parse(`<unblock xmlns='urn:xmpp:blocking'/>`))).to.deep.equal([]);
  });

  it('matches a sender by full JID, bare JID or domain', () => {
    const blocked = new Set(['romeo@montague.net', 'spam.example', 'nurse@capulet.lit/balcony']);
    expect(isBlocked(blocked, 'romeo@montague.net/orchard')).to.equal(true);
    expect(isBlocked(blocked, 'anyone@spam.example/x')).to.equal(true);
    expect(isBlocked(blocked, 'nurse@capulet.lit/balcony')).to.equal(true);
    expect(isBlocked(blocked, 'nurse@capulet.lit/kitchen')).to.equal(false);
    expect(isBlocked(blocked, 'juliet@capulet.lit/balcony')).to.equal(false);
  });

  it('keeps the list as pushed, an empty unblock clearing it, and never stores what a blocked sender sends', async () => {
    const db = await openParleyDb(`blocking-${crypto.randomUUID()}`);
    await replaceBlocked(db, ['romeo@montague.net', 'iago@shakespeare.lit']);
    await applyBlockPush(db, false, ['iago@shakespeare.lit']);
    await applyBlockPush(db, true, ['bob@localhost']);
    expect(await listBlocked(db)).to.deep.equal(['bob@localhost', 'romeo@montague.net']);
    // The server's pushes reach the blocking plugin's handlers, as in a session.
    const pushes = new Map<string, (ctx: { stanza: Element; element: Element }) => Promise<unknown>>();
    const iqCallee = { set: (_ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => Promise<unknown>) => pushes.set(name, handler) };
    const xmpp = { status: 'offline', streamManagement: { on() {} }, bind2: { use() {} }, send: async () => undefined, iqCallee };
    const ctx: PluginContext = { xmpp: xmpp as unknown as XmppClient, db, jid: 'alice@localhost', rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
    const blocklist = storedBlocklist(db);
    blocking(ctx, blocklist);
    const plugin = messages(ctx, outbox(ctx), blocklist);
    const from = (jid: string, body: string) => {
      const el = parse(`<message from='${jid}/x' to='alice@localhost/web' type='chat' id='${crypto.randomUUID()}'><body>${body}</body></message>`) as unknown as Element;
      arrived(el);
      return el;
    };
    await handleBatch([plugin], [from('bob@localhost', 'blocked'), from('carol@localhost', 'welcome')], 'alice@localhost', () => undefined);
    expect((await listMessages(db, 'bob@localhost')).map((m) => m.body)).to.deep.equal([]);
    expect((await listMessages(db, 'carol@localhost')).map((m) => m.body)).to.deep.equal(['welcome']);
    const unblockAll = parse(`<iq type='set' id='u1'><unblock xmlns='urn:xmpp:blocking'/></iq>`) as unknown as Element;
    await pushes.get('unblock')!({ stanza: unblockAll, element: unblockAll.getChild('unblock')! });
    expect(await listBlocked(db)).to.deep.equal([]);
    await handleBatch([plugin], [from('bob@localhost', 'unblocked')], 'alice@localhost', () => undefined);
    expect((await listMessages(db, 'bob@localhost')).map((m) => m.body)).to.deep.equal(['unblocked']);
  });
});
