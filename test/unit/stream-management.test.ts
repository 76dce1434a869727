import { expect } from 'chai';
import { parse } from 'ltx';
import { client, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { openParleyDb } from '../../src/storage/db.js';
import { ackWatchdog, countInbound, persistStreamManagement, smAnswers } from '../../src/worker/stream-management.js';

/** A real xmpp.js client with no socket: what it writes is collected, what it reads is fed in. */
function offlineClient(): { xmpp: XmppClient; written: string[]; read(xml: string): void } {
  const xmpp = client({ service: 'ws://127.0.0.1:9/xmpp-websocket', domain: 'localhost' });
  const written: string[] = [];
  xmpp.write = async (data: string) => void written.push(data);
  xmpp.on('error', () => undefined);
  const entity = xmpp as unknown as { _onElement(el: Element): void; Transport: unknown; transports: unknown[] };
  entity.Transport = entity.transports[0]; // the WebSocket transport, as connect() would choose
  // As the parser hands over each top-level element of the stream.
  const read = (xml: string) => entity._onElement(parse(xml) as unknown as Element);
  return { xmpp, written, read };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
/** The h of the last <a/> written. */
const lastAck = (written: string[]) => Number(/<a [^>]*h="(\d+)"/.exec(written.filter((w) => w.startsWith('<a ')).at(-1) ?? '')?.[1]);

describe('stream management inbound count (XEP-0198)', () => {
  it('counts the results of our own IQs, which the IQ caller consumes', async () => {
    const { xmpp, written, read } = offlineClient();
    countInbound(xmpp);
    read(`<enabled xmlns='urn:xmpp:sm:3' id='s1' resume='true'/>`);
    const answered = xmpp.iqCaller.request(parse(`<iq type='get' id='q1'><query xmlns='jabber:iq:roster'/></iq>`) as unknown as Element);
    await settle();
    read(`<iq type='result' id='q1'/>`);
    await answered;
    read(`<message from='bob@localhost/a' type='chat'><body>hi</body></message>`);
    read(`<presence from='bob@localhost/a'/>`);
    read(`<iq type='get' id='p1' from='bob@localhost/a'><ping xmlns='urn:xmpp:ping'/></iq>`);
    read(`<iq type='result' id='not-ours' from='bob@localhost/a'/>`);
    read(`<r xmlns='urn:xmpp:sm:3'/>`);
    await settle();
    expect(lastAck(written)).to.equal(5);
    expect(xmpp.streamManagement.inbound).to.equal(5);
  });

  it('starts from zero at a top-level <enabled/>, and a late reset by xmpp.js loses nothing counted after it', async () => {
    const { xmpp, read } = offlineClient();
    countInbound(xmpp);
    read(`<message from='bob@localhost/a' type='chat'><body>before</body></message>`);
    read(`<enabled xmlns='urn:xmpp:sm:3' id='s1' resume='true'/>`);
    read(`<message from='bob@localhost/a' type='chat'><body>same read</body></message>`);
    xmpp.streamManagement.inbound = 0; // what xmpp.js does a microtask after <enabled/>
    await settle();
    expect(xmpp.streamManagement.inbound).to.equal(1);
  });

  it('starts from zero at <enabled/> inline in a SASL2 success (Bind2), and goes on after an inline <resumed/>', () => {
    const { xmpp, read } = offlineClient();
    const counter = countInbound(xmpp);
    read(`<presence from='bob@localhost/a'/>`);
    read(`<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@localhost/x</authorization-identifier><bound xmlns='urn:xmpp:bind:0'><enabled xmlns='urn:xmpp:sm:3' id='s2' resume='true'/></bound></success>`);
    expect(counter.count).to.equal(0);
    read(`<iq type='result' id='r1'/>`);
    expect(counter.count).to.equal(1);
    counter.restore(41);
    read(`<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@localhost/x</authorization-identifier><resumed xmlns='urn:xmpp:sm:3' previd='s2' h='3'/></success>`);
    read(`<message from='bob@localhost/a' type='chat'><body>after</body></message>`);
    expect(counter.count).to.equal(42);
  });

  it('resumes with the restored count, and a top-level <resumed/> keeps it', () => {
    const { xmpp, read } = offlineClient();
    const counter = countInbound(xmpp);
    counter.restore(600);
    expect(xmpp.streamManagement.inbound).to.equal(600); // what xmpp.js puts in <resume h=…/>
    read(`<resumed xmlns='urn:xmpp:sm:3' previd='s1' h='7'/>`);
    read(`<iq type='result' id='x'/>`);
    expect(counter.count).to.equal(601);
  });

  it('ends at zero when the session goes offline on purpose', () => {
    const { xmpp, read } = offlineClient();
    const counter = countInbound(xmpp);
    read(`<presence from='bob@localhost/a'/>`);
    (xmpp as unknown as { emit(event: string): void }).emit('offline');
    expect(counter.count).to.equal(0);
  });
  it('finds stream-management answers top-level and inline in a SASL2 success (Bind2 <enabled/>, <resumed/>, <failed/>)', () => {
    const names = (xml: string) => smAnswers(parse(xml) as unknown as Element).map((a) => `${a.name}${a.attrs.h ? ` h=${a.attrs.h}` : ''}`);
    expect(names(`<enabled xmlns='urn:xmpp:sm:3' id='s'/>`)).to.deep.equal(['enabled']);
    expect(names(`<resumed xmlns='urn:xmpp:sm:3' previd='s' h='4'/>`)).to.deep.equal(['resumed h=4']);
    expect(names(`<success xmlns='urn:xmpp:sasl:2'><resumed xmlns='urn:xmpp:sm:3' previd='s' h='9'/></success>`)).to.deep.equal(['resumed h=9']);
    expect(names(`<success xmlns='urn:xmpp:sasl:2'><failed xmlns='urn:xmpp:sm:3'/><bound xmlns='urn:xmpp:bind:0'><enabled xmlns='urn:xmpp:sm:3' id='t'/></bound></success>`)).to.deep.equal(['failed', 'enabled']);
    expect(names(`<success xmlns='urn:xmpp:sasl:2'><bound xmlns='urn:xmpp:bind:0'/></success>`)).to.deep.equal([]);
    expect(names(`<a xmlns='urn:xmpp:sm:3' h='1'/>`)).to.deep.equal([]);
    expect(names(`<message><resumed xmlns='urn:xmpp:sm:3' h='1'/></message>`)).to.deep.equal([]);
  });
  it('a new worker resuming inline in SASL2 takes the server’s h as acked, not as stanzas of its empty queue', async () => {
    const db = await openParleyDb(`sm-test-${crypto.randomUUID()}`);
    const { xmpp, read } = offlineClient();
    const counter = countInbound(xmpp);
    await db.put('state', { key: 'sm', id: 's1', jid: 'alice@localhost/x', inbound: 30, outbound: 7 });
    const persistence = persistStreamManagement(xmpp, { db, bareJid: 'alice@localhost', counter, backlog: () => 0, log: () => undefined });
    expect(await persistence.restore()).to.equal(true);
    read(`<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>alice@localhost/x</authorization-identifier><resumed xmlns='urn:xmpp:sm:3' previd='s1' h='10'/></success>`);
    // xmpp.js then acks h - outbound stanzas from its queue, which a new worker has empty.
    expect(xmpp.streamManagement.outbound).to.equal(10);
    expect(counter.count).to.equal(30);
    db.close();
  });
});

describe('the ack watchdog (a dead connection is an unanswered <r/>)', () => {
  /** A client whose disconnect is noted; `tick` feeds it one stanza from the server. */
  function watched(timeout: number, cap: number) {
    const { xmpp, read } = offlineClient();
    let dropped = 0;
    xmpp.disconnect = async () => void (dropped = performance.now());
    ackWatchdog(xmpp, timeout, cap);
    const asked = performance.now();
    xmpp.emit('send', parse(`<r xmlns='urn:xmpp:sm:3'/>`));
    return { asked, dropped: () => dropped, tick: () => read(`<message from='bob@localhost/x' type='chat'><body>flood</body></message>`) };
  }
  const until = async (test: () => boolean) => {
    for (let i = 0; i < 500 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  // Caught by the hostile corpus: a burst of 10,000 stanzas put the <a/> 15 s behind them, and the
  // watchdog dropped a working stream, whose resumption the server then refused.
  it('waits while a burst is still being read (the answer is queued behind it), and drops once it ends', async () => {
    const w = watched(300, 10_000);
    // Four times the timeout of stanzas coming in, none of them the <a/>.
    for (let i = 0; i < 40; i++) {
      w.tick();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(w.dropped(), 'dropped while stanzas still came').to.equal(0);
    const silent = performance.now();
    await until(() => w.dropped() > 0);
    expect(w.dropped() - silent).to.be.within(250, 2000);
  });

  it('stanzas at a person\'s pace do not hold it off: a contact chatting on a half-open network', async () => {
    const w = watched(1000, 10_000);
    while (!w.dropped() && performance.now() - w.asked < 5000) {
      w.tick();
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(w.dropped() - w.asked).to.be.within(950, 2500);
  });

  it('drops all the same at the cap: stanzas that keep coming do not prove the way to the server works', async () => {
    const w = watched(300, 900);
    while (!w.dropped() && performance.now() - w.asked < 5000) {
      w.tick();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(w.dropped() - w.asked).to.be.within(850, 2000);
  });
});
