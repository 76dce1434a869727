/// <reference lib="webworker" />
/**
 * `dist/parley-sw.js`: the app shell precached (workbox, manifest injected at build time), so the
 * app opens offline and renders what is stored, plus Parley's push and notification handlers.
 * A new version waits until the page offers "Reload to update".
 */
import { precacheAndRoute } from 'workbox-precaching';
import { installParleyHandlers } from './handlers.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Parameters<typeof precacheAndRoute>[0] };

precacheAndRoute(self.__WB_MANIFEST);
installParleyHandlers(self);
