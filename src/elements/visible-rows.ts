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
 * for the rest, so its scrollbar is that of the whole list. Rows are taken to be about as tall as the
 * first one drawn; the margin absorbs the odd taller one.
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

  /** Observed afresh after every update: the observer then reports where the spacers are now, once. */
  hostUpdated(): void {
    // Half a screen ahead, past the window's edge and past each scroller's (a list inside one).
    const ahead = `${(MARGIN / 2) * 100}% 0px`;
    this.observer ??= new IntersectionObserver(() => this.measure(), { rootMargin: ahead, scrollMargin: ahead });
    for (const old of this.observed) this.observer.unobserve(old);
    this.observed = [...this.host.renderRoot.querySelectorAll('[data-spacer]')];
    for (const spacer of this.observed) this.observer.observe(spacer);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.observed = [];
  }

  /** After layout, when the spacers moved: the rows within MARGIN screens of the screen, from the list's place. */
  private measure(): void {
    const [first] = this.observed;
    const row = first?.nextElementSibling;
    if (!first || !row || row.hasAttribute('data-spacer')) return;
    this.rowPx = row.getBoundingClientRect().height || this.rowPx;
    const top = first.getBoundingClientRect().top;
    const screen = window.innerHeight;
    const start = Math.max(0, Math.floor((-screen * MARGIN - top) / this.rowPx));
    const end = Math.max(start + 1, Math.ceil((screen * (1 + MARGIN) - top) / this.rowPx));
    if (start === this.start && end === this.end) return;
    this.start = start;
    this.end = end;
    this.host.requestUpdate();
  }
}
