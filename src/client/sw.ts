/**
 * Registers Parley's Service Worker with workbox-window. A new version waits: `onUpdate` gets the
 * function that lets it take over and reloads the page (behind a "Reload to update" button).
 */
import { Workbox } from 'workbox-window';
import { scriptUrl } from './script-url.js';

export async function registerServiceWorker(url: string, { scope, onUpdate }: { scope?: string; onUpdate(apply: () => void): void }): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const wb = new Workbox(scriptUrl(url), scope ? { scope } : {});
  wb.addEventListener('waiting', () =>
    onUpdate(() => {
      wb.addEventListener('controlling', () => location.reload());
      wb.messageSkipWaiting();
    }),
  );
  await wb.register();
}
