/** Another user or device: a real @xmpp/client in Node, over TCP to the test server. */
import { client, xml, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { XmppServer } from '../../scripts/lib/server.js';
import { buildCaps, buildDiscoInfo, capsVer, NS_CAPS, NS_DISCO_INFO } from '../../src/worker/caps.js';
import { countInbound, smSettled } from '../../src/worker/stream-management.js';
import { until } from './wait.js';

export interface Peer {
  xmpp: XmppClient;
  /** Own full JID. */
  jid: string;
  /** Every message and presence stanza received, in order. */
  received: Element[];
  say(to: string, body: string): Promise<void>;
  /** Waits for a chat message with this body; returns it. */
  waitForBody(body: string, timeout?: number): Promise<Element>;
  stop(): Promise<void>;
}

export async function connectPeer(
  server: XmppServer,
  user: string,
  password: string,
  { resource = 'node', autoApprove = true }: { resource?: string; autoApprove?: boolean } = {},
): Promise<Peer> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.host,
    resource,
    username: user,
    password,
  });
  xmpp.reconnect.stop();
  // xmpp.js gives the server 2 s to answer the stream header; a loaded machine took longer (seen in
  // the suite), which failed the test that peer was for.
  xmpp.timeout = 10_000;
  // xmpp.js only uses PLAIN over a connection it deems secure, and its Node build has no SCRAM-SHA-256,
  // the only SCRAM the SHA-256 servers offer. The socket is loopback: PLAIN over it exposes nothing.
  xmpp.isSecure = () => true;
  // A peer that floods thousands of stanzas waits for the busy server's ack longer than xmpp.js's 60 s
  // liveness check allows (seen on a loaded 2-core machine), which then drops the peer mid-test. On
  // loopback a dead server shows as a closed socket anyway.
  xmpp.streamManagement.timeout = 0;
  countInbound(xmpp);
  const received: Element[] = [];
  xmpp.on('error', (e: Error) => console.warn(`[peer ${user}/${resource}] ${e.message}`));
  xmpp.on('stanza', (el: Element) => {
    if (el.name === 'iq') return;
    received.push(el);
    // Befriend whoever asks: the peer stands for a person who says yes.
    if (autoApprove && el.name === 'presence' && el.attrs.type === 'subscribe' && el.attrs.from) {
      void xmpp.send(xml('presence', { to: el.attrs.from, type: 'subscribed' }));
      void xmpp.send(xml('presence', { to: el.attrs.from, type: 'subscribe' }));
    }
  });
  await xmpp.start();
  await smSettled(xmpp);
  await xmpp.send(xml('presence'));
  const peer: Peer = {
    xmpp,
    jid: xmpp.jid!.toString(),
    received,
    say: (to, body) => xmpp.send(xml('message', { to, type: 'chat', id: crypto.randomUUID() }, xml('body', {}, body))),
    waitForBody: async (body, timeout = 10_000) => {
      let found: Element | undefined;
      await until(() => (found = received.find((el) => el.name === 'message' && el.getChildText('body') === body)), {
        timeout,
        what: `message "${body}" at ${user}`,
      });
      return found!;
    },
    stop: async () => {
      try {
        await xmpp.stop();
      } catch {
        // already gone with the server
      }
    },
  };
  return peer;
}

/** Mutual presence subscription between two accounts, done by two short-lived Node clients. */
export async function befriend(server: XmppServer, a: [string, string], b: [string, string]): Promise<void> {
  const pa = await connectPeer(server, a[0], a[1], { resource: 'setup' });
  const pb = await connectPeer(server, b[0], b[1], { resource: 'setup' });
  const bJid = `${b[0]}@${server.host}`;
  const aJid = `${a[0]}@${server.host}`;
  await pa.xmpp.send(xml('presence', { to: bJid, type: 'subscribe' }));
  const both = async (p: Peer, other: string) => {
    const r = await p.xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }));
    return r?.getChildren('item').find((i) => i.attrs.jid === other)?.attrs.subscription === 'both';
  };
  await until(async () => (await both(pa, bJid)) && (await both(pb, aJid)), { what: 'mutual subscription' });
  await pa.stop();
  await pb.stop();
}

/**
 * The peer says what its client supports, as real clients do: XEP-0115 caps in a new presence, and
 * disco#info answered for the node they name (the features, with disco#info and caps themselves).
 */
export async function advertise(peer: Peer, features: string[]): Promise<void> {
  const info = { identities: [{ category: 'client', type: 'pc', name: 'Node peer' }], features: [NS_DISCO_INFO, NS_CAPS, ...features] };
  const node = 'https://peer.invalid';
  const ver = await capsVer(info);
  peer.xmpp.iqCallee.get(NS_DISCO_INFO, 'query', () => buildDiscoInfo(info, `${node}#${ver}`));
  await peer.xmpp.send(xml('presence', {}, buildCaps(ver, node)));
}
