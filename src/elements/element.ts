import { LitElement } from 'lit';

/**
 * The app's larger elements: each one's first render runs in a task of its own, after the task that
 * connected it, so the app is drawn in several short tasks, not in one that freezes the page.
 */
export class ParleyElement extends LitElement {
  private scheduled = false;

  protected override scheduleUpdate(): void | Promise<unknown> {
    if (this.scheduled) return super.scheduleUpdate();
    this.scheduled = true;
    return new Promise((next) => setTimeout(next)).then(() => super.scheduleUpdate());
  }
}
