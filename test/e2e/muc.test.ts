import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, roomOccupants, type Fixture } from '../harness/fixture.js';
import { connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const C = 'parley-client >>> ';
const NS_MUC = 'http://jabber.org/protocol/muc';

/** Group chat (XEP-0045) with two Parley users (alice, bob) and a Node peer (carol) standing for another client. */
describe(`group chat on ${SERVER}`, () => {
  let fx: Fixture;
  let profiles: Profile[];
  let alice: ClientPage;
  let bob: ClientPage;
  let carol: Peer;
  let room: string;
  let stored: (page: ClientPage) => ReturnType<ClientPage['stored']>;

  const groupchat = (body: string, id = crypto.randomUUID()) =>
    carol.xmpp.send(xml('message', { to: room, type: 'groupchat', id }, xml('body', {}, body), xml('origin-id', { xmlns: 'urn:xmpp:sid:0', id })));
  const carolJoins = async (nick: string) => {
    await carol.xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS_MUC }, xml('history', { maxstanzas: '0' }))));
  };
  /** Bodies shown in the open conversation, each with the nick shown on it ('' for ours). */
  const shown = (page: ClientPage) =>
    page.page.$$eval(`${C}parley-conversation >>> [role="log"] li.message`, (lis) =>
      lis.map((li) => `${li.querySelector('.nick')?.textContent ?? ''}: ${li.querySelector('.body')?.textContent ?? ''}`));
  const count = (list: string[], text: string) => list.filter((x) => x === text).length;
  const occupants = (page: ClientPage) =>
    page.page.$$eval(`${C}parley-room >>> parley-occupants >>> li.occupant`, (lis) => lis.map((li) => li.getAttribute('data-nick') ?? ''));

  before(async () => {
    fx = await setup(['alice', 'bob', 'carol']);
    room = `tea@conference.${fx.server.host}`;
    profiles = await Promise.all([launch(), launch()]);
    [alice, bob] = await Promise.all([
      ClientPage.loggedIn(profiles[0]!, fx, 'alice', PASSWORD),
      ClientPage.loggedIn(profiles[1]!, fx, 'bob', PASSWORD),
    ]);
    carol = await connectPeer(fx.server, 'carol', PASSWORD);
    stored = (page) => page.stored(room);
  });

  after(async () => {
    await carol?.stop();
    await Promise.all((profiles ?? []).map((p) => p.close()));
    await fx?.dispose();
  });

  it('alice creates a configured room; it is listed by name with its occupant count', async () => {
    const result = await alice.api<{ status: string; created: boolean }>('createRoom', room, 'alice', {
      'muc#roomconfig_roomname': ['Tea room'],
      'muc#roomconfig_persistentroom': ['1'],
      'muc#roomconfig_publicroom': ['1'],
      'muc#roomconfig_whois': ['anyone'],
    });
    assert.deepEqual(result, { status: 'joined', nick: 'alice', created: true });
    const listed = await until(async () => (await alice.api<{ jid: string; name?: string; occupants?: number }[]>('discoverRooms')).find((r) => r.jid === room), { what: 'room listed' });
    assert.equal(listed.occupants, 1);
    assert.equal(listed.name, 'Tea room');
    await until(async () => (await alice.page.$eval(`${C}parley-conversations >>> li[data-jid="${room}"] .name`, (el) => el.textContent).catch(() => '')) === '# Tea room', { what: 'the room listed by its name' });
    const info = await carol.xmpp.iqCaller.request(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    assert.ok(info.toString().includes('Tea room'), 'the room took the name from the submitted form');
  });

  it('bob joins through the dialog; a taken nick offers another', async () => {
    await carolJoins('carol');
    await until(() => carol.received.find((el) => el.name === 'presence' && el.attrs.from === `${room}/carol`), { what: 'carol in the room' });
    await bob.click(`${C}parley-join >>> button.open-join`);
    await bob.fill(`${C}parley-join >>> input[name="room"]`, room);
    await bob.fill(`${C}parley-join >>> input[name="nick"]`, 'carol');
    await bob.click(`${C}parley-join >>> button[type="submit"]`);
    const offer = await until(async () => bob.page.$eval(`${C}parley-join >>> [role="alert"]`, (el) => el.textContent ?? ''), { what: 'conflict shown' });
    assert.match(offer, /"carol" is taken.*"carol_"/);
    await bob.fill(`${C}parley-join >>> input[name="nick"]`, 'bob');
    await bob.click(`${C}parley-join >>> button[type="submit"]`);
    await until(async () => (await bob.page.$eval(`${C}parley-conversation`, (el) => el.getAttribute('aria-label'))) === `Conversation with ${room}`, { what: 'room open at bob' });
    assert.deepEqual((await until(async () => ((await occupants(bob)).length === 3 ? occupants(bob) : null), { what: 'three occupants' })).sort(), ['alice', 'bob', 'carol']);
  });

  it('everyone sees every message once, ours after its reflection (stored once, acked by it)', async () => {
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    await alice.type('hello from alice');
    await bob.type('hello from bob');
    await groupchat('hello from carol');
    const expected = { alice: [': hello from alice', 'bob: hello from bob', 'carol: hello from carol'], bob: [': hello from bob', 'alice: hello from alice', 'carol: hello from carol'] };
    for (const [page, want] of [[alice, expected.alice], [bob, expected.bob]] as const) {
      const list = await until(async () => ((await shown(page)).length >= 3 ? shown(page) : null), { what: '3 messages shown' });
      for (const line of want) assert.equal(count(list, line), 1, `${line} once in ${list.join(' | ')}`);
    }
    for (const body of ['hello from alice', 'hello from bob', 'hello from carol']) {
      await carol.waitForBody(body);
      assert.equal(carol.received.filter((el) => el.getChildText('body') === body).length, 1);
    }
    const mine = (await stored(alice)).filter((m) => m.body === 'hello from alice');
    assert.equal(mine.length, 1, 'our own message stored once');
    assert.equal(mine[0]!.direction, 'out');
    assert.ok(mine[0]!.stanzaId, 'the reflection gave it the room archive id');
    assert.equal(mine[0]!.state, 'sent');
  });

  it('a nick change keeps who said what', async () => {
    await bob.click(`${C}parley-room >>> button.rename`);
    await bob.fill(`${C}parley-room >>> form.nick input`, 'robert');
    await bob.click(`${C}parley-room >>> form.nick button`);
    await until(async () => (await occupants(alice)).includes('robert'), { what: 'alice sees robert' });
    await bob.type('I am robert now');
    const list = await until(async () => ((await shown(alice)).includes('robert: I am robert now') ? shown(alice) : null), { what: 'new nick shown' });
    assert.equal(count(list, 'bob: hello from bob'), 1, 'the earlier message keeps the earlier nick');
  });

  it('private messages with an occupant stay out of the room', async () => {
    const bobInRoom = `${room}/robert`;
    await carol.xmpp.send(xml('message', { to: bobInRoom, type: 'chat', id: 'pm1' }, xml('body', {}, 'psst, robert'), xml('x', { xmlns: `${NS_MUC}#user` })));
    await until(async () => (await bob.stored(`${room}/carol`)).some((m) => m.body === 'psst, robert'), { what: 'private message stored apart' });
    await bob.click(`${C}parley-room >>> parley-occupants >>> li[data-nick="carol"] button`);
    await bob.click(`${C}parley-room >>> parley-occupants >>> button.private`);
    await until(async () => (await bob.messages()).includes('psst, robert'), { what: 'private conversation open' });
    await bob.type('hi carol, privately');
    const reply = await carol.waitForBody('hi carol, privately');
    assert.equal(reply.attrs.type, 'chat');
    assert.equal(reply.attrs.from, bobInRoom);
    assert.ok(!(await stored(bob)).some((m) => m.body.includes('privately') || m.body.includes('psst')), 'nothing private in the room');
    await bob.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
  });

  it('a message naming our nick counts as a mention', async () => {
    await alice.click(`${C}parley-roster >>> button`); // any other view: the room is not on screen
    await alice.page.evaluate(() => document.querySelector('parley-client')!.setAttribute('open', ''));
    await groupchat('alice: tea is ready');
    const badge = await until(() => alice.page.$eval(`${C}parley-conversations >>> li[data-jid="${room}"] .mentions`, (el) => el.getAttribute('aria-label')).catch(() => null), { what: 'mention badge' });
    assert.equal(badge, '1 mentioning you');
    const mention = (await stored(alice)).find((m) => m.body === 'alice: tea is ready');
    assert.ok(mention);
    await alice.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    await until(async () => (await alice.page.$(`${C}parley-conversation >>> li.message.mention`)) !== null, { what: 'mention highlighted' });
  });

  it('a moderator removes a message: gone from every store, with who and why', async () => {
    await groupchat('buy cheap tea');
    const target = await until(async () => (await stored(alice)).find((m) => m.body === 'buy cheap tea'), { what: 'spam stored' });
    await until(async () => (await stored(bob)).some((m) => m.body === 'buy cheap tea'), { what: 'spam at bob' });
    await alice.api('moderate', room, target.key, 'spam');
    for (const page of [alice, bob]) {
      await until(async () => !(await page.storedText()).includes('buy cheap tea'), { what: 'text gone from storage' });
    }
    const line = await until(async () => (await shown(bob)).find((l) => l.includes('removed by')), { what: 'removal shown' });
    assert.equal(line, 'carol: removed by alice: spam');
  });

  it('an occupant corrects their own message; everyone sees the new text', async () => {
    const own = (await stored(bob)).find((m) => m.body === 'I am robert now')!;
    await bob.api('correct', room, own.key, 'I am Robert now');
    await until(async () => (await stored(alice)).some((m) => m.body === 'I am Robert now'), { what: 'correction at alice' });
    await until(() => carol.received.find((el) => el.getChild('replace', 'urn:xmpp:message-correct:0') && el.attrs.type === 'groupchat'), { what: 'correction in the room' });
    assert.equal((await stored(bob)).filter((m) => m.body === 'I am Robert now').length, 1, 'its reflection changes nothing more');
    // A reaction names the message by the room's id for it; others see whose it is.
    await alice.api('react', room, (await stored(alice)).find((m) => m.body === 'I am Robert now')!.key, ['👍']);
    const reacted = await until(() => carol.received.find((el) => el.getChild('reactions', 'urn:xmpp:reactions:0')), { what: 'reaction in the room' });
    assert.equal(reacted.attrs.type, 'groupchat');
    assert.equal(reacted.getChild('reactions', 'urn:xmpp:reactions:0')!.attrs.id, own.stanzaId ?? (await stored(alice)).find((m) => m.body === 'I am Robert now')!.stanzaId);
    await until(async () => (await bob.page.$(`${C}parley-conversation >>> li.message .reactions button[data-emoji="👍"]`)) !== null, { what: 'bob sees the reaction' });
  });

  it('bad input: forged rooms, occupants and edits are dropped; markup stays text', async () => {
    const aliceMessage = (await stored(bob)).find((m) => m.body === 'hello from alice')!;
    // carol "corrects" and "retracts" alice's message: only alice may.
    await carol.xmpp.send(xml('message', { to: room, type: 'groupchat', id: 'c1' }, xml('body', {}, 'forged'), xml('replace', { xmlns: 'urn:xmpp:message-correct:0', id: aliceMessage.id })));
    await carol.xmpp.send(xml('message', { to: room, type: 'groupchat', id: 'r1' }, xml('retract', { xmlns: 'urn:xmpp:message-retract:1', id: aliceMessage.stanzaId })));
    // A group chat message straight from carol's account (no room), and an occupant presence she makes up.
    const bobJid = (await fx.server.sessions('bob'))[0]!;
    await carol.xmpp.send(xml('message', { to: bobJid, type: 'groupchat', id: 'g1' }, xml('body', {}, 'not from a room')));
    await carol.xmpp.send(xml('presence', { to: bobJid }, xml('x', { xmlns: `${NS_MUC}#user` }, xml('item', { affiliation: 'owner', role: 'moderator' }))));
    // Markup in a subject and a nick.
    await alice.api('setSubject', room, '<b>bold</b> & <img src=x onerror=alert(1)>');
    await carolJoins('<i>carol</i>');
    await groupchat('after the tricks');
    await until(async () => (await shown(bob)).includes('<i>carol</i>: after the tricks'), { what: 'markup nick shown as text' });
    const subject = await until(() => bob.page.$eval(`${C}parley-room >>> .subject`, (el) => el.textContent).catch(() => null), { what: 'subject' });
    assert.equal(subject, '<b>bold</b> & <img src=x onerror=alert(1)>');
    assert.equal(await bob.page.$(`${C}parley-room >>> .subject b, ${C}parley-room >>> img, ${C}parley-conversation >>> li i`), null);
    const after = (await stored(bob)).find((m) => m.key === aliceMessage.key)!;
    assert.equal(after.body, 'hello from alice', 'not corrected or retracted by another occupant');
    const text = await bob.storedText();
    assert.ok(!text.includes('not from a room'), 'a groupchat message from outside a room is not stored');
    assert.deepEqual((await occupants(bob)).filter((n) => n.includes('carol@')), []);
    assert.ok(!text.includes(`"room":"carol@`), 'no occupant stored for a made-up room');
  });

  it('kick and ban: the banned user cannot come back', async () => {
    await alice.click(`${C}parley-room >>> parley-occupants >>> li[data-nick="<i>carol</i>"] button`);
    await alice.click(`${C}parley-room >>> parley-occupants >>> .actions ::-p-text(Kick)`);
    await until(() => carol.received.find((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.toString().includes('code="307"')), { what: 'carol kicked' });
    await carolJoins('carol');
    await until(async () => (await occupants(alice)).includes('carol'), { what: 'carol back' });
    await alice.click(`${C}parley-room >>> parley-occupants >>> li[data-nick="carol"] button`);
    const ban = await alice.page.waitForSelector(`${C}parley-room >>> parley-occupants >>> .actions ::-p-text(Ban)`, { visible: true });
    await ban!.click();
    await until(() => carol.received.find((el) => el.name === 'presence' && el.attrs.type === 'unavailable' && el.toString().includes('code="301"')), { what: 'carol banned' });
    const before = carol.received.length;
    await carolJoins('carol again');
    const refusal = await until(() => carol.received.slice(before).find((el) => el.name === 'presence' && el.attrs.type === 'error'), { what: 'rejoin refused' });
    assert.ok(refusal.getChild('error')?.getChild('forbidden'), 'banned: forbidden');
    assert.ok(!(await occupants(alice)).includes('carol again'));
  });

  it('after a new session bob is back in the room, with what he missed fetched once from its archive', async () => {
    await bob.closeLast();
    await alice.type('while bob was away 1');
    await alice.type('while bob was away 2');
    await until(async () => (await stored(alice)).filter((m) => m.body.startsWith('while bob was away') && m.stanzaId).length === 2, { what: 'reflected' });
    bob = await ClientPage.open(profiles[1]!, fx.url);
    await bob.waitForStatus('Online');
    await until(async () => (await alice.page.$(`${C}parley-room >>> parley-occupants >>> li[data-nick="robert"]`)) !== null, { what: 'bob rejoined as robert' });
    await bob.click(`${C}parley-conversations >>> li[data-jid="${room}"] button`);
    const list = await until(async () => ((await shown(bob)).includes('alice: while bob was away 2') ? shown(bob) : null), { what: 'missed messages' });
    for (const line of ['alice: while bob was away 1', 'alice: while bob was away 2', 'alice: hello from alice', ': hello from bob']) assert.equal(count(list, line), 1, `${line} in ${list.join(' | ')}`);
    const bodies = (await stored(bob)).map((m) => m.body).filter(Boolean);
    assert.equal(bodies.length, new Set(bodies).size, `nothing stored twice: ${bodies.join(' | ')}`);
  });

  it('a room that silently lost us is found by self-ping and joined again', async () => {
    const occupants = roomOccupants(fx, room);
    // The room forgets bob's occupant without telling anyone, as a room restarted without its state would.
    await occupants.forget('robert');
    assert.equal(await occupants.has('robert'), false);
    // bob looks at his page again (another tab came and went): the rooms are checked (at most every 5 s).
    const back = async () => {
      if (await occupants.has('robert')) return true;
      const other = await profiles[1]!.browser.newPage();
      await other.close();
      await bob.page.bringToFront();
      return false;
    };
    await until(back, { what: 'bob back in the room', timeout: 20_000, interval: 1000 });
  });

  it('the owner grants admin (a moderator with it), then destroys the room; the others are told why', async () => {
    const roomOf = async (page: ClientPage) => (JSON.parse(await page.storedText()) as { rooms: { jid: string; affiliation?: string; role?: string; state: string; reason?: string }[] }).rooms.find((r) => r.jid === room);
    await alice.click(`${C}parley-room >>> parley-occupants >>> li[data-nick="robert"] button`);
    await alice.click(`${C}parley-room >>> parley-occupants >>> .actions ::-p-text(Make admin)`);
    await until(async () => (await roomOf(bob))?.affiliation === 'admin', { what: 'bob is admin' });
    // An admin is a moderator while in the room (XEP-0045 §5.1.2).
    await until(async () => (await roomOf(bob))?.role === 'moderator', { what: 'bob is moderator' });
    // Bob joined it from the app, so it is bookmarked (XEP-0402) for his next login.
    assert.ok(await bob.record('bookmarks', room), 'bookmarked at bob');
    await alice.api('destroyRoom', room, 'tea is over');
    const state = await until(() => bob.page.$eval(`${C}parley-room >>> .state`, (el) => el.textContent).catch(() => null), { what: 'bob told' });
    assert.equal(state, 'The room was closed: tea is over');
    // A room that is no more is not joined again at his next login (autojoin would create it anew).
    await until(async () => (await bob.record('bookmarks', room)) === undefined, { what: "the closed room's bookmark gone at bob" });
    await until(async () => (await roomOf(alice)) === undefined, { what: 'gone from alice' });
  });
});
