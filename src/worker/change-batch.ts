import type { Change } from '../shared/api.js';
import type { MessageRecord } from '../shared/records.js';

/** More new messages than this in one announcement are read back by pages, not carried to each. */
const MAX_ADDED = 20;

/**
 * Merges the worker's changes before pages hear of them. The first change after a quiet spell goes
 * out at once (changes made in the same task still merge), so a lone message is not held back; the
 * ones that follow within `ms` of the last announcement go out together, so a burst of 500 stanzas
 * costs pages a few re-reads, not 500. A few newly stored messages travel with the announcement.
 */
export class ChangeBatch {
  private stores = new Set<string>();
  private conversations = new Set<string>();
  private added: MessageRecord[] | undefined = [];
  private scheduled = false;
  private last = -Infinity;

  constructor(
    private readonly announce: (change: Change) => void,
    private readonly ms = 16,
  ) {}

  add(change: Change | null): void {
    if (!change) return;
    for (const store of change.stores) this.stores.add(store);
    for (const jid of change.conversations ?? []) this.conversations.add(jid);
    // A page shows `added` before it reads anything back: only when nothing else stored changed with
    // them (an edit, a receipt), or the page would show a later message before an earlier edit.
    if (change.added && this.added && this.added.length + change.added.length <= MAX_ADDED) this.added.push(...change.added);
    else if (change.added?.length || change.stores.includes('messages')) this.added = undefined;
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.last + this.ms - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    this.last = performance.now();
    const change: Change = { stores: [...this.stores], conversations: [...this.conversations] };
    if (this.added?.length) change.added = this.added;
    this.stores = new Set();
    this.conversations = new Set();
    this.added = [];
    this.announce(change);
  }
}
