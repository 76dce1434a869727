/**
 * Accounts (XEP-0077) on the real server, through the UI: created from the login screen on a stream
 * of its own and logged in with; a name already taken refused in words; the password changed (a reload
 * still logs in, the new password works and the old one no longer does); the account removed (the
 * server refuses it, nothing stays stored); a server that takes no new accounts says so.
 */
import { after, before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ClientPage, launch, type Profile } from '../harness/browser.js';
import { setup, PASSWORD, SERVER, type Fixture } from '../harness/fixture.js';
import { connectPeer } from '../harness/peer.js';
import { until } from '../harness/wait.js';

const REGISTER = 'parley-client >>> parley-login >>> parley-register >>> ';
const FORM = `${REGISTER}parley-form >>> `;
const ACCOUNT = 'parley-client >>> parley-profile >>> ';
const FIRST = 'first password 1';
const SECOND = 'second password 2';

/** Whether the server takes `user` with `password` (a Node client logging in). */
async function serverAccepts(fx: Fixture, user: string, password: string): Promise<boolean> {
  try {
    const peer = await connectPeer(fx.server, user, password, { resource: 'check' });
    await peer.stop();
    return true;
  } catch {
    return false;
  }
}

const text = (page: ClientPage, selector: string) => page.page.$eval(selector, (e) => e.textContent?.trim() ?? '').catch(() => '');

describe('accounts (XEP-0077)', () => {
  let fx: Fixture;
  let profile: Profile;
  let page: ClientPage;

  before(async () => {
    fx = await setup(['alice'], { registration: true });
    profile = await launch();
    page = await ClientPage.open(profile, fx.url);
  });

  after(async () => {
    await profile?.close();
    await fx?.dispose();
  });

  it('refuses a name already taken in words, then creates the account with another name and logs in', async () => {
    await page.click('parley-client >>> parley-login >>> button.create');
    await page.fill(`${REGISTER}input[name="domain"]`, fx.server.host);
    await page.click(`${REGISTER}form.server button[type="submit"]`);
    // The server's own form (Prosody: a data form; ejabberd: legacy fields), shown by <parley-form>.
    await page.fill(`${FORM}input[name="username"]`, 'alice');
    await page.fill(`${FORM}input[name="password"]`, FIRST);
    await page.click(`${FORM}button[type="submit"]`);
    const refused = await until(() => text(page, `${REGISTER}[role="alert"]`), { what: 'the refusal' });
    assert.match(refused, /^That username is taken: choose another\./);
    assert.equal(await serverAccepts(fx, 'alice', PASSWORD), true, "alice's account is untouched");

    // Same form, same stream: another name.
    await page.fill(`${FORM}input[name="username"]`, 'carol');
    await page.click(`${FORM}button[type="submit"]`);
    await page.waitForStatus('Online');
    assert.equal(await text(page, 'parley-client >>> .jid'), fx.jid('carol'));
    assert.equal(await serverAccepts(fx, 'carol', FIRST), true);
    // Only what a login keeps: no password anywhere in storage.
    assert.ok(!(await page.storedText()).includes(FIRST), 'the password is not stored');
  });

  it('changes the password: a reload logs in again on its own, the new password works and the old one no longer does', async () => {
    await page.click(`${ACCOUNT}button.account`);
    await page.fill(`${ACCOUNT}parley-account >>> input[name="password"]`, SECOND);
    await page.fill(`${ACCOUNT}parley-account >>> input[name="again"]`, SECOND);
    await page.click(`${ACCOUNT}parley-account >>> form.password button[type="submit"]`);
    await until(async () => (await text(page, `${ACCOUNT}parley-account >>> [role="status"]`)) === 'Password changed.', { timeout: 20_000, what: 'password changed' });
    await page.click(`${ACCOUNT}parley-account >>> form[method="dialog"] button`);
    await page.waitForStatus('Online');
    assert.equal(await serverAccepts(fx, 'carol', FIRST), false, 'the old password is refused');
    assert.equal(await serverAccepts(fx, 'carol', SECOND), true);
    assert.ok(!(await page.storedText()).includes(SECOND), 'the new password is not stored');

    // What was stored for reconnecting was made with the new password.
    await page.page.reload();
    await page.waitForStatus('Online', 20_000);

    await page.click('parley-client >>> button.logout');
    await until(() => page.hasLoginForm(), { what: 'the login form' });
    await page.login(fx.jid('carol'), SECOND);
    await page.waitForStatus('Online');
  });

  it('removes the account: the server refuses it and nothing of it stays stored', async () => {
    await page.click(`${ACCOUNT}button.account`);
    await page.click(`${ACCOUNT}parley-account >>> button.remove`); // the confirmation is accepted
    await until(() => page.hasLoginForm(), { timeout: 20_000, what: 'the login form' });
    assert.equal(await serverAccepts(fx, 'carol', SECOND), false, 'the server refuses the removed account');
    const stored = JSON.parse(await page.storedText()) as Record<string, unknown[]>;
    const left = Object.entries(stored).filter(([, rows]) => rows.length).map(([store]) => store);
    assert.deepEqual(left, [], 'every store is empty');
    assert.equal(await serverAccepts(fx, 'alice', PASSWORD), true, 'other accounts stay');
  });
});

