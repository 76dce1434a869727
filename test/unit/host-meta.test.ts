import { expect } from 'chai';
import { parseHostMetaJson, parseHostMetaXml, pickWebSocket } from '../../src/worker/host-meta.js';

describe('WebSocket endpoint discovery (XEP-0156)', () => {
  it('reads the WebSocket link of an XRD host-meta (XEP-0156 §3.3 example)', () => {
    const xrd = `<?xml version='1.0' encoding='utf-8'?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://web.example.com:5280/bosh" />
  <Link rel="urn:xmpp:alt-connections:websocket" href="wss://web.example.com:443/ws" />
</XRD>`;
    expect(parseHostMetaXml(xrd)).to.deep.equal(['wss://web.example.com:443/ws']);
    expect(parseHostMetaXml('<html><body>not found</body></html>')).to.equal(null);
    expect(parseHostMetaXml('<XRD')).to.equal(null);
  });

  it('reads the WebSocket link of a JSON host-meta', () => {
    const jrd = JSON.stringify({
      links: [
        { rel: 'urn:xmpp:alt-connections:xbosh', href: 'https://web.example.com:5280/bosh' },
        { rel: 'urn:xmpp:alt-connections:websocket', href: 'wss://web.example.com:443/ws' },
      ],
    });
    expect(parseHostMetaJson(jrd)).to.deep.equal(['wss://web.example.com:443/ws']);
    expect(parseHostMetaJson('{"links": 3}')).to.equal(null);
    expect(parseHostMetaJson('not json')).to.equal(null);
  });

  it('takes only a ws:// or wss:// URL, and says why otherwise', () => {
    expect(pickWebSocket('example.com', ['wss://web.example.com/ws'])).to.equal('wss://web.example.com/ws');
    expect(pickWebSocket('example.com', ['javascript:alert(1)', 'ws://127.0.0.1:5280/ws'])).to.equal('ws://127.0.0.1:5280/ws');
    expect(() => pickWebSocket('example.com', ['https://web.example.com/ws'])).to.throw(/not a ws:\/\/ or wss:\/\/ URL: refused/);
    expect(() => pickWebSocket('example.com', [])).to.throw(/names no WebSocket endpoint/);
  });
});
