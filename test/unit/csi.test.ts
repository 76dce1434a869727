import { expect } from 'chai';
import { buildState, Visibility } from '../../src/worker/csi.js';

describe('client state indication (XEP-0352)', () => {
  it('builds active and inactive', () => {
    expect(buildState(true).toString()).to.equal('<active xmlns="urn:xmpp:csi:0"/>');
    expect(buildState(false).toString()).to.equal('<inactive xmlns="urn:xmpp:csi:0"/>');
  });

  it('is active while any page is visible, and reports only changes', () => {
    const v = new Visibility();
    expect(v.active).to.equal(false);
    expect(v.set('a', true)).to.equal(true);
    expect(v.set('b', true)).to.equal(false);
    expect(v.set('a', false)).to.equal(false);
    expect(v.active).to.equal(true);
    expect(v.set('b', false)).to.equal(true);
    expect(v.active).to.equal(false);
    expect(v.set('gone', false)).to.equal(false);
  });
});
