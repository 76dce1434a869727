import { expect } from 'chai';
import { buildVersion } from '../../src/worker/software-version.js';

describe('software version (XEP-0092)', () => {
  it('answers name and version, and no operating system', () => {
    expect(buildVersion('Parley', '0.1.0').toString()).to.equal(
      '<query xmlns="jabber:iq:version"><name>Parley</name><version>0.1.0</version></query>',
    );
  });
});
