import { expect } from 'chai';
import { RelayCrypto } from '../../src/client/relay-crypto.js';

describe('relay sealing between tabs (ECDH P-256 + AES-GCM)', () => {
  const login = { id: '1', type: 'APPLY', path: ['login'], argumentList: [{ type: 'RAW', value: { password: 'correct horse' } }] };

  it('the tab it is sealed for opens it; the sealed bytes do not contain the text', async () => {
    const follower = new RelayCrypto('follower');
    const leader = new RelayCrypto('leader');
    const sealed = await follower.seal('leader', await leader.publicKey(), login);
    expect(new TextDecoder().decode(sealed.data)).not.to.contain('correct horse');
    expect(await leader.open('follower', sealed)).to.deep.equal(login);
  });

  it('another tab, even one that knows both public keys, cannot open it', async () => {
    const follower = new RelayCrypto('follower');
    const leader = new RelayCrypto('leader');
    const other = new RelayCrypto('leader'); // even under the leader's id
    const sealed = await follower.seal('leader', await leader.publicKey(), login);
    let failed = false;
    await other.open('follower', sealed).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });

  it('a message sealed for one tab and replayed as if from another sender does not open', async () => {
    const follower = new RelayCrypto('follower');
    const leader = new RelayCrypto('leader');
    const sealed = await follower.seal('leader', await leader.publicKey(), login);
    let failed = false;
    await leader.open('someone-else', sealed).catch(() => (failed = true));
    expect(failed).to.equal(true);
  });
});
