/**
 * A page frozen in the background (Page Lifecycle API: Chrome freezes hidden tabs) keeps whatever
 * IndexedDB transaction it had open, and the worker's writes to those stores then wait, for every
 * tab, until this one thaws. So a page aborts its open transactions (it only reads) as it freezes,
 * and starts none while frozen: some events still reach a frozen page (a change event starts a
 * read) while the answers to its requests wait for the thaw. Those reads reject with an
 * `AbortError`, and the reader reads again on `resume`.
 */
import { unwrap } from 'idb';
import type { ParleyDb } from '../storage/db.js';

export function abortReadsOnFreeze(db: ParleyDb): void {
  if (typeof document === 'undefined') return;
  const raw = unwrap(db);
  const open = new Set<IDBTransaction>();
  let frozen = false;
  const transaction = raw.transaction.bind(raw);
  // idb's wrapper calls the connection's own `transaction`, so every read it makes passes here.
  raw.transaction = ((...args: Parameters<IDBDatabase['transaction']>) => {
    if (frozen) throw new DOMException('the page is frozen', 'AbortError');
    const tx = transaction(...args);
    open.add(tx);
    const settled = () => open.delete(tx);
    tx.addEventListener('complete', settled);
    tx.addEventListener('abort', settled);
    return tx;
  }) as IDBDatabase['transaction'];
  document.addEventListener('resume', () => (frozen = false));
  document.addEventListener('freeze', () => {
    frozen = true;
    for (const tx of open) {
      try {
        tx.abort();
      } catch {
        // It finished meanwhile.
      }
    }
    open.clear();
  });
}

/** True when a read failed because the page froze (see above): read again on `resume`. */
export const abortedByFreeze = (err: unknown): boolean => err instanceof DOMException && err.name === 'AbortError';
