import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Rows drawn beyond each edge of the screen, in screens: room to scroll, or to tab into, before more are drawn. */
const MARGIN = 1;
/** Rows drawn before the list was measured: a screen's worth. */
const FIRST = 30;
/** A row's height until one is measured, px. */
const GUESS_PX = 40;

/**
 * Which rows of a long list to draw: those within a screen of what is shown. The list draws them
 * between two spacers (elements marked `data-spacer`, as tall as `before()`/`after()` say) that stand
 * for the rest, so its scrollbar is that of the whole list. Rows are taken to be about as tall as
 * those drawn are on average; the margin absorbs the odd taller one.
 *
 * Whatever brings a spacer towards the screen (any scrolling ancestor, a resized window, content
 * above moving the list) makes an IntersectionObserver, which sees through shadow roots and scrollers,
 * say so: the range is then measured again. Nothing runs while the list stands still.
 */
export class VisibleRows implements ReactiveController {
  private start = 0;
  private end = FIRST;
  private rowPx = GUESS_PX;
  private observer: IntersectionObserver | undefined;
  private observed: Element[] = [];

  constructor(
    private readonly host: ReactiveControllerHost & { renderRoot: ParentNode },
    private readonly count: () => number,
  ) {
    host.addController(this);
  }

  /** The first row drawn and the one after the last, clamped to the list as it is now. */
  range(): [number, number] {
    const count = this.count();
    const start = Math.min(this.start, Math.max(0, count - (this.end - this.start)));
    return [start, Math.min(count, start + (this.end - this.start))];
  }

  /** Heights of the spacers before and after the rows drawn. */
  before(): string {
    return `${this.range()[0] * this.rowPx}px`;
  }

  after(): string {
    return `${(this.count() - this.range()[1]) * this.rowPx}px`;
  }

  /** Draws row `index` (and a screen around it); resolves once it is. */
  async show(index: number): Promise<void> {
    const [start, end] = this.range();
    if (index >= start && index < end) return;
    this.start = Math.max(0, index - FIRST / 2);
    this.end = this.start + FIRST;
    this.host.requestUpdate();
    await this.host.updateComplete;
  }

  /** Observed afresh after every update: the observer then reports where both spacers are now. */
  hostUpdated(): void {
    this.observe();
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.observed = [];
  }

  private observe(): void {
    // Half a screen ahead, past the window's edge and past each scroller's (a list inside one).
    const ahead = `${(MARGIN / 2) * 100}% 0px`;
    this.observer ??= new IntersectionObserver((entries) => this.measure(entries), { rootMargin: ahead, scrollMargin: ahead });
    for (const old of this.observed) this.observer.unobserve(old);
    this.observed = [...this.host.renderRoot.querySelectorAll('[data-spacer]')];
    for (const spacer of this.observed) this.observer.observe(spacer);
  }

  /**
   * The rows within MARGIN screens of the screen, from where the observer saw the spacers, after
   * layout: reading the elements' own rects here would lay the page out again. A scroll reports
   * one spacer only: both are then asked for afresh.
   */
  private measure(entries: IntersectionObserverEntry[]): void {
    const latest = new Map(entries.map((e) => [e.target, e.boundingClientRect]));
    const [before, after] = this.observed.map((spacer) => latest.get(spacer));
    if (!before || !after) return this.observe();
    const [start, end] = this.range();
    const drawn = after.top - before.bottom;
    if (end > start && drawn > 0) this.rowPx = drawn / (end - start);
    const screen = window.innerHeight;
    const first = Math.max(0, Math.floor((-screen * MARGIN - before.top) / this.rowPx));
    const last = Math.max(first + 1, Math.ceil((screen * (1 + MARGIN) - before.top) / this.rowPx));
    if (first === this.start && last === this.end) return;
    this.start = first;
    this.end = last;
    this.host.requestUpdate();
  }
}
