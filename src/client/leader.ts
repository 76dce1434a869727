/**
 * For browsers without SharedWorker (Chrome on Android). The tabs of an origin elect one leader with
 * the Web Locks API; the leader runs the same worker code in a dedicated Worker and gives it one
 * MessagePort per tab: its own, and one for each follower, whose Comlink traffic it relays over the
 * `parley-tabs` BroadcastChannel, sealed per pair of tabs (relay-crypto.ts: logins carry passwords,
 * and any page of the origin can listen to the channel). Every tab waits for the lock for its whole
 * life, so when the leader closes the next tab takes it, starts a worker (which logs in again from
 * storage) and announces itself; followers re-route to it, and their calls that were in flight fail.
 * A leader that stops answering (a frozen background tab) is found by a heartbeat: a follower takes
 * the lock from it by force, and the frozen one, when it thaws, stops its worker (and the worker,
 * whose account lock was taken too, closes storage before writing anything).
 * Worker events still reach every tab on the `parley` channel: a dedicated worker's BroadcastChannel
 * reaches the whole origin too.
 */
import type { Endpoint } from 'comlink';
import { TAKEOVER_WORKER_NAME } from '../shared/api.js';
import { RoutedEndpoint } from './endpoint.js';
import { RelayCrypto, type Sealed } from './relay-crypto.js';
import { scriptUrl } from './script-url.js';

const LOCK = 'parley-leader';
const TABS_CHANNEL = 'parley-tabs';
const LOST = 'The tab that ran the Parley connection closed before answering: this may not have been done. Try again if needed.';
const FROZEN = 'The tab that ran the Parley connection stopped answering (frozen in the background?): this may not have been done. Try again if needed.';
/** A follower asks the leader whether it is alive this often… */
const HEARTBEAT_MS = 1000;
/** …and takes over when an ask stays unanswered this long. */
const FROZEN_MS = 3000;

/** Between tabs; `from`/`to` are tab ids. */
type TabMessage =
  | { t: 'who'; from: string }
  | { t: 'leader'; from: string; key: ArrayBuffer }
  | ({ t: 'call'; from: string; to: string } & Sealed)
  | ({ t: 'reply'; from: string; to: string } & Sealed)
  | { t: 'ping'; from: string; to: string }
  | { t: 'pong'; from: string; to: string }
  | { t: 'bye'; from: string };

