import { expect } from 'chai';
import { buildCaps, buildDiscoInfo, capsVer, discoInfoOf, parseCaps, parseDiscoInfo, PARLEY_INFO, verificationString, type DiscoInfo } from '../../src/worker/caps.js';
import { parse } from 'ltx';
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
  // XEP-0115 §5.3, the complex generation example: two identities with languages and an extended form.
  const psi = `<query xmlns="http://jabber.org/protocol/disco#info" node="http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w=">
    <identity xml:lang="en" category="client" name="Psi 0.11" type="pc"/>
    <identity xml:lang="el" category="client" name="Ψ 0.11" type="pc"/>
    <feature var="http://jabber.org/protocol/caps"/>
    <feature var="http://jabber.org/protocol/disco#info"/>
    <feature var="http://jabber.org/protocol/disco#items"/>
    <feature var="http://jabber.org/protocol/muc"/>
    <x xmlns="jabber:x:data" type="result">
      <field var="FORM_TYPE" type="hidden"><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var="ip_version"><value>ipv4</value><value>ipv6</value></field>
      <field var="os"><value>Mac</value></field>
      <field var="os_version"><value>10.5.1</value></field>
      <field var="software"><value>Psi</value></field>
      <field var="software_version"><value>0.11</value></field>
    </x>
  </query>`;

  it('verifies the complex example: languages, and the extended form hashed by FORM_TYPE and field', async () => {
    const info = parseDiscoInfo(parse(psi))!;
    expect(verificationString(info)).to.equal(
      'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<' +
        'http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<' +
        'ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<',
    );
    expect(await capsVer(info)).to.equal('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('refuses for caps what §5.4 refuses: a repeated feature or identity, a form without FORM_TYPE or two of one type', () => {
    const q = (inner: string) => parse(`<query xmlns="http://jabber.org/protocol/disco#info">${inner}</query>`);
    const form = (type: string | null) =>
      `<x xmlns="jabber:x:data" type="result">${type ? `<field var="FORM_TYPE" type="hidden"><value>${type}</value></field>` : ''}<field var="a"><value>1</value></field></x>`;
    expect(parseDiscoInfo(q('<feature var="urn:a"/><feature var="urn:b"/>'))).to.not.equal(null);
    expect(parseDiscoInfo(q('<feature var="urn:a"/><feature var="urn:a"/>'))).to.equal(null);
    expect(parseDiscoInfo(q('<identity category="client" type="pc"/><identity category="client" type="pc"/>'))).to.equal(null);
    expect(parseDiscoInfo(q(form(null)))).to.equal(null);
    expect(parseDiscoInfo(q(form('urn:x') + form('urn:x')))).to.equal(null);
    expect(parseDiscoInfo(q(form('urn:x') + form('urn:y')))!.forms!.map((f) => f.formType)).to.deep.equal(['urn:x', 'urn:y']);
  });

  it("reads a presence's caps: SHA-1 only, with node and ver", () => {
    const c = (attrs: string) => parse(`<presence from="bob@example.org/pc"><c xmlns="http://jabber.org/protocol/caps" ${attrs}/></presence>`);
    expect(parseCaps(c('hash="sha-1" node="http://psi-im.org" ver="q07IKJEyjvHSyhy//CH0CxmKi8w="'))).to.deep.equal({ node: 'http://psi-im.org', ver: 'q07IKJEyjvHSyhy//CH0CxmKi8w=' });
    expect(parseCaps(c('hash="sha-256" node="n" ver="v"'))).to.equal(null);
    expect(parseCaps(c('node="n" ver="v"'))).to.equal(null); // legacy caps without a hash cannot be verified
    expect(parseCaps(parse('<presence from="bob@example.org/pc"/>'))).to.equal(null);
  });
});
