/**
 * Which status events a page shows when SharedWorkers of two deploys share the events channel: its
 * own worker's, learnt from the worker's answer to `status()`. That answer (a MessagePort) and the
 * events (a BroadcastChannel) may arrive in either order: an event that came before the answer is
 * kept until it is known whose it is, and anything older than what was shown is dropped. (Dropping
 * the early ones left a page "Connecting…" when its worker resumed a stream at once.)
 */
import type { Status } from '../shared/api.js';

export class OwnStatus {
  private own: string | undefined;
  private shown = -1;
  private early: Status[] = [];

  /** The worker's answer to `status()`: returns what to show (the newest of it and what came before). */
  answer(status: Status): Status[] {
    this.own = status.worker;
    const newest = [...this.early].reverse().filter((s) => this.fresh(s)).reduce((a, b) => ((b.seq ?? 0) > (a.seq ?? 0) ? b : a), status);
    this.early = [];
    return this.take(newest) ? [newest] : [];
  }

  /** A status event from the channel: returns what to show now. */
  event(status: Status): Status[] {
    if (this.own === undefined) {
      this.early.push(status);
      return [];
    }
    return this.fresh(status) && this.take(status) ? [status] : [];
  }

  private fresh(status: Status): boolean {
    return (status.worker ?? this.own) === this.own;
  }

  private take(status: Status): boolean {
    const seq = status.seq ?? 0;
    if (seq <= this.shown) return false;
    this.shown = seq;
    return true;
  }
}
