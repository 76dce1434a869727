import type { ContactTime } from './records.js';

/**
 * A formatter in the user's locale, made when first used: a page's first date format costs 25-130 ms
 * on a slow machine (ICU loads its data; later ones 0.2 ms), which a page that shows no time yet (the
 * login, the roster) should not pay. Made ahead in an idle moment, it was a long task of its own.
 */
export function dateFormat(options: Intl.DateTimeFormatOptions): (time: number | Date) => string {
  let format: Intl.DateTimeFormat | undefined;
  return (time) => (format ??= new Intl.DateTimeFormat(undefined, options)).format(time);
}

/** `+hh:mm`/`-hh:mm` (XEP-0082) for an offset east of UTC in minutes: what XEP-0202 sends and pages show. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** A contact's clock now (XEP-0202), from the offset their answer gave: their wall time and UTC offset, as `14:05 (UTC+01:00)`. */
export function localTime(time: ContactTime, now = Date.now()): string {
  return `${new Date(now + time.offset * 60_000).toISOString().slice(11, 16)} (UTC${formatOffset(time.offset)})`;
}
