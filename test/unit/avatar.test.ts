/**
 * User Avatar (XEP-0084), vCard-based avatars (XEP-0153) and consistent colours (XEP-0392): the specs'
 * examples through the envelope stage and the real plugin into IndexedDB, with each check an image
 * must pass before it is stored (its SHA-1 is its id, it is an image, it is not too large).
 */
import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import type { XmppClient } from '@xmpp/client';
import { colourOf, hueOf } from '../../src/shared/colour.js';
import { avatarOf } from '../../src/storage/avatars.js';
import { openParleyDb } from '../../src/storage/db.js';
import { avatars, encodeBase64, imageType, parseMetadata, parsePhotoHash, refuseAvatar, sha1Hex } from '../../src/worker/avatar.js';
import { unwrap } from '../../src/worker/envelope.js';
import type { PluginContext } from '../../src/worker/plugin.js';
import { JoinedRooms } from '../../src/worker/joined-rooms.js';
import { pubsub } from '../../src/worker/pubsub.js';
import { MAX_AVATAR_BYTES } from '../../src/shared/limits.js';

const ME = 'juliet@capulet.lit';
const ROMEO = 'romeo@montague.lit';
const el = (s: string) => parse(s) as unknown as Element;
let n = 0;

/** The smallest PNG: a 1×1 image. */
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
const TEXT = new TextEncoder().encode('<script>alert(1)</script>');

/** XEP-0084 Example 4: a metadata notification (our id and size). */
const METADATA = (id: string, bytes: number, from = ROMEO) => `<message from='${from}' to='${ME}' type='headline'>
  <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>
    <item id='${id}'><metadata xmlns='urn:xmpp:avatar:metadata'>
      <info bytes='${bytes}' id='${id}' height='1' type='image/png' width='1'/>
      <info bytes='99' id='${'f'.repeat(40)}' type='image/png' url='http://avatars.example.org/x.png'/>
    </metadata></item>
  </items></event>
</message>`;
const DISABLED = `<message from='${ROMEO}' to='${ME}' type='headline'>
  <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>
    <item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item>
  </items></event>
</message>`;

