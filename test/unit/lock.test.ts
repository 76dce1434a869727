import { expect } from 'chai';
import { AccountOwner, accountLockName } from '../../src/worker/lock.js';

/** Waits for a condition (lock grants and steals are reported asynchronously). */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

const held = async (jid: string) => ((await navigator.locks.query()).held ?? []).some((l) => l.name === accountLockName(jid));

describe('one owner per account (Web Locks)', () => {
  const jid = `lock-${crypto.randomUUID().slice(0, 8)}@example.org`;

  it('the first owner holds the lock; a second waits, and says so, until the first releases it', async () => {
    const first = new AccountOwner(() => undefined, () => undefined);
    const second = new AccountOwner(() => undefined, () => undefined);
    await first.acquire(jid, { waiting: () => expect.fail('nobody held it'), signal: new AbortController().signal });
    expect(await held(jid)).to.equal(true);
    let waited = false;
    const taken = second.acquire(jid, { waiting: () => (waited = true), signal: new AbortController().signal });
    await eventually(() => waited);
    expect(waited).to.equal(true);
    expect(second.jid).to.equal(undefined);
    first.release();
    await taken;
    expect(second.jid).to.equal(jid);
    second.release();
    await eventually(async () => !(await held(jid)));
    expect(await held(jid)).to.equal(false);
  });

  it('a wait can be given up', async () => {
    const first = new AccountOwner(() => undefined, () => undefined);
    const second = new AccountOwner(() => undefined, () => undefined);
    await first.acquire(jid, { waiting: () => undefined, signal: new AbortController().signal });
    const abort = new AbortController();
    const taken = second.acquire(jid, { waiting: () => abort.abort(), signal: abort.signal });
    let gaveUp = false;
    await taken.catch(() => (gaveUp = true));
    expect(gaveUp).to.equal(true);
    expect(second.jid).to.equal(undefined);
    first.release();
  });

  it('a holder whose lock is taken by force is told, and no longer holds it', async () => {
    let stolen = 0;
    const frozen = new AccountOwner(() => undefined, () => stolen++);
    const successor = new AccountOwner(() => undefined, () => undefined);
    await frozen.acquire(jid, { waiting: () => undefined, signal: new AbortController().signal });
    await successor.acquire(jid, { steal: true, waiting: () => expect.fail('a steal does not wait'), signal: new AbortController().signal });
    await eventually(() => stolen > 0);
    expect(stolen).to.equal(1);
    expect(frozen.jid).to.equal(undefined);
    expect(successor.jid).to.equal(jid);
    successor.release();
  });
});