describe('a server that takes no new accounts', () => {
  let fx: Fixture;
  let profile: Profile;

  before(async () => {
    fx = await setup(['alice']);
    profile = await launch();
  });

  after(async () => {
    await profile?.close();
    await fx?.dispose();
  });

  it('says so before any form is shown', async () => {
    const page = await ClientPage.open(profile, fx.url);
    await page.click('parley-client >>> parley-login >>> button.create');
    await page.fill(`${REGISTER}input[name="domain"]`, fx.server.host);
    await page.click(`${REGISTER}form.server button[type="submit"]`);
    const said = await until(() => text(page, `${REGISTER}[role="alert"]`), { what: 'the refusal' });
    assert.equal(said, `${fx.server.host} does not offer creating accounts here.`);
    assert.equal(await page.page.$(`${REGISTER}parley-form`), null);
  });
});

// ejabberd draws CAPTCHAs with a program it is given (Prosody's registration has none of its own).
if (SERVER === 'ejabberd') {
  describe('a server that asks a CAPTCHA (XEP-0158)', () => {
    let fx: Fixture;
    let profile: Profile;

    before(async () => {
      fx = await setup(['alice'], { registration: true, captcha: true });
      profile = await launch();
    });

    after(async () => {
      await profile?.close();
      await fx?.dispose();
    });

    it("shows the server's image with its form; the answer read from it creates the account", async () => {
      const page = await ClientPage.open(profile, fx.url);
      await page.click('parley-client >>> parley-login >>> button.create');
      await page.fill(`${REGISTER}input[name="domain"]`, fx.server.host);
      await page.click(`${REGISTER}form.server button[type="submit"]`);
      // The image comes in the stanza itself (Bits of Binary, XEP-0231): nothing is fetched from anyone.
      const img = await page.page.waitForSelector(`${FORM}img`, { visible: true });
      assert.match(String(await img!.evaluate((i) => i.getAttribute('src'))), /^data:image\/png;base64,/);
      const answer = await readFile(join(fx.server.dir, 'captcha-answer'), 'utf8');
      await page.fill(`${FORM}input[name="username"]`, 'dave');
      await page.fill(`${FORM}input[name="password"]`, FIRST);
      await page.fill(`${FORM}input[name="ocr"]`, answer);
      await page.click(`${FORM}button[type="submit"]`);
      await page.waitForStatus('Online');
      assert.equal(await text(page, 'parley-client >>> .jid'), fx.jid('dave'));
      assert.equal(await serverAccepts(fx, 'dave', FIRST), true);
    });
  });
}
