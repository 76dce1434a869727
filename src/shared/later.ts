/**
 * `promise`, to be awaited later: until then its rejection is not reported as unhandled, and if it
 * is never awaited (the work it was started for stopped or failed first) it is not reported at all.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
