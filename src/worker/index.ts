/// <reference lib="webworker" />
/**
 * Worker entry, one ParleyService per worker, exposed through Comlink on every page's port. As a
 * SharedWorker (one per origin) pages connect through `onconnect`; as a dedicated Worker (browsers
 * without SharedWorker: the leading tab starts it, see src/client/leader.ts) every message that
 * carries a port is one page connecting.
 */
import { expose } from 'comlink';
import { TAKEOVER_WORKER_NAME } from '../shared/api.js';
import { ParleyService } from './service.js';

const ready = ParleyService.start({ steal: (globalThis as { name?: string }).name === TAKEOVER_WORKER_NAME });
const connect = (port: MessagePort) => void ready.then((service) => expose(service, port));

if ('onconnect' in globalThis) {
  // A page hands over the port it calls on (src/client/index.ts) through the one it connected with.
  (globalThis as unknown as SharedWorkerGlobalScope).onconnect = (event: MessageEvent) => {
    event.ports[0]!.onmessage = ({ ports }: MessageEvent) => ports.forEach(connect);
  };
} else {
  const scope = globalThis as unknown as DedicatedWorkerGlobalScope;
  // A page connecting, or the leading tab's heartbeat (followers check that this worker still runs).
  scope.onmessage = (event: MessageEvent) => (event.data === 'ping' ? scope.postMessage('pong') : event.ports.forEach(connect));
}
