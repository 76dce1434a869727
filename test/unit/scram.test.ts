import { expect } from 'chai';
import {
  ScramClient,
  ScramError,
  ScramKeysStaleError,
  pickMechanism,
  type ScramKeys,
  type ScramMechanism,
} from '../../src/worker/scram.js';

interface Vector {
  mechanism: ScramMechanism;
  nonce: string;
  clientFirst: string;
  serverFirst: string;
  clientFinal: string;
  serverFinal: string;
}

// RFC 5802 §5
const SHA1: Vector = {
  mechanism: 'SCRAM-SHA-1',
  nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

// RFC 7677 §3
const SHA256: Vector = {
  mechanism: 'SCRAM-SHA-256',
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

async function keysFor(v: Vector): Promise<ScramKeys> {
  const c = new ScramClient(v.mechanism, 'user', { password: 'pencil' }, v.nonce);
  c.clientFirst();
  await c.clientFinal(v.serverFirst);
  await c.verifyServerFinal(v.serverFinal);
  return c.keys();
}

describe('SCRAM', () => {
  for (const v of [SHA1, SHA256]) {
    describe(v.mechanism, () => {
      it('matches the RFC example with a password', async () => {
        const c = new ScramClient(v.mechanism, 'user', { password: 'pencil' }, v.nonce);
        expect(c.clientFirst()).to.equal(v.clientFirst);
        expect(await c.clientFinal(v.serverFirst)).to.equal(v.clientFinal);
        await c.verifyServerFinal(v.serverFinal);
        const keys = c.keys();
        expect(keys.mechanism).to.equal(v.mechanism);
        expect(keys.iterations).to.equal(4096);
        expect(keys.salt).to.equal(/s=([^,]+)/.exec(v.serverFirst)![1]);
      });

      it('matches the RFC example from stored keys, without the password', async () => {
        const keys = await keysFor(v);
        const c = new ScramClient(v.mechanism, 'user', { keys }, v.nonce);
        expect(c.clientFirst()).to.equal(v.clientFirst);
        expect(await c.clientFinal(v.serverFirst)).to.equal(v.clientFinal);
        await c.verifyServerFinal(v.serverFinal);
        expect(c.keys()).to.deep.equal(keys);
      });

      it('rejects a server nonce that does not extend ours', async () => {
        const c = new ScramClient(v.mechanism, 'user', { password: 'pencil' }, v.nonce);
        const bad = v.serverFirst.replace(`r=${v.nonce}`, 'r=XXXX');
        expect(await rejection(c.clientFinal(bad))).to.be.instanceOf(ScramError);
        const c2 = new ScramClient(v.mechanism, 'user', { password: 'pencil' }, v.nonce);
        const same = v.serverFirst.replace(/r=[^,]+/, `r=${v.nonce}`);
        expect(await rejection(c2.clientFinal(same))).to.be.instanceOf(ScramError);
      });

      it('rejects a wrong server signature', async () => {
        const c = new ScramClient(v.mechanism, 'user', { password: 'pencil' }, v.nonce);
        await c.clientFinal(v.serverFirst);
        const sig = v.serverFinal.slice(2);
        const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
        const err = await rejection(c.verifyServerFinal(`v=${flipped}`));
        expect(err).to.be.instanceOf(ScramError);
        expect(err).not.to.be.instanceOf(ScramKeysStaleError);
      });

      it('rejects a server signature made with a different password', async () => {
        const c = new ScramClient(v.mechanism, 'user', { password: 'pencil2' }, v.nonce);
        expect(await c.clientFinal(v.serverFirst)).not.to.equal(v.clientFinal);
        expect(await rejection(c.verifyServerFinal(v.serverFinal))).to.be.instanceOf(ScramError);
      });

      it('reports a stale-keys error when salt or iterations change', async () => {
        const keys = await keysFor(v);
        const otherSalt = v.serverFirst.replace(/s=[^,]+/, 's=c2FsdHNhbHQ=');
        const otherIter = v.serverFirst.replace('i=4096', 'i=8192');
        for (const sf of [otherSalt, otherIter]) {
          const c = new ScramClient(v.mechanism, 'user', { keys }, v.nonce);
          expect(await rejection(c.clientFinal(sf))).to.be.instanceOf(ScramKeysStaleError);
        }
      });
    });
  }

  it('treats keys for another mechanism as stale', async () => {
    const keys = await keysFor(SHA1);
    expect(() => new ScramClient('SCRAM-SHA-256', 'user', { keys })).to.throw(ScramKeysStaleError);
  });

  it('surfaces a server e= error', async () => {
    const c = new ScramClient('SCRAM-SHA-1', 'user', { password: 'pencil' }, SHA1.nonce);
    await c.clientFinal(SHA1.serverFirst);
    const err = await rejection(c.verifyServerFinal('e=invalid-proof'));
    expect(err).to.be.instanceOf(ScramError);
    expect((err as ScramError).serverError).to.equal('invalid-proof');
  });

  it('rejects hostile or malformed iteration counts and mandatory extensions', async () => {
    const r = `r=${SHA1.nonce}abc,s=QSXCR+Q6sek8bf92`;
    for (const sf of [`${r},i=0`, `${r},i=10000001`, `${r},i=4096x`, `${r},i=-1`, `m=ext,${r},i=4096`]) {
      const c = new ScramClient('SCRAM-SHA-1', 'user', { password: 'pencil' }, SHA1.nonce);
      expect(await rejection(c.clientFinal(sf)), sf).to.be.instanceOf(ScramError);
    }
  });

  it('refuses fewer than 4096 iterations with a clear reason, before computing anything', async () => {
    for (const i of [1, 1000, 4095]) {
      const c = new ScramClient('SCRAM-SHA-1', 'user', { password: 'pencil' }, SHA1.nonce);
      const err = await rejection(c.clientFinal(`r=${SHA1.nonce}abc,s=QSXCR+Q6sek8bf92,i=${i}`));
      expect(err, `i=${i}`).to.be.instanceOf(ScramError);
      expect((err as Error).message).to.contain(`only ${i} iterations`);
    }
    const ok = new ScramClient('SCRAM-SHA-1', 'user', { password: 'pencil' }, SHA1.nonce);
    expect(await ok.clientFinal(`r=${SHA1.nonce}abc,s=QSXCR+Q6sek8bf92,i=4096`)).to.match(/^c=biws,r=/);
  });

  it('escapes = and , in the username', () => {
    const c = new ScramClient('SCRAM-SHA-256', 'a=b,c', { password: 'x' }, 'nonce');
    expect(c.clientFirst()).to.equal('n,,n=a=3Db=2Cc,r=nonce');
  });

  it('generates a fresh random nonce by default', () => {
    const a = new ScramClient('SCRAM-SHA-256', 'user', { password: 'x' }).clientFirst();
    const b = new ScramClient('SCRAM-SHA-256', 'user', { password: 'x' }).clientFirst();
    expect(a).to.match(/^n,,n=user,r=[A-Za-z0-9+/]{32}$/);
    expect(a).not.to.equal(b);
  });

  it('picks the strongest offered mechanism', () => {
    expect(pickMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'])).to.equal('SCRAM-SHA-256');
    expect(pickMechanism(['SCRAM-SHA-1', 'PLAIN'])).to.equal('SCRAM-SHA-1');
    expect(pickMechanism(['PLAIN', 'SCRAM-SHA-1-PLUS'])).to.equal(undefined);
  });
});
