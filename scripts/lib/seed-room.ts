// Seeds a room for the demo: its accounts join it over plain c2s on loopback and each says something,
// so the room's archive shows people talking when the demo's users join.
import { client, xml, type XmppClient } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { XmppServer } from './server.js';

const NS_MUC = 'http://jabber.org/protocol/muc';

async function connect(server: XmppServer, user: string, password: string): Promise<XmppClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.host, resource: 'seed', username: user, password });
  xmpp.reconnect.stop();
  // Stream management asks for an ack shortly after each send, even once the client has stopped:
  // that write after the end is expected; anything else is worth a line.
  xmpp.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_WRITE_AFTER_END') console.warn(`[seed ${user}] ${err.message}`);
  });
  // Loopback: PLAIN over it exposes nothing, and the Node build of xmpp.js has no SCRAM-SHA-256.
  xmpp.isSecure = () => true;
  await xmpp.start();
  return xmpp;
}

/** Waits for our own presence from the room (status 110). */
function joined(xmpp: XmppClient, room: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (el: Element) => {
      if (el.name !== 'presence' || !el.attrs.from?.startsWith(`${room}/`)) return;
      if (el.getChild('x', `${NS_MUC}#user`)?.getChildren('status').some((s) => s.attrs.code === '110')) {
        xmpp.removeListener('stanza', check);
        resolve();
      }
    };
    xmpp.on('stanza', check);
  });
}

/** Creates `room` (persistent, public, named), sets its subject, and has each account say its line. */
export async function seedRoom(server: XmppServer, room: string, name: string, talk: { user: string; password: string; says: string }[]): Promise<void> {
  for (const [i, { user, password, says }] of talk.entries()) {
    const xmpp = await connect(server, user, password);
    const inRoom = joined(xmpp, room);
    await xmpp.send(xml('presence', { to: `${room}/${user}` }, xml('x', { xmlns: NS_MUC }, xml('history', { maxstanzas: '0' }))));
    await inRoom;
    if (i === 0) {
      const field = (v: string, value: string) => xml('field', { var: v }, xml('value', {}, value));
      await xmpp.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${NS_MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        field('FORM_TYPE', `${NS_MUC}#roomconfig`), field('muc#roomconfig_roomname', name),
        field('muc#roomconfig_persistentroom', '1'), field('muc#roomconfig_publicroom', '1')))));
      await xmpp.send(xml('message', { to: room, type: 'groupchat' }, xml('subject', {}, 'Say hello: everyone here is a demo account')));
    }
    await xmpp.send(xml('message', { to: room, type: 'groupchat', id: crypto.randomUUID() }, xml('body', {}, says)));
    await xmpp.stop();
  }
}
