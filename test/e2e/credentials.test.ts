/**
 * Credentials at rest (issue 14, part 5): after a login, nothing the origin keeps holds the password,
 * in any form an attacker reading the disk could use: every IndexedDB database and store, and
 * localStorage and sessionStorage, are searched for the exact string, its UTF-8 and UTF-16 bytes
 * (in binary values too) and their base64 and hex forms. Logout removes the keys or token kept
 * instead. Runs on each server: FAST tokens (Prosody 13, ejabberd) and SCRAM keys (the SASL1 one).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { until } from '../harness/wait.js';

/** Every text a password can be found as: the string, base64 (at each byte alignment) and hex of its UTF-8 and UTF-16 bytes. */
function passwordForms(password: string): { text: string[]; bytes: string[] } {
  const encodings = [Buffer.from(password, 'utf8'), Buffer.from(password, 'utf16le'), Buffer.from(password, 'utf16le').swap16()];
  const text = new Set([password]);
  for (const bytes of encodings) {
    text.add(bytes.toString('hex'));
    text.add(bytes.toString('latin1')); // UTF-16 bytes kept in a string, one char per byte
    // Inside a longer base64 text the password's bytes start at any of three alignments: the
    // groups of four characters that hold only its bytes are the same wherever it sits.
    for (let shift = 0; shift < 3; shift++) {
      const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
      const core = b64.slice(shift ? 4 : 0, b64.length - 4);
      text.add(core);
      text.add(core.replace(/\+/g, '-').replace(/\//g, '_')); // base64url
    }
  }
  return { text: [...text], bytes: encodings.map((b) => b.toString('latin1')) };
}

/**
 * Runs in the page: walks every IndexedDB database of the origin, every store, every record (strings,
 * binary values, blobs), and both Web Storages; returns where any of `forms` was found, and every
 * string seen (to look for tokens later). A string, not a function: tsx-compiled functions call a
 * helper the page lacks.
 */
const SCAN = `async (forms) => {
  const found = [];
  const strings = [];
  const latin1 = (buf) => { let s = ''; const u = new Uint8Array(buf); for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode(...u.subarray(i, i + 8192)); return s; };
  const look = async (v, path, seen) => {
    if (typeof v === 'string') {
      strings.push(v);
      for (const f of forms.text) if (v.includes(f)) found.push(path);
    } else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const s = latin1(v instanceof ArrayBuffer ? v : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      for (const f of [...forms.bytes, ...forms.text]) if (s.includes(f)) found.push(path + ' (bytes)');
    } else if (v instanceof Blob) {
      await look(await v.arrayBuffer(), path + ' (blob)', seen);
    } else if (v && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      for (const [k, x] of entries) {
        await look(String(k), path + ' key', seen);
        await look(x, path + '.' + String(k), seen);
      }
    }
  };
  const stores = [];
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    for (const store of Array.from(db.objectStoreNames)) {
      stores.push(name + '/' + store);
      const [keys, values] = await Promise.all(['getAllKeys', 'getAll'].map((m) => new Promise((ok, fail) => { const r = db.transaction(store).objectStore(store)[m](); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); })));
      await look(keys, name + '/' + store + ' keys', new Set());
      await look(values, name + '/' + store, new Set());
    }
    db.close();
  }
  for (const [label, storage] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      await look(k, label + ' key', new Set());
      await look(storage.getItem(k), label + '.' + k, new Set());
    }
  }
  return { found, strings, stores };
}`;

interface Scan {
  found: string[];
  strings: string[];
  stores: string[];
}

const scan = (page: ClientPage, forms: ReturnType<typeof passwordForms>): Promise<Scan> =>
  page.page.evaluate(`(${SCAN})(${JSON.stringify(forms)})`) as Promise<Scan>;

interface StoredAccount {
  jid: string;
  keys?: { clientKey: string; serverKey: string };
  fast?: { token: string };
}

describe('credentials at rest: no password anywhere the origin stores, and logout removes what replaces it', () => {
  let fx: Fixture;
  let profile: Profile;
  let alice: ClientPage;
  const forms = passwordForms(PASSWORD);

  before(async () => {
    fx = await setup(['alice']);
    profile = await launch();
    alice = await ClientPage.open(profile, fx.url);
  });

  after(async () => {
    await profile?.close();
    await fx?.dispose();
  });

  it('the scan finds a password that is there, in each of its forms', async () => {
    // The scan itself must be able to fail: plant the forms, find each, take them away again.
    const planted = [PASSWORD, Buffer.from(`xy${PASSWORD}`).toString('base64'), Buffer.from(PASSWORD, 'utf16le').toString('base64')];
    await alice.page.evaluate(`(async (planted, bytes) => {
      planted.forEach((p, i) => localStorage.setItem('planted-' + i, p));
      const db = await new Promise((ok) => { const r = indexedDB.open('planted'); r.onupgradeneeded = () => r.result.createObjectStore('s'); r.onsuccess = () => ok(r.result); });
      await new Promise((ok) => { const t = db.transaction('s', 'readwrite'); t.objectStore('s').put({ secret: new Uint8Array(bytes) }, 'k'); t.oncomplete = ok; });
      db.close();
    })(${JSON.stringify(planted)}, ${JSON.stringify([...Buffer.from(PASSWORD, 'utf16le')])})`);
    const { found } = await scan(alice, forms);
    await alice.page.evaluate(`(async () => {
      for (const k of Object.keys(localStorage)) if (k.startsWith('planted-')) localStorage.removeItem(k);
      await new Promise((ok) => { const r = indexedDB.deleteDatabase('planted'); r.onsuccess = ok; });
    })()`);
    for (let i = 0; i < planted.length; i++) assert.ok(found.includes(`localStorage.planted-${i}`), `planted form ${i} found: ${found.join(', ')}`);
    assert.ok(found.includes('planted/s.0.secret (bytes)'), `UTF-16 bytes in a stored value found: ${found.join(', ')}`);
  });

  it('after a login, no store of the origin holds the password; after logout, neither the keys nor the token stay', async () => {
    await alice.login(fx.jid('alice'), PASSWORD);
    await alice.waitForStatus('Online');
    const [account] = (JSON.parse(await alice.storedText()) as { account: StoredAccount[] }).account;
    // What replaces the password: a FAST token where the server offers FAST, else SCRAM keys.
    const secrets = SERVER === 'prosody-sasl1' ? [account?.keys?.clientKey ?? '', account?.keys?.serverKey ?? ''] : [account?.fast?.token ?? ''];
    assert.ok(secrets.length > 0 && secrets.every((s) => typeof s === 'string' && s.length > 10), `credentials kept in place of the password: ${JSON.stringify(Object.keys(account ?? {}))}`);

    const logged = await scan(alice, forms);
    assert.ok(logged.stores.some((s) => s.startsWith('parley/')), `the scan read Parley's stores: ${logged.stores.join(', ')}`);
    assert.deepEqual(logged.found, [], 'no form of the password is stored');
    assert.ok(secrets.every((secret) => logged.strings.some((x) => x.includes(secret))), 'the scan sees the keys or token while logged in');

    await alice.click('parley-client >>> button.logout');
    await until(() => alice.hasLoginForm(), { what: 'the login form' });
    const out = await until(async () => {
      const s = await scan(alice, forms);
      return secrets.every((secret) => !s.strings.some((x) => x.includes(secret))) ? s : undefined;
    }, { what: 'the keys or token gone from every store' });
    assert.deepEqual(out.found, [], 'no form of the password after logout either');
  });
});
