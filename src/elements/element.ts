import { LitElement } from 'lit';

/** Drawing in one task stops after about this long; what is left waits for a task of its own. */
const SLICE_MS = 16;
/** Time spent drawing since the page last got to run other tasks (as far as a timer can tell). */
let spent = 0;
let resetting = false;

function spend(ms: number): void {
  spent += ms;
  if (resetting) return;
  resetting = true;
  // Runs after this task and those queued before it.
  setTimeout(() => {
    spent = 0;
    resetting = false;
  });
}

const nextTask = () => new Promise((next) => setTimeout(next));

/**
 * The app's larger elements. Each one's first drawing runs in a task of its own, after the task that
 * connected it, and a task stops drawing once it has drawn for SLICE_MS: when storage answers every
 * pane at once (a page opening) or a change concerns many, the panes are drawn a task or so each,
 * not all in one task that freezes the page.
 */
export class ParleyElement extends LitElement {
  private scheduled = false;

  protected override scheduleUpdate(): void | Promise<unknown> {
    if (!this.scheduled || spent >= SLICE_MS) {
      this.scheduled = true;
      return nextTask().then(() => this.scheduleUpdate());
    }
    const start = performance.now();
    try {
      return super.scheduleUpdate();
    } finally {
      spend(performance.now() - start);
    }
  }
}
