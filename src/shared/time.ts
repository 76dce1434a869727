/** `+hh:mm`/`-hh:mm` (XEP-0082) for an offset east of UTC in minutes: what XEP-0202 sends and pages show. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