/** `served`: what each contact's data node holds, by item id (XEP-0084 Example 2's answer). */
async function setup(served: Map<string, Uint8Array>) {
  const db = await openParleyDb(`avatar-${Date.now()}-${n++}`);
  const asked: string[] = [];
  const iqCaller = {
    get: async (payload: Element, to: string) => {
      if (payload.name === 'vCard') {
        asked.push(`${to} vCard`);
        const photo = served.get('vcard');
        return el(`<vCard xmlns='vcard-temp'>${photo ? `<PHOTO><TYPE>image/png</TYPE><BINVAL>${encodeBase64(photo)}</BINVAL></PHOTO>` : ''}</vCard>`);
      }
      const id = payload.getChild('items')?.getChild('item')?.attrs.id as string;
      asked.push(`${to} ${id}`);
      const data = served.get(id);
      return el(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>${data ? `<item id='${id}'><data xmlns='urn:xmpp:avatar:data'>${encodeBase64(data)}</data></item>` : ''}</items></pubsub>`);
    },
  };
  await db.put('roster', { jid: ROMEO, groups: [], subscription: 'both', pendingOut: false });
  const ctx: PluginContext = { xmpp: { iqCaller } as unknown as XmppClient, db, jid: ME, rooms: new JoinedRooms(), commit() {}, log() {}, archived: async () => {} };
  const plugin = avatars(ctx, pubsub(ctx));
  const receive = async (stanza: string) => {
    const opened = unwrap(el(stanza), ME);
    if (opened && opened.via !== 'account') await plugin.envelope!(opened);
  };
  return { db, plugin, receive, asked };
}

describe('avatar stanzas', () => {
  it('reads the metadata (XEP-0084 Example 4): the PNG stored on the node, not a URL', async () => {
    const id = await sha1Hex(PNG);
    const items = el(METADATA(id, PNG.length)).getChild('event')!.getChild('items');
    expect(parseMetadata(items)).to.deep.equal({ id, bytes: PNG.length });
    expect(parseMetadata(el(DISABLED).getChild('event')!.getChild('items'))).to.equal(null);
  });

  it('reads the photo hash of a presence (XEP-0153 Example 3), and "no avatar"', () => {
    expect(parsePhotoHash(el(`<presence><x xmlns='vcard-temp:x:update'><photo>01B87FCD030B72895FF8E88DB57EC525450F000D</photo></x></presence>`))).to.equal('01b87fcd030b72895ff8e88db57ec525450f000d');
    expect(parsePhotoHash(el(`<presence><x xmlns='vcard-temp:x:update'><photo/></x></presence>`))).to.equal(null);
    expect(parsePhotoHash(el(`<presence><x xmlns='vcard-temp:x:update'/></presence>`))).to.equal(undefined);
  });

  it('knows an image by its bytes, not its label', () => {
    expect(imageType(PNG)).to.equal('image/png');
    expect(imageType(TEXT)).to.equal(null);
  });

  it('refuses what is no image, too large, or not what its id says', async () => {
    expect(await refuseAvatar(PNG, await sha1Hex(PNG))).to.equal(null);
    expect(await refuseAvatar(TEXT)).to.equal('not an image');
    const big = new Uint8Array(MAX_AVATAR_BYTES + 1);
    big.set(PNG);
    expect(await refuseAvatar(big)).to.match(/more than the limit/);
    expect(await refuseAvatar(PNG, '0'.repeat(40))).to.match(/SHA-1/);
  });

  it('colours names as XEP-0392 §7 says', async () => {
    expect((await hueOf('Romeo')).toFixed(3)).to.equal('327.255');
    expect((await hueOf('juliet@capulet.lit')).toFixed(3)).to.equal('209.410');
    expect(await colourOf('Romeo')).to.match(/^#[0-9a-f]{6}$/);
    expect(await colourOf('Romeo')).to.not.equal(await colourOf('juliet@capulet.lit'));
  });
});

describe('avatar plugin', () => {
  it('fetches an announced avatar from the contact, checks it and shows it; a new one replaces it', async () => {
    const id = await sha1Hex(PNG);
    const second = PNG.slice();
    second[second.length - 1] ^= 1; // still a PNG by its bytes, another hash
    const id2 = await sha1Hex(second);
    const { db, receive, asked } = await setup(new Map([[id, PNG], [id2, second]]));
    await receive(METADATA(id, PNG.length));
    expect(asked).to.deep.equal([`${ROMEO} ${id}`]);
    expect((await avatarOf(db, ROMEO))?.hash).to.equal(id);
    await receive(METADATA(id2, second.length));
    expect((await avatarOf(db, ROMEO))?.hash).to.equal(id2);
    await receive(DISABLED);
    expect(await avatarOf(db, ROMEO)).to.equal(undefined);
  });

  it('fetches a cached image once', async () => {
    const id = await sha1Hex(PNG);
    const { receive, asked } = await setup(new Map([[id, PNG]]));
    await receive(METADATA(id, PNG.length));
    await receive(METADATA(id, PNG.length));
    expect(asked).to.have.length(1);
  });

  it('refuses data whose SHA-1 is not its id', async () => {
    const wrong = '0'.repeat(40);
    const { db, receive } = await setup(new Map([[wrong, PNG]]));
    await receive(METADATA(wrong, PNG.length));
    expect(await avatarOf(db, ROMEO)).to.equal(undefined);
  });

  it('refuses an avatar that is not an image, though its id is right', async () => {
    const id = await sha1Hex(TEXT);
    const { db, receive } = await setup(new Map([[id, TEXT]]));
    await receive(METADATA(id, TEXT.length));
    expect(await avatarOf(db, ROMEO)).to.equal(undefined);
  });

  it('does not fetch an avatar announced as larger than the limit (a 50 MB one)', async () => {
    const id = await sha1Hex(PNG);
    const { db, receive, asked } = await setup(new Map([[id, PNG]]));
    await receive(METADATA(id, 50 * 1024 * 1024));
    expect(asked).to.deep.equal([]);
    expect(await avatarOf(db, ROMEO)).to.equal(undefined);
  });

  it('falls back to the vCard photo a presence names (XEP-0153), checked the same way', async () => {
    const id = await sha1Hex(PNG);
    const { db, plugin, asked } = await setup(new Map([['vcard', PNG]]));
    const presence = (hash: string, from = `${ROMEO}/orchard`) => el(`<presence from='${from}'><x xmlns='vcard-temp:x:update'><photo>${hash}</photo></x></presence>`);
    await plugin.stanza!(presence('0'.repeat(40)));
    expect(await avatarOf(db, ROMEO)).to.equal(undefined);
    await plugin.stanza!(presence(id));
    expect((await avatarOf(db, ROMEO))?.hash).to.equal(id);
    // Someone we do not follow gets no fetch for an image they name.
    await plugin.stanza!(presence(id, 'stranger@evil.example/x'));
    expect(asked).to.deep.equal([`${ROMEO} vCard`, `${ROMEO} vCard`]);
  });

  it('keeps a PEP avatar over a vCard photo hash', async () => {
    const id = await sha1Hex(PNG);
    const { db, plugin, receive } = await setup(new Map([[id, PNG]]));
    await receive(METADATA(id, PNG.length));
    await plugin.stanza!(el(`<presence from='${ROMEO}/orchard'><x xmlns='vcard-temp:x:update'><photo/></x></presence>`));
    expect((await avatarOf(db, ROMEO))?.hash).to.equal(id);
  });

  it('refuses to publish our own avatar when it is not an image', async () => {
    const { plugin } = await setup(new Map());
    let error = '';
    await plugin.publish(TEXT, { width: 1, height: 1 }).catch((err: Error) => (error = err.message));
    expect(error).to.match(/not an image/);
  });
});
