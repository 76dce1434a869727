/**
 * A WebSocket endpoint (RFC 7395) that answers a SASL2 login the way a broken or hostile server would.
 * Only for what no real server can be made to do; everything else talks to the real one.
 */
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { freePort } from '../../scripts/lib/server.js';

export type Misbehaviour =
  /** Answers <authenticate/> with <continue/> (a protocol step the client does not support). */
  | 'continue'
  /** Signs the SCRAM exchange with a key it does not have. */
  | 'bad-signature'
  /** Says <success/> without the server's SCRAM signature. */
  | 'no-proof'
  /** Asks for SCRAM with only 1000 iterations. */
  | 'few-iterations';

export interface FakeServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const SASL2 = "xmlns='urn:xmpp:sasl:2'";

/** `fast`: also offers FAST (XEP-0484), as the servers a FAST-holding client reconnects to do. */
export async function startFakeServer(misbehaviour: Misbehaviour, { domain = 'localhost', fast = false } = {}): Promise<FakeServer> {
  const inline = fast ? `<inline><fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-NONE</mechanism></fast></inline>` : '';
  const port = await freePort();
  const server = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: () => 'xmpp' });
  server.on('connection', (ws) => {
    let nonce = '';
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('<open')) {
        ws.send(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='${domain}' id='${randomBytes(6).toString('hex')}' version='1.0' xml:lang='en'/>`);
        ws.send(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><authentication ${SASL2}><mechanism>SCRAM-SHA-1</mechanism>${inline}</authentication></stream:features>`);
      } else if (text.startsWith('<authenticate')) {
        if (misbehaviour === 'continue') {
          ws.send(`<continue ${SASL2}><additional-data>${b64('x')}</additional-data><tasks><task>HOTP-EXAMPLE</task></tasks></continue>`);
          return;
        }
        const initial = /<initial-response>([^<]*)</.exec(text)?.[1] ?? '';
        nonce = /r=([^,]+)/.exec(Buffer.from(initial, 'base64').toString())?.[1] ?? '';
        const iterations = misbehaviour === 'few-iterations' ? 1000 : 4096;
        ws.send(`<challenge ${SASL2}>${b64(`r=${nonce}srv,s=${b64(randomBytes(16))},i=${iterations}`)}</challenge>`);
      } else if (text.startsWith('<response')) {
        const proof = misbehaviour === 'no-proof' ? '' : `<additional-data>${b64(`v=${b64(randomBytes(20))}`)}</additional-data>`;
        ws.send(`<success ${SASL2}>${proof}<authorization-identifier>alice@${domain}</authorization-identifier></success>`);
      }
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port,
    url: `ws://127.0.0.1:${port}/xmpp-websocket`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
