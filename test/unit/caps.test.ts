import { expect } from 'chai';
import { buildCaps, buildDiscoInfo, capsVer, discoInfoOf, PARLEY_INFO, verificationString, type DiscoInfo } from '../../src/worker/caps.js';
import { buildPresence } from '../../src/worker/presence.js';

describe('entity capabilities (XEP-0115) and disco#info', () => {
  // XEP-0115 §5.2, the simple generation example.
  const exodus: DiscoInfo = {
    identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
    features: [
      'http://jabber.org/protocol/disco#info',
      'http://jabber.org/protocol/disco#items',
      'http://jabber.org/protocol/muc',
      'http://jabber.org/protocol/caps',
    ],
  };

  it('builds the verification string of the simple example (§5.2)', () => {
    expect(verificationString(exodus)).to.equal(
      'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
    );
  });

  it('hashes it to the example ver', async () => {
    expect(await capsVer(exodus)).to.equal('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('builds the <c/> element for presence', () => {
    const presence = buildPresence('away');
    presence.append(buildCaps('QgayPKawpkPSDYmwT/WM94uAlu0='));
    expect(presence.toString()).to.equal(
      `<presence><show>away</show><c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="https://parley.invalid" ver="QgayPKawpkPSDYmwT/WM94uAlu0="/></presence>`,
    );
  });

  it('answers disco#info with identity and features, echoing the node', () => {
    const q = buildDiscoInfo(exodus, 'https://parley.invalid#abc');
    expect(q.toString()).to.equal(
      `<query xmlns="http://jabber.org/protocol/disco#info" node="https://parley.invalid#abc"><identity category="client" type="pc" name="Exodus 0.9.1"/>` +
        `<feature var="http://jabber.org/protocol/disco#info"/><feature var="http://jabber.org/protocol/disco#items"/>` +
        `<feature var="http://jabber.org/protocol/muc"/><feature var="http://jabber.org/protocol/caps"/></query>`,
    );
  });

  it("Parley's own info: a web client with the +notify of XEP-0490", async () => {
    expect(PARLEY_INFO.identities).to.deep.equal([{ category: 'client', type: 'web', name: 'Parley' }]);
    for (const f of [
      'http://jabber.org/protocol/disco#info',
      'http://jabber.org/protocol/caps',
      'http://jabber.org/protocol/chatstates',
      'urn:xmpp:chat-markers:0',
      'urn:xmpp:receipts',
      'urn:xmpp:carbons:2',
      'urn:xmpp:mds:displayed:0+notify',
    ]) {
      expect(PARLEY_INFO.features).to.include(f);
    }
    const s = verificationString(PARLEY_INFO);
    expect(s.startsWith('client/web//Parley<')).to.equal(true);
    expect(await capsVer(PARLEY_INFO)).to.match(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('collects what each feature declares: its disco features and its PEP nodes as +notify', () => {
    const info = discoInfoOf([{ disco: ['urn:example:a'] }, { notify: ['urn:example:node'] }, {}]);
    expect(info.features).to.deep.equal([
      'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/caps', 'urn:example:a', 'urn:example:node+notify',
    ]);
  });
});
