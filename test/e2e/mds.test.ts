import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer, type Peer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const NS_MDS = 'urn:xmpp:mds:displayed:0';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

describe('message displayed synchronization between own devices (XEP-0490)', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  let phone: Peer;
  let bob: Peer;

  const badge = async () =>
    alice.page.$$eval('parley-client >>> parley-conversations >>> li.conversation', (rows) =>
      rows.map((r) => [r.getAttribute('data-jid'), r.querySelector('.badge')?.textContent?.trim() ?? '']),
    ).then((rows) => rows.find((r) => r[0] === fx.jid('bob'))?.[1]);

  /** The stanza-id alice's server stamped on a message the phone received. */
  const stanzaIdAtPhone = async (body: string) => {
    const el = await phone.waitForBody(body);
    const sid = el.getChildren('stanza-id', 'urn:xmpp:sid:0').find((s: Element) => s.attrs.by === fx.jid('alice'));
    assert.ok(sid?.attrs.id, `stanza-id on "${body}"`);
    return sid.attrs.id as string;
  };

  const displayed = (id: string, by = fx.jid('alice')) =>
    xml('displayed', { xmlns: NS_MDS }, xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by, id }));

  before(async () => {
    fx = await setup(['alice', 'bob']);
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    profile = await launch();
    alice = await ClientPage.loggedIn(profile, fx, 'alice', PASSWORD);
    [phone, bob] = await Promise.all([
      connectPeer(fx.server, 'alice', PASSWORD, { resource: 'phone' }),
      connectPeer(fx.server, 'bob', PASSWORD),
    ]);
  });

  after(async () => {
    await Promise.all([phone?.stop(), bob?.stop()]);
    await profile?.close();
    await fx?.dispose();
  });

  it('read on the phone: the badge in Parley goes without opening the conversation', async () => {
    for (let i = 1; i <= 5; i++) await bob.say(fx.jid('alice'), `bob ${i}`);
    await until(async () => (await badge()) === '5', { what: 'unread 5 for bob' });
    const newest = await stanzaIdAtPhone('bob 5');
    await phone.xmpp.iqCaller.set(
      xml(
        'pubsub',
        { xmlns: NS_PUBSUB },
        xml('publish', { node: NS_MDS }, xml('item', { id: fx.jid('bob') }, displayed(newest))),
        xml(
          'publish-options',
          {},
          xml(
            'x',
            { xmlns: 'jabber:x:data', type: 'submit' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'http://jabber.org/protocol/pubsub#publish-options')),
            xml('field', { var: 'pubsub#persist_items' }, xml('value', {}, 'true')),
            xml('field', { var: 'pubsub#max_items' }, xml('value', {}, 'max')),
            xml('field', { var: 'pubsub#send_last_published_item' }, xml('value', {}, 'never')),
            xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'whitelist')),
          ),
        ),
      ),
    );
    await until(async () => (await badge()) === '', { what: 'bob read through the phone' });
  });

  it('a forged notification from bob changes nothing', async () => {
    await bob.say(fx.jid('alice'), 'bob 6');
    await bob.say(fx.jid('alice'), 'bob 7');
    await until(async () => (await badge()) === '2', { what: 'unread 2 for bob' });
    const newest = await stanzaIdAtPhone('bob 7');
    await bob.xmpp.send(
      xml(
        'message',
        { to: fx.jid('alice'), type: 'headline', id: 'forged' },
        xml('event', { xmlns: 'http://jabber.org/protocol/pubsub#event' }, xml('items', { node: NS_MDS }, xml('item', { id: fx.jid('bob') }, displayed(newest)))),
      ),
    );
    // Had it been believed, the count would restart from 0 and read 1 after this.
    await bob.say(fx.jid('alice'), 'bob 8');
    await until(async () => (await badge()) === '3', { what: 'unread 3 for bob, the forgery ignored' });
  });

  it('read in Parley: the node names the newest message, for the phone to fetch', async () => {
    const newest = await stanzaIdAtPhone('bob 8');
    await alice.page.locator('parley-client >>> parley-conversations >>> li[data-jid="bob@localhost"] button').click();
    await until(async () => (await badge()) === '', { what: 'bob read in Parley' });
    const item = await until(async () => {
      const pubsub = await phone.xmpp.iqCaller.get(xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_MDS })), fx.jid('alice'));
      const found = pubsub?.getChild('items')?.getChildren('item').find((i: Element) => i.attrs.id === fx.jid('bob'));
      const sid = found?.getChild('displayed', NS_MDS)?.getChild('stanza-id', 'urn:xmpp:sid:0');
      return sid?.attrs.id === newest ? sid : undefined;
    }, { what: 'displayed item for bob 8' });
    assert.equal(item.attrs.by, fx.jid('alice'));
    assert.deepEqual(alice.errors, []);
  });
});
