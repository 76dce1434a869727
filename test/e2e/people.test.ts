/**
 * People (issue 12 part B), lean: what bob sees of alice, both in Parley (two browser profiles) on the
 * real server: her avatar (XEP-0084), picked in the page, cropped and sized there, replaced by a new one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml from '@xmpp/xml';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, type Fixture } from '../harness/fixture.js';
import { befriend, connectPeer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

/** Picks a `width`×`height` image of one colour (or, `notImage`, a text file labelled PNG) in alice's avatar picker. */
async function pickAvatar(page: ClientPage, colour: string, { width = 300, height = 200, notImage = false } = {}): Promise<void> {
  await page.page.evaluate(
    async (fill, w, h, text) => {
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext('2d')!;
      g.fillStyle = fill;
      g.fillRect(0, 0, w, h);
      const blob = text ? new Blob(['<b>not an image</b>'], { type: 'image/png' }) : await canvas.convertToBlob({ type: 'image/png' });
      const input = document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-profile')!.shadowRoot!.querySelector('input[type=file]') as HTMLInputElement;
      const files = new DataTransfer();
      files.items.add(new File([blob], 'me.png', { type: 'image/png' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change'));
    },
    colour, width, height, notImage,
  );
}

/** The avatar a roster row shows: the image's hash and pixel size, or its letter. */
async function shownAvatar(page: ClientPage, jid: string): Promise<{ hash?: string; size?: string; letter?: string }> {
  return page.page.evaluate((who) => {
    const roster = document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-roster')!.shadowRoot!;
    const avatar = roster.querySelector(`li[data-jid="${who}"] parley-avatar`)?.shadowRoot;
    const img = avatar?.querySelector('img');
    if (img) return img.complete && img.naturalWidth ? { hash: img.dataset.hash!, size: `${img.naturalWidth}x${img.naturalHeight}` } : {};
    return { letter: avatar?.querySelector('span')?.textContent ?? '' };
  }, jid);
}

const profileError = (page: ClientPage) =>
  page.page.evaluate(() => document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-profile')!.shadowRoot!.querySelector('[role=alert]')!.textContent ?? '');

/** Runs `script` on the shadow root of `path` (element names from the document down) and returns its result. */
const inShadow = <T>(page: ClientPage, path: string[], script: string): Promise<T> =>
  page.page.evaluate(`(() => { let root = document; for (const name of ${JSON.stringify(path)}) root = root.querySelector(name).shadowRoot; ${script} })()`) as Promise<T>;

/** The upload service's limit in this suite. */
const LIMIT = 6 * 1024 * 1024;

/** Drops a generated file on alice's composer: a PNG of random pixels (about 5.4 MB at 1300×1200), or `bytes` of zeros. */
async function dropFile(page: ClientPage, { width = 1300, height = 1200, bytes = 0 } = {}): Promise<number> {
  return page.page.evaluate(async (w, h, n) => {
    let blob: Blob;
    if (n) blob = new Blob([new Uint8Array(n)], { type: 'application/octet-stream' });
    else {
      const canvas = new OffscreenCanvas(w, h);
      const pixels = new ImageData(w, h);
      // Random pixels, so PNG cannot shrink them; opaque, so every colour byte counts.
      for (let i = 0; i < pixels.data.length; i += 65536) crypto.getRandomValues(new Uint8Array(pixels.data.buffer, i, Math.min(65536, pixels.data.length - i)));
      for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
      canvas.getContext('2d')!.putImageData(pixels, 0, 0);
      blob = await canvas.convertToBlob({ type: 'image/png' });
    }
    const file = new File([blob], n ? 'big.bin' : 'photo.png', { type: blob.type });
    const composer = document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-composer')!.shadowRoot!;
    const drop = new DataTransfer();
    drop.items.add(file);
    composer.querySelector('form')!.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
    return file.size;
  }, width, height, bytes);
}

const upload = ['parley-client', 'parley-composer', 'parley-upload'];

/** An uncompressed 24-bit BMP of `width`×`height` black pixels (`width` a multiple of 4, so rows need no padding). */
function bmp(width: number, height: number): Buffer {
  const data = width * height * 3;
  const file = Buffer.alloc(54 + data);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(54 + data, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(data, 34);
  return file;
}

describe('people', () => {
  let fx: Fixture;
  let aliceProfile: Profile;
  let bobProfile: Profile;
  let alice: ClientPage;
  let bob: ClientPage;

  before(async () => {
    fx = await setup(['alice', 'bob'], { upload: { maxBytes: LIMIT } });
    await befriend(fx.server, ['alice', PASSWORD], ['bob', PASSWORD]);
    aliceProfile = await launch();
    bobProfile = await launch();
    alice = await ClientPage.loggedIn(aliceProfile, fx, 'alice', PASSWORD);
    bob = await ClientPage.loggedIn(bobProfile, fx, 'bob', PASSWORD);
  });

  after(async () => {
    await aliceProfile?.close();
    await bobProfile?.close();
    await fx?.dispose();
  });

  it('shows a letter where a contact has no avatar', async () => {
    await until(async () => (await shownAvatar(bob, fx.jid('alice'))).letter === 'A', { what: 'a letter for alice' });
  });

  it('an avatar alice picks appears for bob, square and at most 192 px; a new one replaces it', async () => {
    await pickAvatar(alice, '#c00');
    const first = await until(async () => (await shownAvatar(bob, fx.jid('alice'))).hash, { what: "alice's avatar at bob's" });
    assert.equal((await shownAvatar(bob, fx.jid('alice'))).size, '192x192');
    // Alice sees her own too.
    await until(async () => (await alice.page.evaluate(() => !!document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-profile')!.shadowRoot!.querySelector('parley-avatar')!.shadowRoot!.querySelector('img'))), { what: 'her own avatar' });
    await pickAvatar(alice, '#00c', { width: 100, height: 160 });
    await until(async () => {
      const now = await shownAvatar(bob, fx.jid('alice'));
      return now.hash && now.hash !== first && now.size === '100x100';
    }, { what: 'the new avatar replaces the first' });
  });

  it('refuses an avatar that is not an image, in the page and in the worker', async () => {
    await pickAvatar(alice, '', { notImage: true });
    await until(async () => /cannot be read/.test(await profileError(alice)), { what: 'error shown' });
    const answer = await alice.page.evaluate(async (url) => {
      const { parley } = (await import(url)) as typeof import('../../src/parley.js');
      return parley().api.setAvatar(new TextEncoder().encode('<b>not an image</b>').buffer, { width: 1, height: 1 }).then(() => 'published', (e: Error) => e.message);
    }, '/dist/parley.js');
    assert.match(answer, /not an image/);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });

  it('refuses a 50 MB image, picked or dropped, at once with a clear error, publishing nothing', async () => {
    // A real image (an uncompressed 4200×4200 BMP, 50.5 MB) a browser could decode, written to disk and picked as a person would.
    const dir = await mkdtemp(join(tmpdir(), 'parley-avatar-'));
    const path = join(dir, 'huge.bmp');
    await writeFile(path, bmp(4200, 4200));
    const own = await connectPeer(fx.server, 'alice', PASSWORD, { resource: 'check' });
    // Alice's published avatar, asked of the server (XEP-0084 metadata in her PEP).
    const published = async () =>
      (await own.xmpp.iqCaller.get(xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('items', { node: 'urn:xmpp:avatar:metadata' })), fx.jid('alice')))!
        .getChild('items')!.getChild('item')?.attrs.id as string | undefined;
    try {
      const before = await published();
      assert.ok(before, 'the avatar of the test before');
      const input = await alice.page.$('parley-client >>> parley-profile >>> input[type=file]');
      await input!.uploadFile(path);
      // At once: well before a decode of 17 million pixels could have ended.
      await until(async () => (await profileError(alice)) === 'This image is 50.5 MB: choose one of at most 20.0 MB.', { what: 'the size error shown', timeout: 3000 });
      // The page still answers, and the picker is ready for another image.
      assert.equal(await alice.page.$eval('parley-client >>> parley-profile >>> input[type=file]', (el) => (el as HTMLInputElement).disabled), false);
      // Dropped on the avatar instead: the same.
      await alice.page.evaluate(() => {
        const label = document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-profile')!.shadowRoot!.querySelector('label')!;
        const drop = new DataTransfer();
        drop.items.add(new File([new Uint8Array(50 * 1024 * 1024)], 'huge.png', { type: 'image/png' }));
        label.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
      });
      await until(async () => (await profileError(alice)) === 'This image is 50.0 MB: choose one of at most 20.0 MB.', { what: 'the same error for a drop' });
      assert.equal(await published(), before, 'no avatar published');
      assert.deepEqual(alice.errors, []);
    } finally {
      await own.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a card alice edits is read back by bob, markup and a javascript: URL shown as text', async () => {
    await alice.click('parley-client >>> parley-profile >>> button');
    const form = ['parley-client', 'parley-profile', 'parley-card'];
    await until(() => inShadow<boolean>(alice, form, `return !!root.querySelector('form input[name=fn]');`), { what: 'card form' });
    const fields = { fn: 'Alice <b>Liddell</b>', nickname: 'Al', email: 'alice@example.org', tel: '+44 1865', note: '<img src=x onerror=alert(1)>', url: 'javascript:alert(1)' };
    await inShadow(alice, form, `const f = ${JSON.stringify(fields)};
      for (const [k, v] of Object.entries(f)) root.querySelector('[name=' + k + ']').value = v;
      root.querySelector('form button[type=submit]').click();`);
    await until(() => inShadow<boolean>(alice, form, `return !root.querySelector('dialog').open;`), { what: 'saved' });

    await bob.click(`parley-client >>> parley-roster >>> button[aria-label="Card of ${fx.jid('alice')}"]`);
    const card = ['parley-client', 'parley-roster', 'parley-card'];
    const shown = await until(() => inShadow<Record<string, string> | null>(bob, card,
      `const dds = [...root.querySelectorAll('dd')]; return dds.length ? Object.fromEntries(dds.map((d) => [d.className, d.textContent])) : null;`), { what: "alice's card at bob's" });
    // Her local time may be there too (XEP-0202, the services test checks it): the fields are what she wrote.
    const { time: _time, ...written } = shown;
    assert.deepEqual(written, fields);
    // Nothing in it became markup: no element from the fields, and the URL is no link.
    assert.equal(await inShadow<number>(bob, card, `return root.querySelectorAll('dd b, dd img, dd a').length;`), 0);

    // Read back by alice too, and a safe URL is a link.
    await alice.api('setCard', { ...fields, url: 'https://example.org/alice' });
    await bob.page.keyboard.press('Escape');
    await bob.click(`parley-client >>> parley-roster >>> button[aria-label="Card of ${fx.jid('alice')}"]`);
    await until(() => inShadow<string | null>(bob, card, `return root.querySelector('dd.url a')?.getAttribute('href');`).then((h) => h === 'https://example.org/alice'), { what: 'the link' });
    assert.deepEqual(await alice.api('card', fx.jid('alice')), { ...fields, url: 'https://example.org/alice' });
    await bob.page.keyboard.press('Escape');
    await until(() => inShadow<boolean>(bob, card, `return !root.querySelector('dialog').open;`), { what: 'card closed' });
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });

  it('a 5 MB image alice drops is uploaded with visible progress and shown to bob', async () => {
    await alice.open(fx.jid('bob'));
    await bob.open(fx.jid('alice'));
    // A slow uplink, so the progress bar is seen moving (the XMPP stream runs in the worker, unthrottled).
    const cdp = await alice.page.createCDPSession();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * 1024 * 1024 });
    const size = await dropFile(alice);
    assert.ok(size > 4.5 * 1024 * 1024 && size < LIMIT, `a ${size}-byte image`);
    const seen = await until(() => inShadow<{ value: number; max: number } | null>(alice, upload, `const e = root.querySelector('[role=alert]'); if (e) throw new Error(e.textContent);` +
      `const p = root.querySelector('progress'); return p && p.value > 0 && p.value < p.max ? { value: p.value, max: p.max } : null;`), { what: 'progress part way' });
    assert.equal(seen.max, size);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const shown = await until(() => bob.page.evaluate(() => {
      const log = document.querySelector('parley-client')!.shadowRoot!.querySelector('parley-conversation')!.shadowRoot!;
      const img = log.querySelector('parley-attachment')?.shadowRoot?.querySelector('img');
      return img?.complete && img.naturalWidth ? `${img.naturalWidth}x${img.naturalHeight} ${new URL(img.src).protocol}` : '';
    }), { what: 'the image at bob\'s', timeout: 20_000 });
    assert.equal(shown, '1300x1200 http:');
    assert.equal(await inShadow<boolean>(alice, upload, `return !root.querySelector('progress');`), true);
  });

  it('an upload cancelled part way sends nothing', async () => {
    const before = (await alice.stored(fx.jid('bob'))).length;
    const cdp = await alice.page.createCDPSession();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await dropFile(alice);
    await until(() => inShadow<boolean>(alice, upload, `const p = root.querySelector('progress'); return !!p && p.value > 0;`), { what: 'upload under way' });
    await alice.click('parley-client >>> parley-composer >>> parley-upload >>> button.cancel-upload');
    const error = await until(() => inShadow<string>(alice, upload, `return root.querySelector('[role=alert]')?.textContent ?? '';`), { what: 'cancel shown' });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    assert.equal(error, 'Upload cancelled.');
    assert.equal((await alice.stored(fx.jid('bob'))).length, before);
  });

  it('a file over the server\'s limit is refused before any upload', async () => {
    const before = (await alice.stored(fx.jid('bob'))).length;
    await dropFile(alice, { bytes: LIMIT + 1 });
    const error = await until(() => inShadow<string>(alice, upload, `return root.querySelector('[role=alert]')?.textContent ?? '';`), { what: 'error shown' });
    assert.match(error, /too large.*at most 6291456/);
    assert.equal(await inShadow<boolean>(alice, upload, `return !root.querySelector('progress');`), true);
    assert.equal((await alice.stored(fx.jid('bob'))).length, before);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });
});
