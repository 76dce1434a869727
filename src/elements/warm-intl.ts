import { scriptUrl } from '../client/script-url.js';

/**
 * A page's first date format or collation loads ICU's locale data: 20-170 ms of the main thread here,
 * paid by the first render that shows a time. The data is kept once per process, and a dedicated
 * worker runs in its page's: loaded there as the page starts, the page's own first format takes under
 * a millisecond. Best effort: where the worker cannot start (Parley loaded from another origin), the
 * first format loads the data as before.
 */
export function warmIntl(url: URL = new URL('./parley-intl.js', import.meta.url)): void {
  try {
    new Worker(scriptUrl(url), { type: 'module', name: 'parley-intl' });
  } catch {
    // another origin's script: nothing is lost but the head start
  }
}
