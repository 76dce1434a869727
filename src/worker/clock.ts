/**
 * Strictly increasing millisecond timestamps, so messages stored in one burst keep their arrival
 * order in the (conversation, ts) index.
 */
let last = 0;
export function now(): number {
  last = Math.max(Date.now(), last + 0.001);
  return last;
}
