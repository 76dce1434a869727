/// <reference lib="webworker" />
/** SharedWorker entry: one ParleyService for every page of the origin, reached through Comlink. */
import { expose } from 'comlink';
import { ParleyService } from './service.js';

const ready = ParleyService.start();

(globalThis as unknown as SharedWorkerGlobalScope).onconnect = (event: MessageEvent) => {
  const port = event.ports[0]!;
  void ready.then((service) => expose(service, port));
};
