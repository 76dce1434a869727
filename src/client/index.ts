/**
 * Page side of Parley, for apps with their own UI: commands go to the shared worker, data is read
 * straight from IndexedDB, and change events say when to read again. Where there is no SharedWorker
 * (Chrome on Android) one tab runs the worker for all of them (leader.ts); pages cannot tell.
 */
import { wrap, type Endpoint, type Remote } from 'comlink';
import { EVENTS_CHANNEL, type ParleyApi, type WorkerEvent } from '../shared/api.js';
import { openParleyDb, type ParleyDb } from '../storage/db.js';
import { RoutedEndpoint } from './endpoint.js';
import { electedEndpoint } from './leader.js';
import { OwnStatus } from './own-status.js';
import { abortReadsOnFreeze } from './freeze.js';
import { pushControl, type PushControl } from './push.js';
import { scriptUrl } from './script-url.js';

export type { ParleyApi, Status, ConnectionState, LoginOptions, Change, WorkerEvent } from '../shared/api.js';
export type * from '../shared/records.js';
export * from '../storage/read.js';
export type { ParleyDb } from '../storage/db.js';
export { abortedByFreeze } from './freeze.js';
export type { PushControl, PushState, Subscribe } from './push.js';
export type { WebPushSubscription } from '../shared/push.js';
export { pushSubscribe } from './push.js';
export { registerServiceWorker } from './sw.js';
export { squareAvatar, AVATAR_SIZE } from './avatar.js';
export { putFile, shareFile, type UploadControl } from './upload.js';

export interface ParleyOptions {
  /**
   * URL of parley-worker.js. A worker must come from the page's own origin, so a page that loads
   * Parley from a CDN serves the worker file itself and names it here.
   */
  workerUrl?: string | URL;
  /**
   * Starts the shared worker once this settles, not at once; calls made meanwhile wait. A page that
   * shows what is stored first (a cold open) starts it after that: its start takes the same cores.
   */
  startWorker?: Promise<unknown>;
}

export interface Parley {
  /** Commands, answered by the worker. */
  readonly api: Remote<ParleyApi>;
  /**
   * The local database, read-only by convention: only the worker writes. A read open when the page
   * freezes is aborted (`abortedByFreeze(err)`): read again on the document's `resume` event.
   */
  readonly db: Promise<ParleyDb>;
  /** Push notifications (XEP-0357 through a Parley push gateway): `enable()` from a user gesture. */
  readonly push: PushControl;
  /** Calls `listener` for every worker event; returns the unsubscribe function. */
  on(listener: (event: WorkerEvent) => void): () => void;
}

let instance: Parley | undefined;

/** The page's one connection to the Parley worker (created on first call; later options are ignored). */
export function parley(options: ParleyOptions = {}): Parley {
  instance ??= create(options);
  return instance;
}

function create({ workerUrl = new URL('./parley-worker.js', import.meta.url), startWorker }: ParleyOptions): Parley {
  const endpoint = connect(workerUrl, startWorker);
  const api = wrap<ParleyApi>(endpoint);
  const reportNow = reportVisibility(api);
  // Without SharedWorker, another tab's worker may take over: tell it what the old one knew.
  if (endpoint instanceof RoutedEndpoint) endpoint.onRoute = reportNow;
  const channel = new BroadcastChannel(EVENTS_CHANNEL);
  const listeners = new Set<(event: WorkerEvent) => void>();
  const emit = (event: WorkerEvent) => {
    for (const listener of listeners) listener(event);
  };
  // Two SharedWorkers (two deploys, two worker URLs) may run in this origin and both post on the
  // channel: this page shows its own worker's status, learnt from its first answer. (Without
  // SharedWorker there is one worker at a time, and it changes when the leading tab does.)
  const own = new OwnStatus();
  const shared = !(endpoint instanceof RoutedEndpoint);
  if (shared) {
    void api.status().then((status) => {
      for (const s of own.answer(status)) emit({ type: 'status', status: s });
    }, () => undefined);
  }
  channel.onmessage = ({ data: event }: MessageEvent<WorkerEvent>) => {
    if (shared && event.type === 'status') {
      for (const s of own.event(event.status)) emit({ type: 'status', status: s });
      return;
    }
    emit(event);
  };
  const db = openParleyDb().then((opened) => {
    abortReadsOnFreeze(opened);
    return opened;
  });
  return {
    api,
    db,
    push: pushControl(api, db),
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Tells the worker whether this page is seen, for Client State Indication; returns "tell it again". */
function reportVisibility(api: Remote<ParleyApi>): () => void {
  if (typeof document === 'undefined') return () => undefined;
  const page = crypto.randomUUID();
  const report = (visible: boolean) => void api.pageVisible(page, visible).catch(() => undefined);
  const reportNow = () => report(document.visibilityState === 'visible');
  reportNow();
  document.addEventListener('visibilitychange', reportNow);
  // A closing page must not stay counted as visible.
  addEventListener('pagehide', () => report(false));
  addEventListener('pageshow', reportNow);
  return reportNow;
}

/** A port to the shared worker (once `start` settles), or without SharedWorker the way to the worker of the leading tab. */
function connect(workerUrl: string | URL, start: Promise<unknown> = Promise.resolve()): Endpoint {
  if (typeof SharedWorker === 'function') {
    // Calls go over a channel of our own, handed to the worker once it is started (it queues them).
    const { port1, port2 } = new MessageChannel();
    const open = () => new SharedWorker(scriptUrl(workerUrl), { type: 'module', name: 'parley' }).port.postMessage(null, [port2]);
    void start.then(open, open);
    return port1;
  }
  return electedEndpoint(workerUrl);
}
