/**
 * For browsers without SharedWorker (Chrome on Android). The tabs of an origin elect one leader with
 * the Web Locks API; the leader runs the same worker code in a dedicated Worker and gives it one
 * MessagePort per tab: its own, and one for each follower, whose Comlink traffic it relays over the
 * `parley-tabs` BroadcastChannel. Every tab waits for the lock for its whole life, so when the
 * leader closes the next tab takes it, starts a worker (which logs in again from storage) and
 * announces itself; followers re-route to it, and their calls that were in flight fail.
 * Worker events still reach every tab on the `parley` channel: a dedicated worker's BroadcastChannel
 * reaches the whole origin too.
 */
import type { Endpoint } from 'comlink';
import { RoutedEndpoint } from './endpoint.js';

const LOCK = 'parley-leader';
const TABS_CHANNEL = 'parley-tabs';
const LOST = 'The tab that ran the Parley connection closed before answering: this may not have been done. Try again if needed.';

/** Between tabs; `from`/`to` are tab ids. */
type TabMessage =
  | { t: 'who'; from: string }
  | { t: 'leader'; from: string }
  | { t: 'call'; from: string; to: string; data: unknown }
  | { t: 'reply'; from: string; to: string; data: unknown }
  | { t: 'bye'; from: string };

/** This tab's Comlink endpoint to the worker of whichever tab leads (perhaps this one). */
export function electedEndpoint(workerUrl: string | URL): Endpoint {
  const me = crypto.randomUUID();
  const endpoint = new RoutedEndpoint();
  if (!navigator.locks) {
    // No SharedWorker and no Web Locks: tabs cannot agree on one connection. Calls fail (after a wait).
    console.error('[parley] this browser has neither SharedWorker nor the Web Locks API');
    return endpoint;
  }
  const tabs = new BroadcastChannel(TABS_CHANNEL);
  const say = (message: TabMessage) => tabs.postMessage(message);
  /** The tab this one follows. */
  let leader: string | undefined;
  /** While this tab leads: its worker, and the port relaying each follower's calls to it. */
  let led: { worker: Worker; relays: Map<string, MessagePort> } | undefined;

  const follow = (id: string) => {
    leader = id;
    endpoint.setRoute({ post: (data) => say({ t: 'call', from: me, to: id, data }) }, LOST);
  };

  const connect = (worker: Worker): MessagePort => {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage(null, [port2]);
    return port1;
  };

  const lead = () => {
    const worker = new Worker(workerUrl, { type: 'module', name: 'parley' });
    worker.addEventListener('error', (e) => console.error('[parley] worker failed', e.message ?? e));
    led = { worker, relays: new Map() };
    const own = connect(worker);
    own.onmessage = (e: MessageEvent) => endpoint.receive(e.data);
    leader = me;
    endpoint.setRoute({ post: (data, transfer) => own.postMessage(data, transfer) }, LOST);
    say({ t: 'leader', from: me });
  };

  const relay = (follower: string): MessagePort => {
    let port = led!.relays.get(follower);
    if (!port) {
      port = connect(led!.worker);
      port.onmessage = (e: MessageEvent) => say({ t: 'reply', from: me, to: follower, data: e.data });
      led!.relays.set(follower, port);
    }
    return port;
  };

  tabs.onmessage = ({ data: m }: MessageEvent<TabMessage>) => {
    switch (m?.t) {
      case 'who':
        if (led) say({ t: 'leader', from: me });
        break;
      case 'leader':
        if (!led && m.from !== leader) follow(m.from);
        break;
      case 'call':
        if (led && m.to === me) relay(m.from).postMessage(m.data);
        break;
      case 'reply':
        if (m.to === me && m.from === leader) endpoint.receive(m.data as { id?: string });
        break;
      case 'bye':
        led?.relays.get(m.from)?.close();
        led?.relays.delete(m.from);
        break;
    }
  };

  // Held until the tab goes away; the callback runs when this tab's turn comes.
  void navigator.locks.request(LOCK, () => {
    lead();
    return new Promise<never>(() => undefined);
  });
  say({ t: 'who', from: me });
  // A follower that leaves frees its relay port (one that comes back from the page cache gets a new one).
  window.addEventListener('pagehide', () => {
    if (!led) say({ t: 'bye', from: me });
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted && !led) say({ t: 'who', from: me });
  });
  return endpoint;
}
