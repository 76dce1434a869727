import { expect } from 'chai';
import { parse } from 'ltx';
import { parsePushPayload, validSubscription } from '../../src/shared/push.js';
import { buildDisable, buildEnable, buildRegister, gatewayAddress, parseRegistered, parseVapid } from '../../src/worker/push.js';

const KEY = 'B' + 'A'.repeat(86); // 87 base64url characters: a 65-byte P-256 point
const AUTH = 'a'.repeat(22);
const sub = { endpoint: 'https://push.example.net/send/abc', keys: { p256dh: KEY, auth: AUTH } };

describe('push (XEP-0357 through the Parley gateway)', () => {
  it('enables with the secret as a publish option, and disables the node', () => {
    expect(buildEnable('push.example.org', 'n1', 's3cret').toString()).to.equal(
      '<enable xmlns="urn:xmpp:push:0" jid="push.example.org" node="n1"><x xmlns="jabber:x:data" type="submit">' +
        '<field var="FORM_TYPE"><value>http://jabber.org/protocol/pubsub#publish-options</value></field>' +
        '<field var="secret"><value>s3cret</value></field></x></enable>',
    );
    expect(buildDisable('push.example.org', 'n1').toString()).to.equal('<disable xmlns="urn:xmpp:push:0" jid="push.example.org" node="n1"/>');
  });

  it('registers the subscription and reads back node and secret; anything else is no registration', () => {
    expect(buildRegister(sub).attrs).to.include({ endpoint: sub.endpoint, p256dh: KEY, auth: AUTH });
    expect(parseRegistered(parse('<register xmlns="urn:parley:push:0" node="n" secret="s"/>'))).to.deep.equal({ node: 'n', secret: 's' });
    expect(parseRegistered(parse('<register xmlns="urn:parley:push:0" node="n"/>'))).to.equal(null);
    expect(parseRegistered(parse('<register xmlns="urn:other" node="n" secret="s"/>'))).to.equal(null);
    expect(parseRegistered(undefined)).to.equal(null);
  });

  it('takes only a well-formed VAPID key from the gateway', () => {
    expect(parseVapid(parse(`<vapid xmlns="urn:parley:push:0" key="${KEY}"/>`))).to.equal(KEY);
    expect(parseVapid(parse('<vapid xmlns="urn:parley:push:0" key="short"/>'))).to.equal(null);
    expect(parseVapid(parse(`<vapid xmlns="urn:parley:push:0" key="${KEY.slice(1)}&lt;"/>`))).to.equal(null);
  });

  it('a gateway is a domain', () => {
    expect(gatewayAddress(' Push.Example.org ')).to.equal('push.example.org');
    expect(() => gatewayAddress('user@example.org')).to.throw();
    expect(() => gatewayAddress('example.org/resource')).to.throw();
  });

  it('accepts subscriptions with an https endpoint and keys of the right size', () => {
    expect(validSubscription(sub)).to.equal(true);
    expect(validSubscription({ ...sub, endpoint: 'http://127.0.0.1:1/x' })).to.equal(false);
    expect(validSubscription({ ...sub, endpoint: 'http://127.0.0.1:1/x' }, { allowHttp: true })).to.equal(true);
    expect(validSubscription({ ...sub, endpoint: 'javascript:alert(1)' }, { allowHttp: true })).to.equal(false);
    expect(validSubscription({ ...sub, keys: { p256dh: KEY.slice(2), auth: AUTH } })).to.equal(false);
    expect(validSubscription({ ...sub, keys: { p256dh: KEY, auth: 'x' } })).to.equal(false);
    expect(validSubscription(null)).to.equal(false);
  });

  it('reads a push payload, and drops what is not one', () => {
    expect(parsePushPayload('{"to":"alice@example.org","count":2,"body":"New Message!"}')).to.deep.equal({ to: 'alice@example.org', count: 2, body: 'New Message!' });
    expect(parsePushPayload('{"to":"alice@example.org"}')).to.deep.equal({ to: 'alice@example.org', count: 1 });
    expect(parsePushPayload('{"to":"alice@example.org","sender":42}')).to.deep.equal({ to: 'alice@example.org', count: 1 });
    expect(parsePushPayload('not json')).to.equal(null);
    expect(parsePushPayload('{"to":"nobody"}')).to.equal(null);
    expect(parsePushPayload('[1]')).to.equal(null);
  });
});
