/**
 * Strictly increasing millisecond timestamps, so messages stored in one burst keep their arrival
 * order in the (conversation, ts) index.
 */
let last = 0;
export function now(): number {
  last = Math.max(Date.now(), last + 0.001);
  return last;
}

const arrivals = new WeakMap<object, number>();

/** Notes when a stanza arrived: stanzas are handled in batches, and what they bring sorts by arrival. */
export function arrived(stanza: object): void {
  arrivals.set(stanza, now());
}

/** When the stanza `el` is (or is inside) arrived; now for anything not noted. */
export function arrivalOf(el: { parent: unknown }): number {
  for (let e: { parent: unknown } | null = el; e; e = e.parent as { parent: unknown } | null) {
    const t = arrivals.get(e);
    if (t !== undefined) return t;
  }
  return now();
}
