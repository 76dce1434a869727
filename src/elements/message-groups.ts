import type { MessageRecord } from '../shared/records.js';
import { dateFormat } from '../shared/time.js';

/** Messages from one sender this close together read as one run: name and avatar once. */
export const GROUP_MS = 5 * 60_000;

const longDate = dateFormat({ dateStyle: 'long' });

/** The local calendar day of `ts` (changes at local midnight). */
const dayKey = (ts: number): string => new Date(ts).toDateString();

/** "Today", "Yesterday", else the local date. */
export function dayLabel(ts: number, now = Date.now()): string {
  const day = dayKey(ts);
  if (day === dayKey(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  return day === dayKey(yesterday.getTime()) ? 'Yesterday' : longDate(ts);
}

/** Who said it, as far as grouping goes: us, or the room occupant / contact. */
const senderOf = (m: MessageRecord): string => (m.direction === 'out' ? 'out' : `in ${m.author ?? m.from}`);

/** A message in the log: whether it starts a run of its sender's messages, and the date line above it when it starts a day. */
export interface LogRow {
  message: MessageRecord;
  first: boolean;
  day?: string;
}

/**
 * The log's rows, oldest first: each message marked `first` when it starts a run (another sender,
 * a new day, a pause longer than GROUP_MS, or `breakAt`, where "New messages" starts), and the
 * first of each day with its date. Adding a message never changes the rows before it.
 */
export function logRows(list: readonly MessageRecord[], breakAt?: string, now = Date.now()): LogRow[] {
  let previous: MessageRecord | undefined;
  return list.map((m) => {
    const newDay = !previous || dayKey(previous.ts) !== dayKey(m.ts);
    const first = newDay || m.key === breakAt || senderOf(previous!) !== senderOf(m) || m.ts - previous!.ts > GROUP_MS;
    previous = m;
    return newDay ? { message: m, first, day: dayLabel(m.ts, now) } : { message: m, first };
  });
}