/** This tab's Comlink endpoint to the worker of whichever tab leads (perhaps this one). */
export function electedEndpoint(workerUrl: string | URL): Endpoint {
  const me = crypto.randomUUID();
  const endpoint = new RoutedEndpoint();
  const locks = navigator.locks;
  if (!locks) {
    // No SharedWorker and no Web Locks: tabs cannot agree on one connection. Calls fail (after a wait).
    console.error('[parley] this browser has neither SharedWorker nor the Web Locks API');
    return endpoint;
  }
  const sealing = new RelayCrypto(me);
  const tabs = new BroadcastChannel(TABS_CHANNEL);
  const say = (message: TabMessage) => tabs.postMessage(message);
  /** Sealing is asynchronous: these chains keep relayed messages in the order they were given. */
  let outgoing: Promise<unknown> = Promise.resolve();
  let incoming: Promise<unknown> = Promise.resolve();
  const inOrder = (chain: Promise<unknown>, step: () => Promise<void>) =>
    chain.then(step).catch((err: unknown) => console.warn('[parley] relay message dropped', err));

  /** The tab this one follows, and its public key. */
  let leader: { id: string; key: ArrayBuffer } | undefined;
  /** When the oldest unanswered heartbeat to the leader was sent. */
  let unanswered: number | undefined;
  /** While this tab leads: its worker, and the port relaying each follower's calls to it. */
  let led: { worker: Worker; relays: Map<string, { port: MessagePort; key: ArrayBuffer }>; pinged: Set<string> } | undefined;
  let takingOver = false;

  const follow = (id: string, key: ArrayBuffer) => {
    leader = { id, key };
    unanswered = undefined;
    endpoint.setRoute({
      post: (data) => {
        outgoing = inOrder(outgoing, async () => say({ t: 'call', from: me, to: id, ...(await sealing.seal(id, key, data)) }));
      },
    }, LOST);
  };

  const connect = (worker: Worker): MessagePort => {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage(null, [port2]);
    return port1;
  };

  const lead = async (tookOver: boolean) => {
    if (led) return;
    const worker = new Worker(scriptUrl(workerUrl), { type: 'module', name: tookOver ? TAKEOVER_WORKER_NAME : 'parley' });
    worker.addEventListener('error', (e) => console.error('[parley] worker failed', e.message ?? e));
    led = { worker, relays: new Map(), pinged: new Set() };
    // The worker's answer to a heartbeat: this tab and its worker both run (neither is frozen).
    worker.addEventListener('message', (e: MessageEvent) => {
      if (e.data !== 'pong' || led?.worker !== worker) return;
      for (const follower of led.pinged) say({ t: 'pong', from: me, to: follower });
      led.pinged.clear();
    });
    const own = connect(worker);
    own.onmessage = (e: MessageEvent) => endpoint.receive(e.data);
    leader = undefined;
    endpoint.setRoute({ post: (data, transfer) => own.postMessage(data, transfer) }, LOST);
    say({ t: 'leader', from: me, key: await sealing.publicKey() });
  };

  /** Another tab took the lock from this one (it found it frozen): stop the worker, follow again. */
  const abdicate = () => {
    if (!led) return;
    led.worker.terminate();
    for (const { port } of led.relays.values()) port.close();
    led = undefined;
    endpoint.setRoute(undefined, LOST);
    waitForTurn();
    say({ t: 'who', from: me });
  };

  // Held until the tab goes away (or the lock is taken from it); the callback runs when this tab's turn comes.
  const waitForTurn = (steal = false) => {
    locks
      .request(LOCK, steal ? { steal: true } : {}, () => {
        void lead(steal);
        return new Promise<never>(() => undefined);
      })
      .catch(abdicate);
  };

  const relay = (follower: string, key: ArrayBuffer): MessagePort => {
    let relayed = led!.relays.get(follower);
    if (!relayed) {
      const port = connect(led!.worker);
      relayed = { port, key };
      const to = relayed;
      port.onmessage = (e: MessageEvent) => {
        outgoing = inOrder(outgoing, async () => say({ t: 'reply', from: me, to: follower, ...(await sealing.seal(follower, to.key, e.data)) }));
      };
      led!.relays.set(follower, relayed);
    }
    relayed.key = key;
    return relayed.port;
  };

  /** The leader did not answer in time: calls in flight fail now, and, unless another tab is quicker, this one leads. */
  const takeOver = () => {
    if (led || takingOver) return;
    takingOver = true;
    const suspected = leader?.id;
    endpoint.setRoute(undefined, FROZEN);
    // A moment's jitter, so that of several followers one takes over and the others follow it.
    setTimeout(() => {
      takingOver = false;
      if (led || (leader && leader.id !== suspected)) return; // another tab took over
      if (leader && unanswered === undefined) return follow(leader.id, leader.key); // it answered after all
      waitForTurn(true);
    }, Math.random() * 500);
  };

  setInterval(() => {
    if (led || !leader) return;
    if (unanswered === undefined) {
      unanswered = Date.now();
      say({ t: 'ping', from: me, to: leader.id });
    } else if (Date.now() - unanswered > FROZEN_MS) {
      takeOver();
    }
  }, HEARTBEAT_MS);

  tabs.onmessage = ({ data: m }: MessageEvent<TabMessage>) => {
    switch (m?.t) {
      case 'who':
        if (led) void sealing.publicKey().then((key) => say({ t: 'leader', from: me, key }));
        break;
      case 'leader':
        if (!led && m.from !== leader?.id) follow(m.from, m.key);
        break;
      case 'ping':
        if (led && m.to === me) {
          led.pinged.add(m.from);
          led.worker.postMessage('ping');
        }
        break;
      case 'pong':
        if (m.to === me && m.from === leader?.id) unanswered = undefined;
        break;
      case 'call':
        if (led && m.to === me) {
          const port = relay(m.from, m.key);
          incoming = inOrder(incoming, async () => port.postMessage(await sealing.open(m.from, m)));
        }
        break;
      case 'reply':
        if (m.to === me && m.from === leader?.id) {
          incoming = inOrder(incoming, async () => endpoint.receive((await sealing.open(m.from, m)) as { id?: string }));
        }
        break;
      case 'bye':
        led?.relays.get(m.from)?.port.close();
        led?.relays.delete(m.from);
        break;
    }
  };

  waitForTurn();
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
